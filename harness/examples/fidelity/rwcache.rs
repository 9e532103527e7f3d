//! Bare loops of the rwcache: every thread read-locks one std `RwLock` over a 64-byte value and
//! reads its first word, the suite's point `keys=1, read_percent=100`.

use std::hint::black_box;
use std::sync::RwLock;

use crate::point::Point;
use crate::suite::SuitePoint;
use crate::timed::on_threads;

const READS: u64 = 3_000_000;

/// Nanoseconds per read (all threads together).
fn std_rwlock_reads(threads: usize, cpus: &[usize]) -> f64 {
    let entry = black_box(Box::new(RwLock::new([7u64; 8])));
    let (ns, sums) = on_threads(threads, cpus, |_| {
        let mut sum = 0u64;
        for _ in 0..READS {
            sum = sum.wrapping_add(entry.read().unwrap()[0]);
        }
        sum
    });
    assert!(sums.iter().all(|&s| s == 7 * READS));
    ns / (READS * threads as u64) as f64
}

pub fn points() -> Vec<Point> {
    [1, 2]
        .into_iter()
        .map(|threads| {
            let suite = SuitePoint::new("rwcache", "std-rwlock", threads)
                .set("keys", 1)
                .set("read_percent", 100)
                .ops(READS);
            Point::new(
                "rwcache",
                format!("std-rwlock 1 key, reads {threads}t"),
                suite,
                move |cpus| std_rwlock_reads(threads, cpus),
            )
        })
        .collect()
}
