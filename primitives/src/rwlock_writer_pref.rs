//! Writer-preferring reader–writer lock: one atomic word holding a reader count, a writer bit and
//! a writer-waiting bit (the "writers-preference" lock of Courtois, Heymans and Parnas,
//! "Concurrent control with readers and writers", CACM 1971; the waiting bit in one word as in
//! chapter 9 of Mara Bos, "Rust Atomics and Locks").
//!
//! A writer that cannot enter sets the waiting bit, and from then on no new reader enters: the
//! readers inside drain, and the writer goes next. That cures the reader-preferring lock's writer
//! starvation ([`rwlock_reader_pref`](crate::rwlock_reader_pref)) at the mirror-image price: a
//! steady stream of writers can starve readers. A writer clears the bit when it enters; other
//! writers still waiting set it again on their next look, so readers may slip in for a moment
//! between two writers, which bounds that starvation somewhat.
//!
//! Waiters spin with [`Backoff`] and then yield; they never park. That is acceptable here: these
//! locks are benchmarked with short critical sections at up to 16 threads on 2 cores, where
//! yielding gives a descheduled holder the core back.

use crate::backoff::Backoff;
use crate::chaos;
use crate::sync::{AtomicUsize, Ordering};

/// The `state` bit set while a writer holds the lock.
const WRITER: usize = 1;
/// The `state` bit set while a writer waits; it keeps new readers out.
const WRITER_WAITING: usize = 2;
/// One reader, counted in the bits above the two flags.
const ONE_READER: usize = 4;

/// The raw lock. Use it through [`WriterPrefRwLock`], or directly.
pub struct RawWriterPrefRwLock {
    /// `n * ONE_READER + writer_waiting * WRITER_WAITING + writer * WRITER`:
    ///
    /// | value | meaning |
    /// |---|---|
    /// | `0` | unlocked, nobody waiting |
    /// | `n * ONE_READER`, `n > 0` | held shared by `n` readers |
    /// | `WRITER` | held exclusive; only writers change the word (to set the waiting bit) |
    /// | `+ WRITER_WAITING` | some writer waits (or is about to look again): readers stay out |
    ///
    /// `WRITER` and a nonzero reader count never coexist. The waiting bit is set only by a writer
    /// that keeps waiting until it enters, and entering clears it, so it is never left stale.
    state: AtomicUsize,
}

/// An RW lock whose raw lock is a [`RawWriterPrefRwLock`]. (Under loom the alias exists but cannot
/// be used: `lock_api::RawRwLock::INIT` needs `const` atomics; model-check the raw lock directly.)
///
/// ```
/// use primitives::rwlock_writer_pref::WriterPrefRwLock;
///
/// let lock = WriterPrefRwLock::new(1);
/// {
///     let (a, b) = (lock.read(), lock.read()); // readers share the lock
///     assert_eq!(*a + *b, 2);
///     assert!(lock.try_write().is_none()); // and keep writers out
/// }
/// *lock.write() += 1;
/// assert_eq!(lock.into_inner(), 2);
/// ```
pub type WriterPrefRwLock<T> = lock_api::RwLock<RawWriterPrefRwLock, T>;

impl RawWriterPrefRwLock {
    /// An unlocked lock.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self { state: AtomicUsize::new(0) }
    }

    /// An unlocked lock (not `const` under loom, whose atomics cannot be built in constants).
    #[cfg(loom)]
    pub fn new() -> Self {
        Self { state: AtomicUsize::new(0) }
    }

    /// Takes the lock shared, waiting while a writer holds it or waits for it.
    #[inline]
    pub fn lock_shared(&self) {
        chaos::point();
        if !self.try_lock_shared() {
            self.lock_shared_contended();
        }
    }

    #[cold]
    fn lock_shared_contended(&self) {
        let mut backoff = Backoff::new();
        while !self.try_lock_shared() {
            while self.state.load(Ordering::Relaxed) & (WRITER | WRITER_WAITING) != 0 {
                backoff.snooze();
            }
        }
    }

    /// Takes the lock shared unless a writer holds it or waits for it right now: that is the
    /// writer preference. Never fails spuriously.
    #[inline]
    pub fn try_lock_shared(&self) -> bool {
        chaos::point();
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (WRITER | WRITER_WAITING) != 0 {
                return false;
            }
            let readers = state.checked_add(ONE_READER).expect("reader count overflow");
            // Acquire on success: pairs with the Release in `unlock_exclusive`. A failure only
            // means the word moved (a reader came or went, a writer arrived): look again.
            match self.state.compare_exchange_weak(
                state,
                readers,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// Releases a shared hold.
    ///
    /// # Safety
    ///
    /// The calling context must hold the lock shared.
    #[inline]
    pub unsafe fn unlock_shared(&self) {
        chaos::point();
        // Release: this reader's reads happen before the next writer's writes.
        self.state.fetch_sub(ONE_READER, Ordering::Release);
    }

    /// Takes the lock exclusive; while it waits, no new reader enters.
    #[inline]
    pub fn lock_exclusive(&self) {
        chaos::point();
        // Acquire: pairs with the Release of the last unlock, reader or writer.
        if self.state.compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed).is_err() {
            self.lock_exclusive_contended();
        }
    }

    #[cold]
    fn lock_exclusive_contended(&self) {
        let mut backoff = Backoff::new();
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & !WRITER_WAITING == 0 {
                // Nobody holds it: enter, clearing the waiting bit (it may be ours; writers
                // still waiting set it again). Acquire as in `lock_exclusive`.
                match self.state.compare_exchange_weak(
                    state,
                    WRITER,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return,
                    Err(actual) => state = actual,
                }
                continue;
            }
            if state & WRITER_WAITING == 0 {
                // Close the door to new readers. Relaxed: the bit publishes no data.
                self.state.fetch_or(WRITER_WAITING, Ordering::Relaxed);
            }
            backoff.snooze();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Takes the lock exclusive if nobody holds it right now, leaving any waiting bit for the
    /// writer that set it. Never fails spuriously.
    #[inline]
    pub fn try_lock_exclusive(&self) -> bool {
        chaos::point();
        let mut state = self.state.load(Ordering::Relaxed);
        while state & !WRITER_WAITING == 0 {
            // Acquire on success, as in `lock_exclusive`.
            match self.state.compare_exchange_weak(
                state,
                state | WRITER,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
        false
    }

    /// Releases an exclusive hold, keeping the waiting bit so a waiting writer goes before new
    /// readers.
    ///
    /// # Safety
    ///
    /// The calling context must hold the lock exclusive.
    #[inline]
    pub unsafe fn unlock_exclusive(&self) {
        chaos::point();
        // Release: publishes the writer's changes to the next holder's Acquire.
        self.state.fetch_and(!WRITER, Ordering::Release);
    }

    /// Whether anyone holds the lock; a snapshot that may be stale at once.
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & !WRITER_WAITING != 0
    }

    /// Whether a writer holds the lock; a snapshot that may be stale at once.
    #[inline]
    pub fn is_locked_exclusive(&self) -> bool {
        self.state.load(Ordering::Relaxed) & WRITER != 0
    }

    /// Whether a writer has announced that it waits (so new readers stay out); a snapshot.
    #[inline]
    pub fn is_writer_waiting(&self) -> bool {
        self.state.load(Ordering::Relaxed) & WRITER_WAITING != 0
    }
}

impl Default for RawWriterPrefRwLock {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: a writer enters only from a word with no holder (no reader, no `WRITER`) by setting
// `WRITER`; readers enter only by adding to a word without `WRITER`; so one writer or only readers
// hold it. Entries are Acquire, exits Release.
crate::rwlock::forward_raw_rwlock!(unsafe impl for RawWriterPrefRwLock);

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn readers_share_writers_exclude() {
        let lock = RawWriterPrefRwLock::new();
        assert!(lock.try_lock_shared());
        assert!(lock.try_lock_shared(), "a second reader must get in");
        assert!(!lock.try_lock_exclusive(), "a writer must not enter past readers");
        // SAFETY: two shared holds taken above, released one by one.
        unsafe {
            lock.unlock_shared();
            lock.unlock_shared();
        }
        assert!(lock.try_lock_exclusive());
        assert!(!lock.try_lock_shared(), "a reader must not enter past a writer");
        assert!(!lock.try_lock_exclusive(), "a second writer must not enter");
        // SAFETY: the exclusive hold taken above.
        unsafe { lock.unlock_exclusive() };
        assert!(!lock.is_locked());
    }
}
