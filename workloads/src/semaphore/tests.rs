//! The semaphore workload against a plain correct semaphore and one that over-admits.

use std::sync::atomic::AtomicUsize;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::*;
use crate::testing::run_trial;

/// A correct semaphore: a count under a mutex, waiters on a condition variable.
struct PlainSemaphore {
    available: Mutex<usize>,
    released: Condvar,
}

impl Semaphore for PlainSemaphore {
    fn new(permits: usize) -> Self {
        Self { available: Mutex::new(permits), released: Condvar::new() }
    }

    fn raw_acquire(&self) {
        let mut available = self.available.lock().unwrap();
        while *available == 0 {
            available = self.released.wait(available).unwrap();
        }
        *available -= 1;
    }

    fn raw_try_acquire(&self) -> bool {
        let mut available = self.available.lock().unwrap();
        let free = *available > 0;
        *available -= usize::from(free);
        free
    }

    fn raw_acquire_timeout(&self, timeout: Duration) -> bool {
        let available = self.available.lock().unwrap();
        let (mut available, _) =
            self.released.wait_timeout_while(available, timeout, |free| *free == 0).unwrap();
        let free = *available > 0;
        *available -= usize::from(free);
        free
    }

    fn raw_release(&self) {
        *self.available.lock().unwrap() += 1;
        self.released.notify_one();
    }
}

/// Broken on purpose: checks the count and takes a permit in two separate steps, so two threads
/// can both take the last one.
struct CheckThenTake(AtomicUsize);

impl Semaphore for CheckThenTake {
    fn new(permits: usize) -> Self {
        Self(AtomicUsize::new(permits))
    }

    fn raw_acquire(&self) {
        while !self.raw_try_acquire() {
            std::thread::yield_now();
        }
    }

    fn raw_try_acquire(&self) -> bool {
        let available = self.0.load(Ordering::SeqCst);
        if available == 0 {
            return false;
        }
        // Widens the window between the check and the take: a sleep, not a yield, so that the
        // race shows even when other tests keep the cores busy.
        std::thread::sleep(Duration::from_micros(20));
        self.0.store(available - 1, Ordering::SeqCst);
        true
    }

    fn raw_acquire_timeout(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while !self.raw_try_acquire() {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::yield_now();
        }
        true
    }

    fn raw_release(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn workload() -> SemaphoreWorkload {
    SemaphoreWorkload::empty()
        .with::<PlainSemaphore>("plain", ImplKind::Library, "mutex + condvar")
        .with::<CheckThenTake>("check-then-take", ImplKind::Demonstration, "over-admits")
}

fn run(name: &str, threads: usize, permits: &str, ops: u64) -> Check {
    run_trial(&workload(), name, threads, 0, &[("permits", permits), ("hold_ns", "200")], |_, w| {
        assert_eq!(w.run(ops), ops);
        assert_eq!(w.take_metrics().histograms()[WAIT].len(), ops);
        ops
    })
}

#[test]
fn a_correct_semaphore_holds() {
    for (threads, permits) in [(1, "1"), (4, "1"), (4, "2"), (3, "5")] {
        let check = run("plain", threads, permits, 2_000);
        assert!(matches!(check, Check::Held(_)), "{threads} threads, {permits}: {check:?}");
    }
}

#[test]
fn an_over_admitting_semaphore_is_caught() {
    let caught =
        (0..10).any(|_| matches!(run("check-then-take", 4, "1", 2_000), Check::Violated(_)));
    assert!(caught, "the check-then-take semaphore passed 10 runs");
}

#[test]
fn lost_and_invented_permits_are_caught() {
    let semaphore = PlainSemaphore::new(2);
    std::mem::forget(semaphore.acquire());
    assert_eq!(
        permits_left(&semaphore, 2).unwrap_err(),
        "only 1 of 2 permits could be taken after the run"
    );
    let semaphore = PlainSemaphore::new(3);
    assert!(permits_left(&semaphore, 2).unwrap_err().starts_with("more than 2"));
    assert!(permits_left(&PlainSemaphore::new(2), 2).is_ok());
}
