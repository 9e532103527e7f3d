//! Bare loop of lazy-init: every thread walks 1024 std `OnceLock`s round and round, reading each
//! (initialised in a first lap outside the timing, as the suite's warm-up does).

use std::hint::black_box;
use std::sync::OnceLock;

use crate::point::Point;
use crate::suite::SuitePoint;
use crate::timed::on_threads;

const CELLS: usize = 1024;
const READS: u64 = 10_000_000;

/// Nanoseconds per read (all threads together).
fn once_lock_reads(threads: usize, cpus: &[usize]) -> f64 {
    let cells: Vec<OnceLock<u64>> = (0..CELLS).map(|_| OnceLock::new()).collect();
    for (i, cell) in cells.iter().enumerate() {
        cell.get_or_init(|| i as u64 + 1);
    }
    let cells = black_box(&cells);
    let (ns, _) = on_threads(threads, cpus, |_| {
        let mut sum = 0u64;
        let mut next = 0;
        for _ in 0..READS {
            sum = sum.wrapping_add(*cells[next].get_or_init(|| unreachable!("initialised")));
            next = if next + 1 == CELLS { 0 } else { next + 1 };
        }
        black_box(sum)
    });
    ns / (READS * threads as u64) as f64
}

pub fn points() -> Vec<Point> {
    [1, 2]
        .into_iter()
        .map(|threads| {
            let suite = SuitePoint::new("lazy-init", "std-once-lock", threads).ops(READS);
            // Every read is checked against the value this thread saw first: a load and a compare,
            // about as much as the read of an initialised `OnceLock` itself.
            Point::new("lazy-init", format!("std-once-lock {threads}t"), suite, move |cpus| {
                once_lock_reads(threads, cpus)
            })
            .checks_cost(0.3)
        })
        .collect()
}
