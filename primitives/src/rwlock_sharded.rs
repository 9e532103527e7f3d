//! Reader-sharded reader–writer lock: a reader counter per slot, each on its own cache line, and
//! one writer word (the "big reader" lock of the Linux kernel's `brlock`, and the per-CPU reader
//! counts of Hsieh and Weihl, "Scalable reader-writer locks for parallel systems", IPPS 1992;
//! crossbeam's `ShardedLock` shards the same way, with a whole RW lock per shard).
//!
//! Why: an ordinary RW lock makes every read write the shared reader count, so two readers on
//! two cores pass its cache line back and forth and are slower together than one alone (about
//! 42 ns per read per thread on the project's machines, against 10 ns for one reader). Here a
//! reader writes only its own slot, which stays in its core's cache, and merely reads the writer
//! word, which stays shared until a writer comes.
//!
//! The algorithm is Dekker's handshake between a reader and a writer:
//! - a reader increments its slot, then loads the writer word; if it is clear the reader is in,
//!   otherwise it undoes the increment, waits for the word to clear, and tries again;
//! - a writer sets the writer word (CAS 0 → 1, which also excludes other writers), then waits
//!   until every slot reads 0.
//!
//! Each side's store is ordered before its load, so of a reader and a writer that arrive together
//! at least one sees the other: the writer waits for the reader or the reader backs off, never
//! both in. Both accesses are SeqCst, which suffices on its own: they sit in one total order, so
//! if the writer's load of a slot comes before the reader's increment, the writer's CAS comes
//! before the reader's load of the writer word too, and the reader sees it. Loom credits SeqCst
//! accesses only as AcqRel (a documented limitation; without a fence its model reports a race
//! here), so under `--cfg loom` a SeqCst fence is added after each store; it is left out of real
//! builds, where it would cost an extra locked instruction per read (about 9 ns measured).
//!
//! A thread takes a slot round-robin at its first read (so the first [`SLOTS`] threads to read get
//! different slots) and keeps it; threads beyond that share slots, which stays correct (slots are
//! counters) but makes the sharing threads' reads contend again. A shared hold records its slot in
//! its guard state ([`ReaderSlot`]), so a read guard may be released on another thread.
//!
//! Costs: a read is two atomic RMWs on a line the reader owns, plus a load of the shared writer
//! word; a lock is [`SLOTS`] + 1 cache lines (about 1 KiB with 128-byte padding), and a write
//! must scan every slot, so writes cost more than on a one-word lock and each one pulls every
//! reader's line away from its core.
//!
//! It is writer-preferring: a writer sets the writer word before it waits for the readers to
//! drain, and new readers back off while it is set, so a waiting writer is not starved by a stream
//! of readers (but a stream of writers can starve readers, as in
//! [`rwlock_writer_pref`](crate::rwlock_writer_pref)). Waiters spin with [`Backoff`] and then
//! yield; they never park.

use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::chaos;
use crate::sync::{AtomicUsize, Ordering};

/// Reader slots per lock: enough for the project's 2-core machines with room to spare, few enough
/// that a writer's scan and the lock's size (one 128-byte line per slot) stay small.
pub const SLOTS: usize = 8;

/// The writer word while a writer holds the lock or waits for readers to drain.
const WRITER: usize = 1;

/// The raw lock. Use it through [`ShardedRwLock`], or directly.
pub struct RawShardedRwLock {
    /// `0`: no writer; [`WRITER`]: a writer holds the lock, or holds the word and waits for the
    /// slots to drain. Only the writer that set it clears it; readers only read it.
    writer: CachePadded<AtomicUsize>,
    /// Slot `i` counts the readers that hold the lock through slot `i`, plus, for a moment, readers
    /// that incremented it, saw [`WRITER`] and are about to take their increment back. While the
    /// writer word is set and every slot has read 0 since it was set, no reader is inside.
    readers: [CachePadded<AtomicUsize>; SLOTS],
}

/// A shared hold's guard state: the slot the hold is counted in, which its unlock decrements.
/// Not `Clone`: each hold is released once.
#[derive(Debug)]
pub struct ReaderSlot(usize);

/// An RW lock whose raw lock is a [`RawShardedRwLock`]. (Under loom the alias exists but cannot be
/// used: `lock_api::RawRwLock::INIT` needs `const` atomics; model-check the raw lock directly.)
///
/// ```
/// use primitives::rwlock_sharded::ShardedRwLock;
///
/// let lock = ShardedRwLock::new(1);
/// {
///     let (a, b) = (lock.read(), lock.read()); // readers share the lock
///     assert_eq!(*a + *b, 2);
///     assert!(lock.try_write().is_none()); // and keep writers out
/// }
/// *lock.write() += 1;
/// assert_eq!(lock.into_inner(), 2);
/// ```
pub type ShardedRwLock<T> = lock_api::RwLock<RawShardedRwLock, T>;

/// The slot of the calling thread: assigned round-robin at its first call, then fixed.
#[cfg(not(any(loom, shuttle)))]
#[inline]
fn this_threads_slot() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    std::thread_local! {
        // Relaxed: the number only spreads threads over slots; it publishes nothing.
        static SLOT: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SLOTS;
    }
    // A thread whose locals are already destroyed (a read in a TLS destructor) uses slot 0:
    // still correct, only shared.
    SLOT.try_with(|slot| *slot).unwrap_or(0)
}

/// The slot of the calling thread, with the checker's per-execution statics and thread locals, so
/// every modelled thread has its own and every execution assigns slots afresh.
#[cfg(any(loom, shuttle))]
fn this_threads_slot() -> usize {
    crate::sync::lazy_static! {
        static ref NEXT: AtomicUsize = AtomicUsize::new(0);
    }
    crate::sync::thread_local! {
        static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS;
    }
    SLOT.with(|slot| *slot)
}

/// Under loom only, a SeqCst fence between a side's store (reader: slot increment; writer: writer
/// word) and its load of the other side's word: loom does not credit the SeqCst accesses
/// themselves with that order (see the module documentation), but models SeqCst fences.
#[inline(always)]
fn dekker_fence() {
    #[cfg(loom)]
    crate::sync::fence(Ordering::SeqCst);
}

impl RawShardedRwLock {
    /// An unlocked lock.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        #[allow(clippy::declare_interior_mutable_const)]
        const ZERO: CachePadded<AtomicUsize> = CachePadded::new(AtomicUsize::new(0));
        Self { writer: CachePadded::new(AtomicUsize::new(0)), readers: [ZERO; SLOTS] }
    }

    /// An unlocked lock (not `const` under loom, whose atomics cannot be built in constants).
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            writer: CachePadded::new(AtomicUsize::new(0)),
            readers: std::array::from_fn(|_| CachePadded::new(AtomicUsize::new(0))),
        }
    }

    /// Takes the lock shared, waiting while a writer holds it or waits for it.
    #[inline]
    pub fn lock_shared(&self) -> ReaderSlot {
        chaos::point();
        let slot = this_threads_slot();
        if !self.try_lock_shared_in(slot) {
            self.lock_shared_contended(slot);
        }
        ReaderSlot(slot)
    }

    #[cold]
    fn lock_shared_contended(&self, slot: usize) {
        let mut backoff = Backoff::new();
        loop {
            // Wait on a shared copy of the writer word until the writer leaves.
            while self.writer.load(Ordering::Relaxed) != 0 {
                backoff.snooze();
            }
            if self.try_lock_shared_in(slot) {
                return;
            }
        }
    }

    /// Takes the lock shared unless a writer holds it or waits for it right now (the writer
    /// preference). Never fails spuriously.
    #[inline]
    pub fn try_lock_shared(&self) -> Option<ReaderSlot> {
        chaos::point();
        let slot = this_threads_slot();
        self.try_lock_shared_in(slot).then_some(ReaderSlot(slot))
    }

    #[inline]
    fn try_lock_shared_in(&self, slot: usize) -> bool {
        let count = &self.readers[slot];
        // SeqCst: the announcement must be ordered before the load below (see `dekker_fence`).
        // The count cannot realistically overflow: it would take usize::MAX holds.
        count.fetch_add(1, Ordering::SeqCst);
        dekker_fence();
        // SeqCst, which includes Acquire: reading the last writer's Release unlock orders its
        // writes before this reader's reads.
        if self.writer.load(Ordering::SeqCst) == 0 {
            return true;
        }
        // A writer holds the word: take the announcement back. Relaxed: this reader read nothing;
        // a writer reading this value still synchronizes with earlier Release unlocks of the slot,
        // which this RMW continues (a release sequence).
        count.fetch_sub(1, Ordering::Relaxed);
        false
    }

    /// Releases a shared hold.
    ///
    /// # Safety
    ///
    /// `slot` must come from a shared hold of this lock, which this call ends.
    #[inline]
    pub unsafe fn unlock_shared(&self, slot: ReaderSlot) {
        chaos::point();
        // Release: this reader's reads happen before the next writer's writes (whose scan
        // loads the slot with Acquire).
        self.readers[slot.0].fetch_sub(1, Ordering::Release);
    }

    /// Takes the lock exclusive: first the writer word (which stops new readers), then it waits
    /// for the readers inside to leave.
    #[inline]
    pub fn lock_exclusive(&self) {
        chaos::point();
        if !self.acquire_writer_word() {
            self.lock_writer_word_contended();
        }
        dekker_fence();
        for count in &self.readers {
            let mut backoff = Backoff::new();
            // SeqCst: ordered after the CAS on the writer word (see `dekker_fence`); includes
            // Acquire, pairing with the readers' Release unlocks.
            while count.load(Ordering::SeqCst) != 0 {
                backoff.snooze();
            }
        }
    }

    #[inline]
    fn acquire_writer_word(&self) -> bool {
        // SeqCst: ordered before the scan of the slots (see `dekker_fence`); includes Acquire,
        // pairing with the previous writer's Release unlock.
        self.writer.compare_exchange(0, WRITER, Ordering::SeqCst, Ordering::Relaxed).is_ok()
    }

    #[cold]
    fn lock_writer_word_contended(&self) {
        let mut backoff = Backoff::new();
        loop {
            while self.writer.load(Ordering::Relaxed) != 0 {
                backoff.snooze();
            }
            if self.acquire_writer_word() {
                return;
            }
        }
    }

    /// Takes the lock exclusive if nobody holds it right now. Never fails spuriously, but while
    /// it looks it holds the writer word, so a reader arriving then backs off for a moment.
    #[inline]
    pub fn try_lock_exclusive(&self) -> bool {
        chaos::point();
        if !self.acquire_writer_word() {
            return false;
        }
        dekker_fence();
        // SeqCst and Acquire, as in `lock_exclusive`.
        if self.readers.iter().all(|count| count.load(Ordering::SeqCst) == 0) {
            return true;
        }
        // Readers inside: give the word back. Release is not needed (nothing was written), but
        // it is what every other clear of the word uses, and it costs nothing on x86.
        self.writer.store(0, Ordering::Release);
        false
    }

    /// Releases an exclusive hold.
    ///
    /// # Safety
    ///
    /// The calling context must hold the lock exclusive.
    #[inline]
    pub unsafe fn unlock_exclusive(&self) {
        chaos::point();
        // Release: publishes the writer's changes to the next reader's or writer's Acquire.
        self.writer.store(0, Ordering::Release);
    }

    /// Whether anyone holds the lock (or a writer waits for it); a snapshot that may be stale at
    /// once, and a reader that is backing off from a writer may show as holding it.
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.is_locked_exclusive()
            || self.readers.iter().any(|count| count.load(Ordering::Relaxed) != 0)
    }

    /// Whether a writer holds the lock or waits for readers to leave; a snapshot.
    #[inline]
    pub fn is_locked_exclusive(&self) -> bool {
        self.writer.load(Ordering::Relaxed) != 0
    }
}

impl Default for RawShardedRwLock {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: a writer enters only after setting the writer word from 0 (so one writer at a time)
// and then seeing every slot at 0; a reader enters only after incrementing its slot and then
// seeing the writer word at 0. Both sides order their store before their load (SeqCst), so a
// reader and a writer cannot both miss each other. Entries are Acquire, exits Release. A shared
// guard carries its slot, so it may be sent and released on another thread.
#[cfg(not(loom))]
unsafe impl lock_api::RawRwLock for RawShardedRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();

    type SharedGuard = ReaderSlot;
    type ExclusiveGuard = lock_api::GuardSend;

    #[inline]
    fn lock_shared(&self) -> ReaderSlot {
        RawShardedRwLock::lock_shared(self)
    }

    #[inline]
    fn try_lock_shared(&self) -> Option<ReaderSlot> {
        RawShardedRwLock::try_lock_shared(self)
    }

    #[inline]
    unsafe fn unlock_shared(&self, guard: ReaderSlot) {
        // SAFETY: the guard state comes from a shared hold of this lock (the trait's contract).
        unsafe { RawShardedRwLock::unlock_shared(self, guard) }
    }

    #[inline]
    fn lock_exclusive(&self) -> Self::ExclusiveGuard {
        RawShardedRwLock::lock_exclusive(self);
        lock_api::GuardSend::new()
    }

    #[inline]
    fn try_lock_exclusive(&self) -> Option<Self::ExclusiveGuard> {
        RawShardedRwLock::try_lock_exclusive(self).then(lock_api::GuardSend::new)
    }

    #[inline]
    unsafe fn unlock_exclusive(&self, _guard: Self::ExclusiveGuard) {
        // SAFETY: the guard state proves an exclusive hold (the trait's contract).
        unsafe { RawShardedRwLock::unlock_exclusive(self) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        RawShardedRwLock::is_locked(self)
    }

    #[inline]
    fn is_locked_exclusive(&self) -> bool {
        RawShardedRwLock::is_locked_exclusive(self)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn readers_share_writers_exclude() {
        let lock = RawShardedRwLock::new();
        let first = lock.try_lock_shared().expect("an unlocked lock lets a reader in");
        let second = lock.try_lock_shared().expect("a second reader must get in");
        assert!(lock.is_locked() && !lock.is_locked_exclusive());
        assert!(!lock.try_lock_exclusive(), "a writer must not enter past readers");
        assert!(!lock.is_locked_exclusive(), "a failed try_lock_exclusive leaves no writer word");
        // SAFETY: the two shared holds taken above, released one by one.
        unsafe {
            lock.unlock_shared(first);
            assert!(!lock.try_lock_exclusive(), "a writer must not enter past the last reader");
            lock.unlock_shared(second);
        }
        assert!(!lock.is_locked());
        assert!(lock.try_lock_exclusive());
        assert!(lock.is_locked_exclusive());
        assert!(lock.try_lock_shared().is_none(), "a reader must not enter past a writer");
        assert!(!lock.try_lock_exclusive(), "a second writer must not enter");
        // SAFETY: the exclusive hold taken above.
        unsafe { lock.unlock_exclusive() };
        assert!(!lock.is_locked(), "a refused reader must take its announcement back");
    }

    #[test]
    fn blocking_calls_wait_for_the_holder() {
        use std::sync::atomic::AtomicBool;
        let lock = RawShardedRwLock::new();
        let written = AtomicBool::new(false);
        let reader = lock.lock_shared();
        std::thread::scope(|s| {
            s.spawn(|| {
                lock.lock_exclusive();
                written.store(true, Ordering::SeqCst);
                // SAFETY: taken just above.
                unsafe { lock.unlock_exclusive() };
            });
            while !lock.is_locked_exclusive() {
                std::thread::yield_now();
            }
            // The writer holds the word and waits for this reader: new readers are refused.
            assert!(lock.try_lock_shared().is_none(), "a reader entered past a waiting writer");
            assert!(!written.load(Ordering::SeqCst), "the writer entered past a reader");
            // SAFETY: the shared hold taken before the scope.
            unsafe { lock.unlock_shared(reader) };
        });
        assert!(written.load(Ordering::SeqCst));
        let reader = lock.lock_shared();
        // SAFETY: taken just above.
        unsafe { lock.unlock_shared(reader) };
        assert!(!lock.is_locked());
    }

    /// One reader on every slot (threads are numbered round-robin, so `SLOTS` threads started one
    /// after another cover the slots, unless other tests take numbers in between): a writer
    /// still waits for the one reader left.
    #[test]
    fn a_reader_on_each_slot() {
        use std::collections::HashSet;
        use std::sync::Mutex;
        let lock = RawShardedRwLock::new();
        let slots = Mutex::new(HashSet::new());
        let guards: Vec<ReaderSlot> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2 * SLOTS)
                .map(|_| {
                    s.spawn(|| {
                        let guard = lock.lock_shared();
                        slots.lock().unwrap().insert(guard.0);
                        guard // released later, by this test's thread
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().unwrap()).collect()
        });
        assert!(slots.lock().unwrap().len() > 1, "all readers landed on one slot");
        assert_eq!(
            lock.readers.iter().map(|count| count.load(Ordering::Relaxed)).sum::<usize>(),
            2 * SLOTS
        );
        let mut guards = guards.into_iter();
        let last = guards.next().unwrap();
        for guard in guards {
            assert!(!lock.try_lock_exclusive());
            // SAFETY: each guard is a shared hold of `lock`, released once.
            unsafe { lock.unlock_shared(guard) };
        }
        assert!(!lock.try_lock_exclusive(), "a writer entered past the last reader");
        // SAFETY: the last shared hold.
        unsafe { lock.unlock_shared(last) };
        assert!(lock.try_lock_exclusive());
        // SAFETY: taken just above.
        unsafe { lock.unlock_exclusive() };
    }

    #[test]
    fn through_lock_api() {
        let lock = ShardedRwLock::new(vec![1]);
        let guard = lock.read();
        // A read guard may be released on another thread: it carries its slot.
        std::thread::scope(|s| {
            s.spawn(move || assert_eq!(*guard, [1]));
        });
        lock.write().push(2);
        assert_eq!(*lock.read(), [1, 2]);
        assert!(!lock.is_locked());
    }
}
