//! Bare loop of the lru: every thread reads through the `lru` crate's cache behind a parking_lot
//! mutex (capacity 256, 100 000 keys, Zipf 0.99: the suite's first default point), putting the
//! key on a miss. The keys are the suite's own streams (`workloads::keys`), drawn before timing.

use std::hint::black_box;
use std::num::NonZeroUsize;

use parking_lot::Mutex;
use workloads::keys::KeyDistribution;

use crate::point::Point;
use crate::suite::SuitePoint;
use crate::timed::on_threads;

const CAPACITY: usize = 256;
const KEYS: u64 = 100_000;
const LOOKUPS: u64 = 2_000_000;

/// Nanoseconds per lookup (all threads together).
fn lru_crate(threads: usize, cpus: &[usize]) -> f64 {
    let cache = Mutex::new(lru::LruCache::<u64, u64>::new(NonZeroUsize::new(CAPACITY).unwrap()));
    let streams: Vec<Mutex<_>> = (0..threads)
        .map(|t| Mutex::new(Some(KeyDistribution::Zipf { skew: 0.99 }.stream(KEYS, 42, t))))
        .collect();
    let (ns, _) = on_threads(threads, cpus, |t| {
        let mut keys = streams[t].lock().take().expect("one stream per thread");
        let mut hits = 0u64;
        for _ in 0..LOOKUPS {
            let key = keys.next_key();
            let mut cache = cache.lock();
            match cache.get(&key) {
                Some(_) => hits += 1,
                None => {
                    cache.push(key, key << 32);
                }
            }
        }
        black_box(hits)
    });
    ns / (LOOKUPS * threads as u64) as f64
}

pub fn points() -> Vec<Point> {
    [1, 2]
        .into_iter()
        .map(|threads| {
            let suite = SuitePoint::new("lru", "lru-crate-parking-lot", threads)
                .set("capacity", CAPACITY)
                .ops(LOOKUPS);
            // The suite checks every put with a get (the value read back belongs to its key), a
            // second locked lookup on each miss, which the bare loop does not make.
            Point::new(
                "lru",
                format!("lru-crate-parking-lot cap 256 zipf {threads}t"),
                suite,
                move |cpus| lru_crate(threads, cpus),
            )
            .checks_cost(0.35)
        })
        .collect()
}
