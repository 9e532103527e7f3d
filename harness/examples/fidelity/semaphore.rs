//! Bare loop of the semaphore: every thread takes one of 2 permits of a parking_lot
//! `Mutex<usize>` + `Condvar` semaphore, holds it for the suite's default 1 µs of busy work (the
//! same `BusyWork`), and gives it back.

use parking_lot::{Condvar, Mutex};
use workloads::busy_work::BusyWork;

use crate::point::Point;
use crate::suite::SuitePoint;
use crate::timed::on_threads;

const ACQUISITIONS: u64 = 100_000;
const PERMITS: usize = 2;
const HOLD_NS: u64 = 1_000;

/// Nanoseconds per acquisition (all threads together).
fn condvar_semaphore(threads: usize, cpus: &[usize]) -> f64 {
    let permits = Mutex::new(PERMITS);
    let released = Condvar::new();
    let hold = BusyWork::from_nanos(HOLD_NS);
    let (ns, _) = on_threads(threads, cpus, |_| {
        for _ in 0..ACQUISITIONS {
            {
                let mut free = permits.lock();
                released.wait_while(&mut free, |free| *free == 0);
                *free -= 1;
            }
            hold.run();
            *permits.lock() += 1;
            released.notify_one();
        }
    });
    assert_eq!(*permits.lock(), PERMITS);
    ns / (ACQUISITIONS * threads as u64) as f64
}

pub fn points() -> Vec<Point> {
    [1, 2]
        .into_iter()
        .map(|threads| {
            let suite = SuitePoint::new("semaphore", "parking-lot-condvar-semaphore", threads)
                .ops(ACQUISITIONS);
            Point::new(
                "semaphore",
                format!("parking-lot-condvar K=2, hold 1us {threads}t"),
                suite,
                move |cpus| condvar_semaphore(threads, cpus),
            )
        })
        .collect()
}
