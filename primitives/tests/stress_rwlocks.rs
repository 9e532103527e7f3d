//! Stress tests of the reader–writer locks and the seqlock on real threads: no writer overlaps a
//! reader or another writer (occupancy counters checked inside the sections), every value read is
//! one that was written whole (all words equal, never going back), and no write is lost. The
//! writer starvation of the reader-preferring lock is shown by its mechanism, deterministically:
//! new readers keep entering past a waiting writer, which the writer-preferring lock refuses.
//! Orderings are for `tests/loom_rwlocks.rs`, which runs instead under `--cfg loom`.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;

use primitives::rwlock::RwLock;
use primitives::rwlock_reader_pref::{RawReaderPrefRwLock, ReaderPrefRwLock};
use primitives::rwlock_sharded::ShardedRwLock;
use primitives::rwlock_writer_pref::{RawWriterPrefRwLock, WriterPrefRwLock};
use primitives::seqlock::SeqLock;

/// More threads than the 2 cores of the test machines: oversubscription is where locks break.
const THREADS: usize = 4;
/// Operations per thread. Writers yield inside their section (see `half_write`), which dominates
/// the cost in either build, so release runs only twice as many.
const OPS: u64 = if cfg!(debug_assertions) { 100_000 } else { 200_000 };
/// One operation in this many is a write; the rest are reads.
const WRITE_EVERY: u64 = 8;
/// Words of the value: enough that a torn read is likely to show if the lock allows one.
const WORDS: usize = 4;

/// Runs `work(thread index)` on `THREADS` threads released together by a barrier.
fn on_threads(work: impl Fn(usize) + Sync) {
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for thread in 0..THREADS {
            let (start, work) = (&start, &work);
            s.spawn(move || {
                start.wait();
                work(thread);
            });
        }
    });
}

/// Who is inside the sections right now. SeqCst, so that of a reader and a writer that overlap,
/// the one whose increment comes later sees the other's (a Dekker-style check).
#[derive(Default)]
struct Occupancy {
    readers: AtomicUsize,
    writers: AtomicUsize,
}

impl Occupancy {
    fn reading(&self, work: impl FnOnce()) {
        self.readers.fetch_add(1, Ordering::SeqCst);
        assert_eq!(self.writers.load(Ordering::SeqCst), 0, "a reader overlapped a writer");
        work();
        self.readers.fetch_sub(1, Ordering::SeqCst);
    }

    fn writing(&self, readers_excluded: bool, work: impl FnOnce()) {
        assert_eq!(self.writers.fetch_add(1, Ordering::SeqCst), 0, "two writers at once");
        if readers_excluded {
            assert_eq!(self.readers.load(Ordering::SeqCst), 0, "a writer overlapped a reader");
        }
        work();
        self.writers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Adds 1 to every word, giving up the core halfway: with more threads than cores, threads rarely
/// run at the same instant, so a writer that is descheduled inside its section is what lets a
/// broken lock's readers in while the value is half written.
fn half_write(value: &mut [u64; WORDS]) {
    let (first, second) = value.split_at_mut(WORDS / 2);
    first.iter_mut().for_each(|w| *w += 1);
    std::thread::yield_now();
    second.iter_mut().for_each(|w| *w += 1);
}

/// Every thread mixes reads and writes of a value whose words are all equal; a write adds 1 to
/// each word (see `half_write`). `readers_excluded` is false for the seqlock, whose read closure runs
/// on a copy outside the lock, so only writer exclusion is checked for it.
fn stress_rwlock<L: RwLock<[u64; WORDS]>>(readers_excluded: bool) {
    let lock = L::new([0; WORDS]);
    let occupancy = Occupancy::default();
    let writes_per_thread = OPS / WRITE_EVERY;
    on_threads(|thread| {
        let mut last_seen = 0;
        for op in 0..OPS {
            if op % WRITE_EVERY == thread as u64 % WRITE_EVERY {
                lock.write(|value| occupancy.writing(readers_excluded, || half_write(value)));
            } else {
                let mut check = |value: &[u64; WORDS]| {
                    assert!(value.iter().all(|&w| w == value[0]), "torn read: {value:?}");
                    assert!(value[0] >= last_seen, "went back from {last_seen} to {value:?}");
                    last_seen = value[0];
                };
                if readers_excluded {
                    lock.read(|value| occupancy.reading(|| check(value)));
                } else {
                    lock.read(check);
                }
            }
        }
    });
    let total = THREADS as u64 * writes_per_thread;
    assert_eq!(lock.read(|value| *value), [total; WORDS], "lost writes");
}

#[test]
fn reader_preferring() {
    stress_rwlock::<ReaderPrefRwLock<[u64; WORDS]>>(true);
}

#[test]
fn writer_preferring() {
    stress_rwlock::<WriterPrefRwLock<[u64; WORDS]>>(true);
}

/// The reader-sharded lock: with `THREADS` on as many slots, readers and the writer meet only in
/// the Dekker handshake, so this is where a missing order between slot and writer word would show
/// (on x86 it does not: see `tests/loom_rwlocks.rs`).
#[test]
fn reader_sharded() {
    stress_rwlock::<ShardedRwLock<[u64; WORDS]>>(true);
}

#[test]
fn std_rwlock() {
    stress_rwlock::<std::sync::RwLock<[u64; WORDS]>>(true);
}

#[test]
fn parking_lot_rwlock() {
    stress_rwlock::<parking_lot::RwLock<[u64; WORDS]>>(true);
}

#[test]
fn crossbeam_sharded_lock() {
    stress_rwlock::<crossbeam::sync::ShardedLock<[u64; WORDS]>>(true);
}

#[test]
fn seqlock_through_the_trait() {
    stress_rwlock::<SeqLock<WORDS>>(false);
}

/// One writer stores `[k; 8]` for k = 1, 2, ...; the other threads read until it is done and must
/// never see mixed words or an older value after a newer one.
#[test]
fn seqlock_never_returns_a_torn_value() {
    const WRITES: u64 = if cfg!(debug_assertions) { 200_000 } else { 500_000 };
    let lock = SeqLock::new([0u64; 8]);
    let done = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    on_threads(|thread| {
        if thread == 0 {
            (1..=WRITES).for_each(|k| lock.store([k; 8]));
            done.store(true, Ordering::Release);
            return;
        }
        let mut last_seen = 0;
        while !done.load(Ordering::Acquire) {
            let value = lock.read();
            assert!(value.iter().all(|&w| w == value[0]), "torn read: {value:?}");
            assert!(value[0] >= last_seen, "went back from {last_seen} to {value:?}");
            last_seen = value[0];
            if let Some(value) = lock.try_read() {
                assert!(value.iter().all(|&w| w == value[0]), "torn try_read: {value:?}");
            }
            reads.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert_eq!(lock.read(), [WRITES; 8]);
    assert!(reads.load(Ordering::Relaxed) > 0);
}

/// New readers that may enter while a writer waits for the lock to drain.
const NEW_READERS: usize = 1_000;

/// The reader-preferring lock's flaw, shown without timing: while one reader holds the lock and a
/// writer waits, every new reader still gets in, so overlapping readers can keep the count above
/// zero, and the writer out, for as long as they like.
#[test]
fn reader_preferring_lets_readers_pass_a_waiting_writer() {
    let lock = RawReaderPrefRwLock::new();
    let (writer_started, written) = (AtomicBool::new(false), AtomicBool::new(false));
    lock.lock_shared();
    std::thread::scope(|s| {
        s.spawn(|| {
            writer_started.store(true, Ordering::SeqCst);
            lock.lock_exclusive();
            written.store(true, Ordering::SeqCst);
            // SAFETY: taken just above.
            unsafe { lock.unlock_exclusive() };
        });
        while !writer_started.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        for _ in 0..NEW_READERS {
            assert!(lock.try_lock_shared(), "a reader was refused while only readers held it");
            assert!(!written.load(Ordering::SeqCst), "the writer entered past a reader");
            // SAFETY: the try_lock_shared above succeeded.
            unsafe { lock.unlock_shared() };
            std::thread::yield_now(); // let the writer run and spin
        }
        // SAFETY: the shared hold taken before the scope.
        unsafe { lock.unlock_shared() };
    });
    assert!(written.load(Ordering::SeqCst), "the writer got in once the readers left");
}

/// The cure: once a writer waits, a new reader is refused, and the writer enters as soon as the
/// readers already inside leave.
#[test]
fn writer_preferring_refuses_readers_behind_a_waiting_writer() {
    let lock = RawWriterPrefRwLock::new();
    let written = AtomicBool::new(false);
    lock.lock_shared();
    std::thread::scope(|s| {
        s.spawn(|| {
            lock.lock_exclusive();
            written.store(true, Ordering::SeqCst);
            // SAFETY: taken just above.
            unsafe { lock.unlock_exclusive() };
        });
        while !lock.is_writer_waiting() {
            std::thread::yield_now();
        }
        for _ in 0..NEW_READERS {
            assert!(!lock.try_lock_shared(), "a reader entered past a waiting writer");
        }
        assert!(!written.load(Ordering::SeqCst), "the writer entered past a reader");
        // SAFETY: the shared hold taken before the scope.
        unsafe { lock.unlock_shared() };
    });
    assert!(written.load(Ordering::SeqCst));
    assert!(lock.try_lock_shared(), "readers are let in again once the writer is done");
}

/// Broken: one word, 2 per reader plus a writer bit; a writer takes the bit as soon as no other
/// writer has it, without waiting for the readers inside to leave. (Its shuttle twin is in
/// `tests/shuttle_rwlocks.rs`.)
struct WriterIgnoresReadersRwLock(AtomicUsize);

const BROKEN_WRITER: usize = 1;
const BROKEN_READER: usize = 2;

// SAFETY: none: writers are not kept out by readers, which is what the check must show.
unsafe impl lock_api::RawRwLock for WriterIgnoresReadersRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self(AtomicUsize::new(0));
    type SharedGuard = lock_api::GuardSend;
    type ExclusiveGuard = lock_api::GuardSend;

    fn lock_shared(&self) -> lock_api::GuardSend {
        loop {
            if let Some(guard) = self.try_lock_shared() {
                return guard;
            }
            std::thread::yield_now();
        }
    }

    fn try_lock_shared(&self) -> Option<lock_api::GuardSend> {
        let state = self.0.load(Ordering::Relaxed) & !BROKEN_WRITER;
        let next = state + BROKEN_READER;
        let entered = self.0.compare_exchange(state, next, Ordering::Acquire, Ordering::Relaxed);
        entered.is_ok().then(lock_api::GuardSend::new)
    }

    unsafe fn unlock_shared(&self, _guard: lock_api::GuardSend) {
        self.0.fetch_sub(BROKEN_READER, Ordering::Release);
    }

    fn lock_exclusive(&self) -> lock_api::GuardSend {
        loop {
            if let Some(guard) = self.try_lock_exclusive() {
                return guard;
            }
            std::thread::yield_now();
        }
    }

    fn try_lock_exclusive(&self) -> Option<lock_api::GuardSend> {
        // The bug: the readers' count must be 0 too (compare_exchange(0, BROKEN_WRITER)).
        let was = self.0.fetch_or(BROKEN_WRITER, Ordering::Acquire);
        (was & BROKEN_WRITER == 0).then(lock_api::GuardSend::new)
    }

    unsafe fn unlock_exclusive(&self, _guard: lock_api::GuardSend) {
        self.0.fetch_and(!BROKEN_WRITER, Ordering::Release);
    }

    fn is_locked(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }

    fn is_locked_exclusive(&self) -> bool {
        self.0.load(Ordering::Relaxed) & BROKEN_WRITER != 0
    }
}

/// The worker threads fail with "a writer overlapped a reader" (or its reader twin); the scope
/// that joins them re-raises it as "a scoped thread panicked". Whether a run overlaps depends on
/// the scheduler (a loaded CI machine can run the threads one after another), so the stress is
/// repeated until it is caught, up to [`BROKEN_ATTEMPTS`] times.
#[test]
fn occupancy_check_catches_a_writer_let_in_with_readers() {
    let caught = (0..BROKEN_ATTEMPTS).any(|_| {
        std::panic::catch_unwind(|| {
            stress_rwlock::<lock_api::RwLock<WriterIgnoresReadersRwLock, [u64; WORDS]>>(true);
        })
        .is_err()
    });
    assert!(caught, "a writer let in with readers went unnoticed in {BROKEN_ATTEMPTS} stress runs");
}

/// Stress runs of the broken lock before its test gives up.
const BROKEN_ATTEMPTS: usize = 50;
