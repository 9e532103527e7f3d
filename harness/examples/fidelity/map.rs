//! Bare loop of the map: every thread runs the read-heavy mix (get 98, insert 1, remove 1) on a
//! `DashMap<u64, u64>` of 65 536 uniform keys, half of them present at the start, the suite's
//! first default point. Keys and operation kinds are the suite's own streams
//! (`workloads::keys`), drawn before timing; results are only counted, never checked.

use std::hint::black_box;

use dashmap::DashMap;
use parking_lot::Mutex;
use workloads::keys::{op_stream, KeyDistribution};

use crate::point::Point;
use crate::suite::SuitePoint;
use crate::timed::on_threads;

const KEYS: u64 = 65_536;
const OPS: u64 = 2_000_000;

/// Nanoseconds per operation (all threads together).
fn dashmap_read_heavy(threads: usize, cpus: &[usize]) -> f64 {
    let map = DashMap::<u64, u64>::with_capacity(KEYS as usize);
    for key in (0..KEYS).step_by(2) {
        map.insert(key, key);
    }
    let streams: Vec<Mutex<_>> = (0..threads)
        .map(|t| {
            let keys = KeyDistribution::Uniform.stream(KEYS, 42, t);
            Mutex::new(Some((keys, op_stream(&[98, 1, 1], 42, t))))
        })
        .collect();
    let (ns, _) = on_threads(threads, cpus, |t| {
        let (mut keys, mut kinds) = streams[t].lock().take().expect("one stream per thread");
        let mut found = 0u64;
        for _ in 0..OPS {
            let key = keys.next_key();
            match kinds.next_kind() {
                0 => found += u64::from(map.get(&key).is_some()),
                1 => found += u64::from(map.insert(key, key).is_some()),
                _ => found += u64::from(map.remove(&key).is_some()),
            }
        }
        black_box(found)
    });
    ns / (OPS * threads as u64) as f64
}

pub fn points() -> Vec<Point> {
    [1, 2]
        .into_iter()
        .map(|threads| {
            let suite = SuitePoint::new("map", "dashmap", threads)
                .set("mix", "read-heavy")
                .set("distribution", "uniform")
                .ops(OPS);
            // The suite checks every result (exactly on the thread's own keys), which costs a
            // lookup in the thread's plan per operation.
            Point::new(
                "map",
                format!("dashmap read-heavy uniform {threads}t"),
                suite,
                move |cpus| dashmap_read_heavy(threads, cpus),
            )
            .checks_cost(0.5)
        })
        .collect()
}
