//! `lru`: threads read through a bounded LRU cache, filling it on a miss (cache-aside).
//!
//! Keys come from a skewed distribution (Zipf by default), so the hit ratio depends on how much of
//! the popular head the capacity holds; the run reports it beside the throughput. Each miss puts
//! the key and gets it straight back.
//!
//! Invariant, checked on every run: the size never exceeds the capacity (sampled during the run
//! and checked at the end); every value read belongs to its key; a get right after a put returns
//! that value, or another thread's value for the same key, or nothing if it was evicted meanwhile
//! — and on one thread exactly the value put.

use std::sync::atomic::{AtomicU64, Ordering};

use primitives::adapters::caches::{LruCrateParkingLot, LruCrateStdMutex};
use primitives::cache::Cache;
use primitives::{Lru, LruCache, ShardedLruCache, SpinLock};

use crate::catalog::Catalog;
use crate::claims::Claim;
use crate::keys::{KeyDistribution, KeyStream, DISTRIBUTION, SKEW};
use crate::metrics::Metrics;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// The cache's size is checked every this many operations.
mod recency;

const SIZE_CHECK_EVERY: u64 = 1024;
/// Keys must fit in the upper half of a value word.
const MAX_KEYS: u64 = 1 << 32;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "capacity",
        kind: ParamKind::Count(Range::new(1, 1 << 24).drawn_to(1 << 16)),
        default: "256,4096",
        help: "entries the cache holds",
    },
    ParamSpec {
        name: "keys",
        kind: ParamKind::Count(Range::new(1, MAX_KEYS).drawn_to(1 << 20)),
        default: "100000",
        help: "key space",
    },
    ParamSpec { default: "zipf", ..DISTRIBUTION },
    SKEW,
];

#[derive(Debug, Clone, Copy)]
struct LruSetup {
    capacity: usize,
    keys: u64,
    distribution: KeyDistribution,
    seed: u64,
    threads: usize,
}

/// The lru workload over any set of [`Cache`] implementations.
pub struct LruWorkload {
    catalog: Catalog<LruSetup>,
}

impl LruWorkload {
    /// A workload with no implementations yet; add them with [`LruWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every LRU cache this project ships: hand-rolled and library.
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        let exact =
            |name, kind, about| ImplInfo::new(name, kind, about).claiming(&[Claim::ExactLru]);
        Self::empty()
            .with_info::<LruCache<u64, u64>>(exact(
                "lru-cache",
                HandRolled,
                "hash map into a slab-backed recency list, behind a parking_lot Mutex",
            ))
            .with_info::<LruCache<u64, u64, SpinLock<Lru<u64, u64>>>>(exact(
                "lru-cache-spin-lock",
                HandRolled,
                "the same behind the hand-rolled spin lock",
            ))
            .with::<ShardedLruCache<u64, u64>>(
                "sharded-lru-cache",
                HandRolled,
                "independently locked LRU shards chosen by hash (LRU within a shard)",
            )
            .with_info::<LruCrateParkingLot<u64, u64>>(exact(
                "lru-crate-parking-lot",
                Library,
                "the lru crate behind a parking_lot Mutex",
            ))
            .with_info::<LruCrateStdMutex<u64, u64>>(exact(
                "lru-crate-std-mutex",
                Library,
                "the lru crate behind a std Mutex",
            ))
    }

    /// Adds the cache type `C` under `name`.
    pub fn with<C: Cache<u64, u64> + 'static>(
        self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        self.with_info::<C>(ImplInfo::new(name, kind, about))
    }

    /// Adds the cache type `C` that `info` describes, checking its claims (exact LRU).
    pub fn with_info<C: Cache<u64, u64> + 'static>(mut self, info: ImplInfo) -> Self {
        let claims_exact_lru = info.claims(Claim::ExactLru);
        self.catalog.add_info(info, move |setup: &LruSetup| {
            Box::new(LruTrial {
                cache: C::with_capacity(setup.capacity),
                setup: *setup,
                counts: Default::default(),
                claims_exact_lru,
            })
        });
        self
    }
}

impl Workload for LruWorkload {
    fn name(&self) -> &str {
        "lru"
    }

    fn about(&self) -> &str {
        "threads read through a bounded LRU cache, filling it on a miss"
    }

    fn invariant(&self) -> &str {
        "size <= capacity; a value read belongs to its key; get after put finds it unless evicted"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let params = setup.params;
        let lru_setup = LruSetup {
            capacity: params.number("capacity") as usize,
            keys: params.number("keys"),
            distribution: KeyDistribution::from_params(params),
            seed: setup.seed,
            threads: setup.threads,
        };
        self.catalog.make(implementation, &lru_setup)
    }
}

struct LruTrial<C> {
    cache: C,
    setup: LruSetup,
    /// The workers' tallies, added up as each finishes.
    counts: SharedTally,
    /// Whether `check` probes the recency order ([`Claim::ExactLru`]).
    claims_exact_lru: bool,
}

/// The sum of the workers' [`Tally`]s.
#[derive(Default)]
struct SharedTally {
    hits: AtomicU64,
    misses: AtomicU64,
    gets_after_put: AtomicU64,
    oversize: AtomicU64,
    wrong_key: AtomicU64,
    lost_put: AtomicU64,
}

impl<C: Cache<u64, u64>> Trial for LruTrial<C> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        let keys = self.setup.distribution.stream(self.setup.keys, self.setup.seed, index);
        Box::new(LruWorker {
            trial: self,
            thread: index as u64,
            keys,
            tally: Tally::default(),
            ops: 0,
        })
    }

    fn check(&self, _ops: u64) -> Check {
        let capacity = self.cache.capacity();
        let len = self.cache.len();
        let mut problems = Vec::new();
        let oversize = self.counts.oversize.load(Ordering::Relaxed) + u64::from(len > capacity);
        for (count, what) in [
            (oversize, "size checks over capacity"),
            (self.counts.wrong_key.load(Ordering::Relaxed), "values read under the wrong key"),
            (
                self.counts.lost_put.load(Ordering::Relaxed),
                "gets right after a put that missed it on one thread",
            ),
        ] {
            if count > 0 {
                problems.push(format!("{count} {what}"));
            }
        }
        if !problems.is_empty() {
            return Check::Violated(problems.join("; "));
        }
        let (hits, misses) =
            (self.counts.hits.load(Ordering::Relaxed), self.counts.misses.load(Ordering::Relaxed));
        let ratio = 100.0 * hits as f64 / (hits + misses).max(1) as f64;
        let checked = self.counts.gets_after_put.load(Ordering::Relaxed);
        let held = format!(
            "size <= {capacity} throughout; {checked} gets after put consistent; hit ratio {ratio:.1}%"
        );
        match self.claims_exact_lru.then(|| recency::check_exact_lru(&self.cache)) {
            None => Check::Held(held),
            Some(Ok(probe)) => Check::Held(format!("{held}; {probe}")),
            Some(Err(broken)) => Check::Violated(format!("{broken}; hit ratio {ratio:.1}%")),
        }
    }
}

/// What one worker counted.
#[derive(Debug, Default)]
struct Tally {
    hits: u64,
    misses: u64,
    gets_after_put: u64,
    oversize: u64,
    wrong_key: u64,
    lost_put: u64,
}

struct LruWorker<'a, C> {
    trial: &'a LruTrial<C>,
    thread: u64,
    keys: KeyStream,
    tally: Tally,
    ops: u64,
}

impl<C: Cache<u64, u64>> LruWorker<'_, C> {
    /// A value for `key` that says who put it: key in the upper half, thread and count below.
    fn value_for(&self, key: u64) -> u64 {
        key << 32 | (self.thread << 24 | (self.ops & 0xff_ffff))
    }
}

impl<C: Cache<u64, u64>> Worker for LruWorker<'_, C> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        let trial = self.trial;
        for _ in 0..n {
            self.ops += 1;
            let key = self.keys.next_key();
            if let Some(value) = trial.cache.get(&key) {
                self.tally.hits += 1;
                self.tally.wrong_key += u64::from(value >> 32 != key);
            } else {
                self.tally.misses += 1;
                let value = self.value_for(key);
                trial.cache.put(key, value);
                self.tally.gets_after_put += 1;
                match trial.cache.get(&key) {
                    Some(found) if found == value => {}
                    Some(found) => self.tally.wrong_key += u64::from(found >> 32 != key),
                    None => self.tally.lost_put += u64::from(trial.setup.threads == 1),
                }
            }
            if self.ops.is_multiple_of(SIZE_CHECK_EVERY) {
                self.tally.oversize += u64::from(trial.cache.len() > trial.cache.capacity());
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        let (counts, tally) = (&self.trial.counts, &self.tally);
        counts.hits.fetch_add(tally.hits, Ordering::Relaxed);
        counts.misses.fetch_add(tally.misses, Ordering::Relaxed);
        counts.gets_after_put.fetch_add(tally.gets_after_put, Ordering::Relaxed);
        counts.oversize.fetch_add(tally.oversize, Ordering::Relaxed);
        counts.wrong_key.fetch_add(tally.wrong_key, Ordering::Relaxed);
        counts.lost_put.fetch_add(tally.lost_put, Ordering::Relaxed);
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        let mut metrics = Metrics::default();
        metrics.count("hits", std::mem::take(&mut self.tally.hits));
        metrics.count("misses", std::mem::take(&mut self.tally.misses));
        metrics
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::testing::run_trial;

    /// A plainly correct LRU: recency order in a deque, O(n) per operation.
    struct PlainLru {
        entries: Mutex<VecDeque<(u64, u64)>>,
        capacity: usize,
    }

    impl Cache<u64, u64> for PlainLru {
        fn with_capacity(capacity: usize) -> Self {
            Self { entries: Mutex::new(VecDeque::new()), capacity }
        }
        fn get(&self, key: &u64) -> Option<u64> {
            let mut entries = self.entries.lock().unwrap();
            let at = entries.iter().position(|(k, _)| k == key)?;
            let entry = entries.remove(at).unwrap();
            entries.push_back(entry);
            Some(entry.1)
        }
        fn put(&self, key: u64, value: u64) -> Option<(u64, u64)> {
            let mut entries = self.entries.lock().unwrap();
            entries.retain(|(k, _)| *k != key);
            entries.push_back((key, value));
            (entries.len() > self.capacity).then(|| entries.pop_front().unwrap())
        }
        fn len(&self) -> usize {
            self.entries.lock().unwrap().len()
        }
        fn capacity(&self) -> usize {
            self.capacity
        }
    }

    /// Broken on purpose: evicts only every other time it should, so it outgrows its capacity.
    struct LeakyLru(PlainLru, AtomicU64);

    impl Cache<u64, u64> for LeakyLru {
        fn with_capacity(capacity: usize) -> Self {
            Self(PlainLru::with_capacity(capacity), AtomicU64::new(0))
        }
        fn get(&self, key: &u64) -> Option<u64> {
            self.0.get(key)
        }
        fn put(&self, key: u64, value: u64) -> Option<(u64, u64)> {
            let mut entries = self.0.entries.lock().unwrap();
            entries.retain(|(k, _)| *k != key);
            entries.push_back((key, value));
            let evict = entries.len() > self.0.capacity
                && self.1.fetch_add(1, Ordering::Relaxed).is_multiple_of(2);
            evict.then(|| entries.pop_front().unwrap())
        }
        fn len(&self) -> usize {
            self.0.len()
        }
        fn capacity(&self) -> usize {
            self.0.capacity
        }
    }

    fn run(name: &str, threads: usize, capacity: &str) -> Check {
        let workload = LruWorkload::empty()
            .with::<PlainLru>("plain", ImplKind::Library, "deque")
            .with::<LeakyLru>("leaky", ImplKind::Demonstration, "evicts too little");
        let sets = [("capacity", capacity), ("keys", "200")];
        run_trial(&workload, name, threads, 9, &sets, |_, worker| worker.run(5_000))
    }

    #[test]
    fn a_correct_lru_holds_and_reports_its_hit_ratio() {
        for threads in [1, 3] {
            let check = run("plain", threads, "20");
            let Check::Held(summary) = check else { panic!("{check:?}") };
            assert!(summary.contains("hit ratio"), "{summary}");
        }
    }

    #[test]
    fn a_cache_that_outgrows_its_capacity_is_caught() {
        let check = run("leaky", 2, "20");
        assert!(matches!(&check, Check::Violated(m) if m.contains("over capacity")), "{check:?}");
    }
}
