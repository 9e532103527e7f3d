//! Bare loops of the counter: `fetch_add` on one heap counter, and lock + increment + unlock of a
//! std `Mutex<u64>`, by every thread.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::point::Point;
use crate::suite::SuitePoint;
use crate::timed::on_threads;

const INCREMENTS: u64 = 5_000_000;

/// Nanoseconds per increment (all threads together) of `fetch_add` on one counter.
fn fetch_add(threads: usize, cpus: &[usize]) -> f64 {
    // On the heap, as the suite's counter is: a counter on the stack shares its cache line with
    // the loop's spilled values, and a locked add on a line with pending stores costs more.
    let counter = black_box(Box::new(AtomicU64::new(0)));
    let (ns, _) = on_threads(threads, cpus, |_| {
        for _ in 0..INCREMENTS {
            // Compilers do not merge atomic read-modify-writes: one `lock xadd` per iteration.
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert_eq!(counter.load(Ordering::Relaxed), INCREMENTS * threads as u64);
    ns / (INCREMENTS * threads as u64) as f64
}

/// Nanoseconds per increment (all threads together) under a std mutex.
fn std_mutex(threads: usize, cpus: &[usize]) -> f64 {
    let counter = black_box(Box::new(Mutex::new(0u64)));
    let (ns, _) = on_threads(threads, cpus, |_| {
        for _ in 0..INCREMENTS {
            *counter.lock().unwrap() += 1;
        }
    });
    assert_eq!(*counter.lock().unwrap(), INCREMENTS * threads as u64);
    ns / (INCREMENTS * threads as u64) as f64
}

pub fn points() -> Vec<Point> {
    let mut points = Vec::new();
    for threads in [1, 2] {
        points.push(Point::new(
            "counter",
            format!("atomic-counter {threads}t"),
            SuitePoint::new("counter", "atomic-counter", threads).ops(INCREMENTS),
            move |cpus| fetch_add(threads, cpus),
        ));
        points.push(Point::new(
            "counter",
            format!("std-mutex {threads}t"),
            SuitePoint::new("counter", "std-mutex", threads).ops(INCREMENTS),
            move |cpus| std_mutex(threads, cpus),
        ));
    }
    points
}
