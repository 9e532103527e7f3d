//! Reader-preferring reader–writer lock: one atomic word holding a reader count and a writer bit
//! (the "readers-preference" lock of Courtois, Heymans and Parnas, "Concurrent control with
//! readers and writers", CACM 1971, here as a single word updated by compare-and-swap).
//!
//! A reader enters whenever no writer holds the lock, even if writers are waiting, so readers
//! never wait for each other and a read-heavy load gets the most parallelism. The known flaw is
//! the point of having it in the suite: a writer needs the reader count to reach zero, and a steady
//! stream of overlapping readers keeps it above zero, so writers can starve (see
//! [`rwlock_writer_pref`](crate::rwlock_writer_pref) for the cure). Every read still writes the
//! shared word, so readers on different cores pass its cache line around.
//!
//! Waiters spin with [`Backoff`] and then yield; they never park. That is acceptable here: these
//! locks are benchmarked with short critical sections at up to 16 threads on 2 cores, where
//! yielding gives a descheduled holder the core back.

use crate::backoff::Backoff;
use crate::chaos;
use crate::sync::{AtomicUsize, Ordering};

/// The `state` bit set while a writer holds the lock.
const WRITER: usize = 1;
/// One reader, counted in the bits above [`WRITER`].
const ONE_READER: usize = 2;

/// The raw lock. Use it through [`ReaderPrefRwLock`], or directly.
pub struct RawReaderPrefRwLock {
    /// | value | meaning |
    /// |---|---|
    /// | `0` | unlocked |
    /// | `n * ONE_READER`, `n > 0` | held shared by `n` readers |
    /// | `WRITER` | held exclusive; nobody else changes the word until the writer clears it |
    state: AtomicUsize,
}

/// An RW lock whose raw lock is a [`RawReaderPrefRwLock`]. (Under loom the alias exists but cannot
/// be used: `lock_api::RawRwLock::INIT` needs `const` atomics; model-check the raw lock directly.)
///
/// ```
/// use primitives::rwlock_reader_pref::ReaderPrefRwLock;
///
/// let lock = ReaderPrefRwLock::new(1);
/// {
///     let (a, b) = (lock.read(), lock.read()); // readers share the lock
///     assert_eq!(*a + *b, 2);
///     assert!(lock.try_write().is_none()); // and keep writers out
/// }
/// *lock.write() += 1;
/// assert_eq!(lock.into_inner(), 2);
/// ```
pub type ReaderPrefRwLock<T> = lock_api::RwLock<RawReaderPrefRwLock, T>;

impl RawReaderPrefRwLock {
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

    /// Takes the lock shared, waiting only while a writer holds it.
    #[inline]
    pub fn lock_shared(&self) {
        if !self.try_lock_shared() {
            self.lock_shared_contended();
        }
    }

    #[cold]
    fn lock_shared_contended(&self) {
        let mut backoff = Backoff::new();
        while !self.try_lock_shared() {
            // Wait on a shared copy of the line until the writer leaves.
            while self.state.load(Ordering::Relaxed) & WRITER != 0 {
                backoff.snooze();
            }
        }
    }

    /// Takes the lock shared unless a writer holds it right now. Waiting writers do not stop it:
    /// that is the reader preference. Never fails spuriously.
    #[inline]
    pub fn try_lock_shared(&self) -> bool {
        chaos::point();
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & WRITER != 0 {
                return false;
            }
            let readers = state.checked_add(ONE_READER).expect("reader count overflow");
            // Acquire on success: pairs with the Release in `unlock_exclusive`, so the last
            // writer's changes are visible to this reader. A failure only means another reader
            // came or went (or a writer entered): look again.
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
        // Release: this reader's reads happen before the next writer's writes (the readers'
        // decrements form a release sequence that the writer's Acquire of 0 reads from).
        self.state.fetch_sub(ONE_READER, Ordering::Release);
    }

    /// Takes the lock exclusive, waiting until no reader and no writer holds it.
    #[inline]
    pub fn lock_exclusive(&self) {
        if !self.try_lock_exclusive() {
            self.lock_exclusive_contended();
        }
    }

    #[cold]
    fn lock_exclusive_contended(&self) {
        let mut backoff = Backoff::new();
        loop {
            // Readers that keep overlapping keep this above zero: the writer starves.
            while self.state.load(Ordering::Relaxed) != 0 {
                backoff.snooze();
            }
            if self.try_lock_exclusive() {
                return;
            }
        }
    }

    /// Takes the lock exclusive if nobody holds it right now. Never fails spuriously.
    #[inline]
    pub fn try_lock_exclusive(&self) -> bool {
        chaos::point();
        // Acquire: pairs with the Release of the last unlock, reader or writer.
        self.state.compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// Releases an exclusive hold.
    ///
    /// # Safety
    ///
    /// The calling context must hold the lock exclusive.
    #[inline]
    pub unsafe fn unlock_exclusive(&self) {
        chaos::point();
        // While the writer holds it the word is exactly `WRITER` (readers only add to a word
        // without it), so a store suffices. Release: publishes the writer's changes.
        self.state.store(0, Ordering::Release);
    }

    /// Whether anyone holds the lock; a snapshot that may be stale at once.
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) != 0
    }

    /// Whether a writer holds the lock; a snapshot that may be stale at once.
    #[inline]
    pub fn is_locked_exclusive(&self) -> bool {
        self.state.load(Ordering::Relaxed) & WRITER != 0
    }
}

impl Default for RawReaderPrefRwLock {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: a writer enters only by swapping 0 (no holder) for `WRITER`; readers enter only by
// adding to a word without `WRITER`; so one writer or only readers hold it. Entries are Acquire,
// exits Release.
crate::rwlock::forward_raw_rwlock!(unsafe impl for RawReaderPrefRwLock);

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn readers_share_writers_exclude() {
        let lock = RawReaderPrefRwLock::new();
        assert!(lock.try_lock_shared());
        assert!(lock.try_lock_shared(), "a second reader must get in");
        assert!(!lock.try_lock_exclusive(), "a writer must not enter past readers");
        assert!(lock.is_locked() && !lock.is_locked_exclusive());
        // SAFETY: two shared holds taken above, released one by one.
        unsafe {
            lock.unlock_shared();
            lock.unlock_shared();
        }
        assert!(lock.try_lock_exclusive());
        assert!(lock.is_locked_exclusive());
        assert!(!lock.try_lock_shared(), "a reader must not enter past a writer");
        assert!(!lock.try_lock_exclusive(), "a second writer must not enter");
        // SAFETY: the exclusive hold taken above.
        unsafe { lock.unlock_exclusive() };
        assert!(!lock.is_locked());
    }
}
