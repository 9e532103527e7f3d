//! Loom models of the reader–writer locks and the seqlock: every interleaving (and every
//! weak-memory outcome loom models) of two threads. The RW locks guard a `loom::cell::UnsafeCell`,
//! so loom reports any read not ordered after the last write (or write not ordered after a
//! read); the seqlock's words are atomics, so its models check the values: a read is never torn
//! and no write is lost. Three deliberately broken variants prove that the models can fail.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom-rwlocks LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test loom_rwlocks`
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use loom::sync::atomic::{AtomicU64, AtomicUsize};
use loom::sync::Arc;
use loom::thread;
use primitives::model;
use primitives::rwlock_reader_pref::RawReaderPrefRwLock;
use primitives::rwlock_sharded::RawShardedRwLock;
use primitives::rwlock_writer_pref::RawWriterPrefRwLock;
use primitives::seqlock::SeqLock;

/// Runs `model` in every interleaving loom explores, and fails if that was only one: a model in
/// which nothing can be reordered checks nothing (see `seqlock_writer_and_reader`).
fn explore(model: impl Fn() + Send + Sync + 'static) {
    explore_with(loom::model::Builder::new(), model);
}

fn explore_with(builder: loom::model::Builder, model: impl Fn() + Send + Sync + 'static) {
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = runs.clone();
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        model();
    });
    assert!(runs.load(std::sync::atomic::Ordering::Relaxed) > 1, "explored one interleaving");
}

primitives::model_rwlock!(RelaxedUnlockSharedRwLock);

#[test]
fn reader_pref_writer_and_reader() {
    model::rwlock_writer_and_reader::<RawReaderPrefRwLock>();
}

#[test]
fn reader_pref_two_writers() {
    model::rwlock_two_writers::<RawReaderPrefRwLock>();
}

/// The reader and the writer take different slots (round-robin), so this is the Dekker
/// handshake between the reader's slot and the writer word.
#[test]
fn sharded_writer_and_reader() {
    model::rwlock_writer_and_reader::<RawShardedRwLock>();
}

#[test]
fn sharded_two_writers() {
    model::rwlock_two_writers::<RawShardedRwLock>();
}

/// A writer and two readers on two different slots; three threads need at most one preemption
/// (loom issue 53).
#[test]
fn sharded_writer_and_two_readers() {
    model::rwlock_writer_and_two_readers::<RawShardedRwLock>();
}

#[test]
fn writer_pref_writer_and_reader() {
    model::rwlock_writer_and_reader::<RawWriterPrefRwLock>();
}

/// A writer and two readers, on the lock with the most states (the waiting bit).
#[test]
fn writer_pref_writer_and_two_readers() {
    model::rwlock_writer_and_two_readers::<RawWriterPrefRwLock>();
}

#[test]
fn writer_pref_two_writers() {
    model::rwlock_two_writers::<RawWriterPrefRwLock>();
}

/// Once a writer waits behind a reader, a new reader is refused; the writer then enters, and the
/// waiting bit is gone afterwards in every interleaving.
#[test]
fn writer_pref_waiting_writer_blocks_new_readers() {
    explore(|| {
        let lock = Arc::new(RawWriterPrefRwLock::new());
        lock.lock_shared();
        let writer = thread::spawn({
            let lock = lock.clone();
            move || {
                lock.lock_exclusive();
                // SAFETY: taken just above.
                unsafe { lock.unlock_exclusive() };
            }
        });
        while !lock.is_writer_waiting() {
            thread::yield_now();
        }
        assert!(!lock.try_lock_shared(), "a reader entered past a waiting writer");
        // SAFETY: the shared hold taken above.
        unsafe { lock.unlock_shared() };
        writer.join().unwrap();
        assert!(!lock.is_writer_waiting() && !lock.is_locked(), "state left behind");
    });
}

/// The kit's writer-preference model, given the lock's own waiting bit as its probe.
#[test]
fn writer_pref_keeps_its_preference_in_the_kit_model() {
    model::rwlock_writer_preference::<RawWriterPrefRwLock>(RawWriterPrefRwLock::is_writer_waiting);
}

/// A writer replaces `[0, 0]` by `[1, 1]` and then `[2, 2]` while a reader reads until it sees
/// `[2, 2]`: every read has equal words and is not older than the one before. (The reader must
/// wait for the writer: a reader that may finish first lets loom explore a single interleaving,
/// because it does not reorder a load before another thread's later store.)
#[test]
fn seqlock_writer_and_reader() {
    explore(|| {
        let lock = Arc::new(SeqLock::new([0; 2]));
        let writer = thread::spawn({
            let lock = lock.clone();
            move || (1..=2).for_each(|k| lock.store([k; 2]))
        });
        let mut last_seen = 0;
        while last_seen < 2 {
            thread::yield_now();
            let value = lock.read();
            assert_eq!(value[0], value[1], "torn read {value:?}");
            assert!(value[0] >= last_seen, "went back from {last_seen} to {value:?}");
            last_seen = value[0];
        }
        writer.join().unwrap();
    });
}

/// Two writers each add 1 to both words: writers exclude each other, so nothing is lost.
#[test]
fn seqlock_two_writers() {
    explore(|| {
        let lock = Arc::new(SeqLock::new([0; 2]));
        let increment =
            |lock: &SeqLock<2>| lock.write(|words| words.iter_mut().for_each(|w| *w += 1));
        let other = thread::spawn({
            let lock = lock.clone();
            move || increment(&lock)
        });
        increment(&lock);
        other.join().unwrap();
        assert_eq!(lock.read(), [2; 2]);
    });
}

/// Broken: a correct reader-preferring lock except that a reader's unlock is Relaxed, so a
/// writer that enters after it is not ordered after its read.
struct RelaxedUnlockSharedRwLock(AtomicUsize);

impl RelaxedUnlockSharedRwLock {
    fn new() -> Self {
        Self(AtomicUsize::new(0)) // 2 per reader, + 1 while a writer holds it
    }
    fn lock_shared(&self) {
        let mut state = 0;
        // Expecting a word without the writer bit: fails (and waits) while a writer holds it.
        while let Err(actual) = self.0.compare_exchange(state, state + 2, Acquire, Relaxed) {
            state = actual & !1;
            loom::hint::spin_loop();
        }
    }
    unsafe fn unlock_shared(&self) {
        self.0.fetch_sub(2, Relaxed); // the bug: Release is needed
    }
    fn lock_exclusive(&self) {
        while self.0.compare_exchange(0, 1, Acquire, Relaxed).is_err() {
            loom::hint::spin_loop();
        }
    }
    unsafe fn unlock_exclusive(&self) {
        self.0.store(0, Release);
    }
}

#[test]
#[should_panic]
fn model_catches_relaxed_unlock_shared() {
    model::rwlock_writer_and_reader::<RelaxedUnlockSharedRwLock>();
}

/// Broken: a seqlock whose reader does not read the sequence again after copying, so it keeps a
/// copy that a writer changed halfway through.
struct UncheckedSeqLock {
    seq: AtomicU64,
    words: [AtomicU64; 2],
}

impl UncheckedSeqLock {
    fn read(&self) -> [u64; 2] {
        while self.seq.load(Acquire) & 1 != 0 {
            loom::hint::spin_loop();
        }
        [self.words[0].load(Relaxed), self.words[1].load(Relaxed)]
    }
    fn store(&self, value: u64) {
        let seq = self.seq.load(Relaxed); // the only writer in the model
        self.seq.store(seq + 1, Relaxed);
        loom::sync::atomic::fence(Release);
        self.words.iter().for_each(|word| word.store(value, Relaxed));
        self.seq.store(seq + 2, Release);
    }
}

#[test]
#[should_panic(expected = "torn read")]
fn model_catches_seqlock_reader_without_recheck() {
    explore(|| {
        let lock = Arc::new(UncheckedSeqLock {
            seq: AtomicU64::new(0),
            words: [AtomicU64::new(0), AtomicU64::new(0)],
        });
        let writer = thread::spawn({
            let lock = lock.clone();
            move || lock.store(1)
        });
        let value = lock.read();
        assert_eq!(value[0], value[1], "torn read {value:?}");
        writer.join().unwrap();
    });
}

/// Broken: the sharded lock with the Dekker handshake left unordered. The reader's increment is
/// Relaxed and its load of the writer word only Acquire, the writer's scan of the slots only
/// Acquire, and neither side has a SeqCst fence: each may miss the other's store (store
/// buffering), and both enter. Two slots, one per thread, picked by the caller.
struct UnfencedShardedRwLock {
    writer: AtomicUsize,
    readers: [AtomicUsize; 2],
}

impl UnfencedShardedRwLock {
    fn lock_shared(&self, slot: usize) {
        loop {
            self.readers[slot].fetch_add(1, Relaxed); // the bug: SeqCst (or a fence) is needed
            if self.writer.load(Acquire) == 0 {
                return;
            }
            self.readers[slot].fetch_sub(1, Relaxed);
            loom::hint::spin_loop();
        }
    }
    fn unlock_shared(&self, slot: usize) {
        self.readers[slot].fetch_sub(1, Release);
    }
    fn lock_exclusive(&self) {
        while self.writer.compare_exchange(0, 1, Acquire, Relaxed).is_err() {
            loom::hint::spin_loop();
        }
        for count in &self.readers {
            while count.load(Acquire) != 0 {
                loom::hint::spin_loop();
            }
        }
    }
    fn unlock_exclusive(&self) {
        self.writer.store(0, Release);
    }
}

#[test]
#[should_panic]
fn model_catches_unfenced_sharded_handshake() {
    explore(|| {
        let lock = Arc::new((
            UnfencedShardedRwLock {
                writer: AtomicUsize::new(0),
                readers: [AtomicUsize::new(0), AtomicUsize::new(0)],
            },
            UnsafeCell::new(0usize),
        ));
        let writer = thread::spawn({
            let lock = lock.clone();
            move || {
                lock.0.lock_exclusive();
                // SAFETY: what loom checks: the exclusive hold should make this exclusive.
                lock.1.with_mut(|value| unsafe { *value += 1 });
                lock.0.unlock_exclusive();
            }
        });
        lock.0.lock_shared(1);
        // SAFETY: what loom checks: the shared hold should keep the writer out.
        let _ = lock.1.with(|value| unsafe { *value });
        lock.0.unlock_shared(1);
        writer.join().unwrap();
    });
}
