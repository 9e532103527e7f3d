//! Shuttle suites of the reader–writer locks and the seqlock with 2 readers and 2 writers (4
//! threads; loom stops at 3 with one preemption). Inside each section the threads check who else
//! is there (see `primitives::model::Occupancy`): a writer is alone, readers meet no writer. The
//! seqlock's reads run on a copy outside any section, so they check the value instead: never torn,
//! never older than the last one seen. A lock whose writer waits for other writers but not for
//! readers proves the suite can fail.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test -p primitives
//! --release --test 'shuttle*'`
#![cfg(shuttle)]

use std::sync::Arc;

use lock_api::{GuardSend, RawRwLock};
use primitives::model::{check, on_threads, Occupancy};
use primitives::rwlock::RwLock;
use primitives::{ReaderPrefRwLock, SeqLock, ShardedRwLock, WriterPrefRwLock};
use shuttle::sync::atomic::{AtomicUsize, Ordering};

/// Threads 0 and 1 read, 2 and 3 write (each twice); readers see 0, 1 or 2 and never a writer.
fn two_readers_two_writers<L: RwLock<u64> + 'static>() {
    check(|| {
        let shared = Arc::new((L::new(0), Occupancy::new()));
        let worker = shared.clone();
        on_threads(4, move |thread| {
            let (lock, occupancy) = &*worker;
            for _ in 0..2 {
                if thread < 2 {
                    let seen = lock.read(|value| occupancy.shared(|| *value));
                    assert!(seen <= 4, "read {seen}, never written");
                } else {
                    lock.write(|value| occupancy.exclusive(|| *value += 1));
                }
            }
        });
        assert_eq!(shared.0.read(|value| *value), 4, "a write was lost");
    });
}

#[test]
fn reader_pref_two_readers_two_writers() {
    two_readers_two_writers::<ReaderPrefRwLock<u64>>();
}

#[test]
fn writer_pref_two_readers_two_writers() {
    two_readers_two_writers::<WriterPrefRwLock<u64>>();
}

/// Four threads on the sharded lock's slots (round-robin per thread): the readers' slots and the
/// writer word meet only in the Dekker handshake.
#[test]
fn sharded_two_readers_two_writers() {
    two_readers_two_writers::<ShardedRwLock<u64>>();
}

/// Two writers add 1 to both words of a seqlock, yielding between the words; two readers read
/// twice: all words equal, never going back.
#[test]
fn seqlock_two_readers_two_writers() {
    check(|| {
        let shared = Arc::new((SeqLock::new([0; 2]), Occupancy::new()));
        let worker = shared.clone();
        on_threads(4, move |thread| {
            let (lock, occupancy) = &*worker;
            let mut last_seen = 0;
            for _ in 0..2 {
                if thread < 2 {
                    let value = lock.read();
                    assert_eq!(value[0], value[1], "torn read {value:?}");
                    assert!(value[0] >= last_seen, "went back from {last_seen} to {value:?}");
                    last_seen = value[0];
                } else {
                    lock.write(|words| {
                        occupancy.exclusive(|| {
                            words[0] += 1;
                            shuttle::thread::yield_now();
                            words[1] += 1;
                        });
                    });
                }
            }
        });
        assert_eq!(shared.0.read(), [4; 2], "a write was lost");
    });
}

/// Broken: one word, 2 per reader plus a writer bit; a writer takes the bit as soon as no other
/// writer has it, without waiting for the readers inside to leave.
struct WriterIgnoresReadersRwLock(AtomicUsize);

const WRITER: usize = 1;
const READER: usize = 2;

// SAFETY: none: writers are not kept out by readers, which is what the suite must show.
unsafe impl RawRwLock for WriterIgnoresReadersRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self(AtomicUsize::new(0));
    type SharedGuard = GuardSend;
    type ExclusiveGuard = GuardSend;

    fn lock_shared(&self) -> GuardSend {
        while self.try_lock_shared().is_none() {
            shuttle::hint::spin_loop();
        }
        GuardSend::new()
    }

    fn try_lock_shared(&self) -> Option<GuardSend> {
        let state = self.0.load(Ordering::Relaxed) & !WRITER;
        let entered =
            self.0.compare_exchange(state, state + READER, Ordering::Acquire, Ordering::Relaxed);
        entered.is_ok().then(GuardSend::new)
    }

    unsafe fn unlock_shared(&self, _guard: GuardSend) {
        self.0.fetch_sub(READER, Ordering::Release);
    }

    fn lock_exclusive(&self) -> GuardSend {
        while self.try_lock_exclusive().is_none() {
            shuttle::hint::spin_loop();
        }
        GuardSend::new()
    }

    fn try_lock_exclusive(&self) -> Option<GuardSend> {
        // The bug: the readers' count must be 0 too (compare_exchange(0, WRITER)).
        (self.0.fetch_or(WRITER, Ordering::Acquire) & WRITER == 0).then(GuardSend::new)
    }

    unsafe fn unlock_exclusive(&self, _guard: GuardSend) {
        self.0.fetch_and(!WRITER, Ordering::Release);
    }

    fn is_locked(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }

    fn is_locked_exclusive(&self) -> bool {
        self.0.load(Ordering::Relaxed) & WRITER != 0
    }
}

#[test]
#[should_panic(expected = "overlapped")]
fn shuttle_catches_writer_let_in_with_readers() {
    two_readers_two_writers::<lock_api::RwLock<WriterIgnoresReadersRwLock, u64>>();
}

/// The kit's writer-preference model, given the lock's own waiting bit as its probe.
#[test]
fn writer_pref_keeps_its_preference_in_the_kit_model() {
    primitives::model::rwlock_writer_preference::<
        primitives::rwlock_writer_pref::RawWriterPrefRwLock,
    >(primitives::rwlock_writer_pref::RawWriterPrefRwLock::is_writer_waiting);
}
