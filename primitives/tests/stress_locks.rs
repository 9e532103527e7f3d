//! Stress tests on real threads: every lock and counter must count exactly, and no two threads may
//! be inside a critical section at once (an occupancy counter in the section must read 0 on
//! entry). Real threads on x86 catch lost updates and broken exclusion, not wrong memory orderings:
//! those are for `tests/loom.rs`, which runs instead under `--cfg loom`.
#![cfg(not(loom))]

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;

use primitives::counters::{
    AtomicCounter, LockedCounter, RacyCounter, ReentrantCounter, ShardedCounter,
};
use primitives::{
    Counter, Lock, ParkingTicketLock, RawParkingTicketLock, RawTicketLock, Reentrant,
    ReentrantLock, SpinLock, StrictParkingTicketLock, TicketLock,
};

/// More threads than the 2 cores of the test machines: oversubscription is where locks break.
const THREADS: usize = 4;
/// Increments per thread; debug builds run about 10x slower.
const ITERS: u64 = if cfg!(debug_assertions) { 100_000 } else { 1_000_000 };
/// Increments per thread for FIFO locks (ticket, fair mutex): oversubscribed, they hand the lock
/// to descheduled threads and cost microseconds per operation in any build, so no scaling.
const FIFO_ITERS: u64 = 10_000;

/// Runs `work` on `THREADS` threads released together by a barrier.
fn on_threads(work: impl Fn() + Sync) {
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                start.wait();
                work();
            });
        }
    });
}

/// The critical-section body shared by all checks: entering while someone is inside fails.
fn occupy(inside: &AtomicUsize, work: impl FnOnce()) {
    assert_eq!(
        inside.fetch_add(1, Ordering::Relaxed),
        0,
        "two threads inside the critical section"
    );
    work();
    inside.fetch_sub(1, Ordering::Relaxed);
}

fn stress_lock<L: Lock<u64>>(iters: u64) {
    let lock = L::new(0);
    let inside = AtomicUsize::new(0);
    on_threads(|| (0..iters).for_each(|_| lock.with(|value| occupy(&inside, || *value += 1))));
    assert_eq!(lock.with(|value| *value), THREADS as u64 * iters);
}

/// Each increment nests the lock 3 deep and checks occupancy at the outermost level.
fn stress_reentrant<L: Reentrant<Cell<u64>>>(iters: u64) {
    let lock = L::new(Cell::new(0));
    let inside = AtomicUsize::new(0);
    on_threads(|| {
        for _ in 0..iters {
            lock.with(|outer| {
                occupy(&inside, || lock.with(|_| lock.with(|inner| inner.set(outer.get() + 1))));
            });
        }
    });
    assert_eq!(lock.with(Cell::get), THREADS as u64 * iters);
}

/// Exact count; for counters whose `critical` runs under a lock, occupancy is checked there too.
fn stress_counter<C: Counter>(counter: C, iters: u64, exclusive: bool) {
    let inside = AtomicUsize::new(0);
    on_threads(|| {
        for _ in 0..iters {
            counter.increment(|| {
                if exclusive {
                    occupy(&inside, || {});
                }
            });
        }
    });
    assert_eq!(counter.value(), THREADS as u64 * iters);
}

#[test]
fn spin_lock() {
    stress_lock::<SpinLock<u64>>(ITERS);
}

#[test]
fn ticket_lock() {
    stress_lock::<TicketLock<u64>>(FIFO_ITERS);
}

/// Turns of a few acquisitions, so the stress run crosses many turn ends, open-turn closes and
/// parkings; the strict variant parks on every hand-over past the spinner.
#[test]
fn parking_ticket_lock() {
    stress_lock::<ParkingTicketLock<u64>>(ITERS);
    stress_lock::<lock_api::Mutex<RawParkingTicketLock<1, 3>, u64>>(ITERS / 10);
    stress_lock::<StrictParkingTicketLock<u64>>(FIFO_ITERS);
    stress_lock::<lock_api::Mutex<RawParkingTicketLock<0, 1>, u64>>(FIFO_ITERS);
}

#[test]
fn reentrant_lock_over_spin_lock() {
    stress_reentrant::<ReentrantLock<Cell<u64>>>(ITERS);
}

#[test]
fn reentrant_lock_over_ticket_lock() {
    stress_reentrant::<ReentrantLock<Cell<u64>, RawTicketLock>>(FIFO_ITERS);
}

#[test]
fn reentrant_lock_over_parking_lot() {
    stress_reentrant::<ReentrantLock<Cell<u64>, parking_lot::RawMutex>>(ITERS);
}

#[test]
fn locked_counters() {
    stress_counter(LockedCounter::<SpinLock<u64>>::new(), ITERS, true);
    stress_counter(LockedCounter::<TicketLock<u64>>::new(), FIFO_ITERS, true);
    stress_counter(LockedCounter::<std::sync::Mutex<u64>>::new(), ITERS, true);
    stress_counter(LockedCounter::<parking_lot::Mutex<u64>>::new(), ITERS, true);
    stress_counter(LockedCounter::<parking_lot::FairMutex<u64>>::new(), FIFO_ITERS, true);
}

#[test]
fn lock_free_counters() {
    stress_counter(AtomicCounter::new(), ITERS, false);
    stress_counter(ShardedCounter::new(THREADS), ITERS, false);
    stress_counter(ShardedCounter::new(1), ITERS, false);
    stress_counter(ShardedCounter::for_this_machine(), ITERS, false);
}

#[test]
fn reentrant_counters() {
    stress_counter(ReentrantCounter::<ReentrantLock<Cell<u64>>>::new(3), ITERS, true);
    stress_counter(ReentrantCounter::<parking_lot::ReentrantMutex<Cell<u64>>>::new(3), ITERS, true);
}

/// The racy counter must actually lose updates, or it demonstrates nothing. A race needs two
/// threads running at once, so one attempt may be unlucky; 20 are not (no timing is asserted).
#[test]
fn racy_counter_loses_updates() {
    const RACY_ITERS: u64 = 200_000;
    let expected = THREADS as u64 * RACY_ITERS;
    let mut totals = Vec::new();
    for _ in 0..20 {
        let counter = RacyCounter::new();
        on_threads(|| (0..RACY_ITERS).for_each(|_| counter.increment(|| {})));
        let total = counter.value();
        assert!(total <= expected, "a racy counter cannot gain updates");
        totals.push(total);
        if total < expected {
            return;
        }
    }
    panic!("no update lost in 20 attempts of {THREADS} x {RACY_ITERS}: {totals:?}");
}
