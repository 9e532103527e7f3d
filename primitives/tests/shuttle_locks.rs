//! Shuttle suites of the hand-rolled locks with 3 and 4 threads, beyond loom's reach (loom needs
//! `LOOM_MAX_PREEMPTIONS=1` for 3 spinning threads and cannot do 4). Each thread takes the lock
//! twice, by `lock` or by a `try_lock` loop, and checks inside that it is alone (see
//! `primitives::model::Occupancy`); no increment may be lost. A ticket lock whose ticket grab is a
//! load and a separate store proves the suite can fail.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test -p primitives
//! --release --test 'shuttle*'`
#![cfg(shuttle)]

use std::cell::Cell;
use std::sync::Arc;

use lock_api::{GuardSend, Mutex, RawMutex};
use primitives::model::{check, on_threads, Occupancy};
use primitives::{RawParkingTicketLock, RawSpinLock, RawTicketLock, Reentrant, ReentrantLock};
use shuttle::sync::atomic::{AtomicUsize, Ordering};

/// Acquisitions per thread with 3 threads (4 threads take the lock once each: a schedule of 4
/// threads taking it twice is about twice as long, and 3 threads already release and re-take).
const ROUNDS: u64 = 2;

/// `threads` threads each add 1 under the lock `rounds` times, odd threads through `try_lock`.
fn exclusive_increments<R: RawMutex + Send + Sync + 'static>(threads: usize, rounds: u64) {
    check(move || {
        let shared = Arc::new((Mutex::<R, u64>::new(0), Occupancy::new()));
        let worker = shared.clone();
        on_threads(threads, move |thread| {
            let (lock, occupancy) = &*worker;
            for _ in 0..rounds {
                let mut value = if thread % 2 == 0 {
                    lock.lock()
                } else {
                    loop {
                        match lock.try_lock() {
                            Some(guard) => break guard,
                            None => shuttle::thread::yield_now(),
                        }
                    }
                };
                occupancy.exclusive(|| *value += 1);
            }
        });
        assert_eq!(*shared.0.lock(), threads as u64 * rounds, "an increment was lost");
    });
}

#[test]
fn spin_lock_three_threads() {
    exclusive_increments::<RawSpinLock>(3, ROUNDS);
}

#[test]
fn spin_lock_four_threads() {
    exclusive_increments::<RawSpinLock>(4, 1);
}

#[test]
fn ticket_lock_three_threads() {
    exclusive_increments::<RawTicketLock>(3, ROUNDS);
}

#[test]
fn ticket_lock_four_threads() {
    exclusive_increments::<RawTicketLock>(4, 1);
}

/// The default parking ticket lock (open turns, closing, parking behind the spinner) and turns of
/// two, so that turns end often within a schedule.
#[test]
fn parking_ticket_lock_three_threads() {
    exclusive_increments::<RawParkingTicketLock>(3, ROUNDS);
    exclusive_increments::<RawParkingTicketLock<1, 2>>(3, ROUNDS);
}

/// Four threads: two park behind the spinner at once; and the strict lock with no spinners.
#[test]
fn parking_ticket_lock_four_threads() {
    exclusive_increments::<RawParkingTicketLock<1, 2>>(4, 1);
    exclusive_increments::<RawParkingTicketLock<0, 1>>(4, 1);
}

/// Three threads nest the reentrant lock (over the spin lock) two deep, alone at the outer level.
#[test]
fn reentrant_lock_three_threads_nesting() {
    check(|| {
        let shared = Arc::new((ReentrantLock::<Cell<u64>>::new(Cell::new(0)), Occupancy::new()));
        let worker = shared.clone();
        on_threads(3, move |_| {
            let (lock, occupancy) = &*worker;
            for _ in 0..ROUNDS {
                Reentrant::with(lock, |outer| {
                    occupancy.exclusive(|| {
                        Reentrant::with(lock, |inner| inner.set(outer.get() + 1));
                    });
                });
            }
        });
        assert_eq!(Reentrant::with(&shared.0, Cell::get), 3 * ROUNDS);
    });
}

/// Broken: a ticket lock whose ticket grab is a load and a separate store instead of one
/// `fetch_add`, so two threads can draw the same ticket and be served together.
struct NonAtomicTicketLock {
    next_ticket: AtomicUsize,
    now_serving: AtomicUsize,
}

// SAFETY: none: this lock does not exclude, which is what the suite must show. Test-only.
unsafe impl RawMutex for NonAtomicTicketLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self { next_ticket: AtomicUsize::new(0), now_serving: AtomicUsize::new(0) };
    type Guard = GuardSend;

    fn lock(&self) -> GuardSend {
        let ticket = self.next_ticket.load(Ordering::Acquire);
        self.next_ticket.store(ticket + 1, Ordering::Release); // the bug: one fetch_add is needed
        while self.now_serving.load(Ordering::Acquire) != ticket {
            shuttle::hint::spin_loop();
        }
        GuardSend::new()
    }

    fn try_lock(&self) -> Option<GuardSend> {
        let ticket = self.next_ticket.load(Ordering::Acquire);
        (self.now_serving.load(Ordering::Acquire) == ticket).then(|| {
            self.next_ticket.store(ticket + 1, Ordering::Release);
            GuardSend::new()
        })
    }

    unsafe fn unlock(&self, _guard: GuardSend) {
        self.now_serving.fetch_add(1, Ordering::Release);
    }

    fn is_locked(&self) -> bool {
        self.next_ticket.load(Ordering::Relaxed) != self.now_serving.load(Ordering::Relaxed)
    }
}

#[test]
#[should_panic(expected = "two threads inside the critical section")]
fn shuttle_catches_non_atomic_ticket_grab() {
    exclusive_increments::<NonAtomicTicketLock>(3, ROUNDS);
}
