//! Shuttle suites of the structures built on the locks: the striped map and the LRU caches, with
//! 3–4 threads (loom models the striped map with 2–3 on loom's own mutex, and the LRU caches not
//! at all), and double-checked lazy initialisation raced by 4 threads (loom: 3). Their lock is the hand-rolled spin lock wrapped in a check that each holder is alone
//! ([`CheckedLock`]), so the lock's exclusion and the structure's atomicity are checked together:
//! racing inserts of a key have one winner, upserts lose no increment, a cache never holds more
//! than its capacity and a value always belongs to its key.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test -p primitives
//! --release --test 'shuttle*'`
#![cfg(shuttle)]

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use primitives::cache::Cache;
use primitives::map::ConcurrentMap;
use primitives::model::{check, on_threads, Occupancy};
use primitives::{
    DoubleCheckedLazy, LazyInit, Lock, Lru, LruCache, ShardedLruCache, SpinLock, StripedMap,
};

/// The hand-rolled spin lock, checking inside every hold that no other thread holds it (an
/// atomic check and a yield: shuttle does not switch inside plain code).
struct CheckedLock<T> {
    lock: SpinLock<T>,
    occupancy: Occupancy,
}

impl<T: Send> Lock<T> for CheckedLock<T> {
    fn new(value: T) -> Self {
        Self { lock: SpinLock::new(value), occupancy: Occupancy::new() }
    }

    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut value = self.lock.lock();
        self.occupancy.exclusive(|| f(&mut value))
    }
}

/// A fixed hasher, so every schedule places the keys in the same stripes.
type FixedHasher = BuildHasherDefault<DefaultHasher>;
type Map = StripedMap<u64, u64, FixedHasher, CheckedLock<HashMap<u64, u64, FixedHasher>>>;

/// Four threads on a map of 2 stripes: all upsert key 7, and each inserts a key of its own then
/// tries the others' (an insert of a present key must fail). Exactly one upsert inserts, the
/// count is 4, every key holds its owner's value.
#[test]
fn striped_map_four_threads() {
    check(|| {
        let map = Arc::new(Map::with_stripes(2, 8));
        let shared = map.clone();
        let inserted = on_threads(4, move |thread| {
            let own = 100 + thread as u64;
            let upserted = shared.upsert(7, 1, |count| *count += 1);
            assert!(shared.insert(own, own), "an absent key refused");
            let neighbour = 100 + (thread as u64 + 1) % 4;
            if let Some(value) = shared.get(&neighbour) {
                assert_eq!(value, neighbour, "key {neighbour} holds another key's value");
                assert!(!shared.insert(neighbour, 0), "a present key inserted again");
            }
            upserted
        });
        assert_eq!(inserted.iter().filter(|&&inserted| inserted).count(), 1, "upserts inserted");
        assert_eq!(map.get(&7), Some(4), "an upsert's increment was lost");
        (100..104).for_each(|key| assert_eq!(map.get(&key), Some(key)));
        assert_eq!(map.len(), 5);
    });
}

/// Three threads put and get keys 0..4 through a cache of capacity 2: never over capacity, a
/// value always its key's (values are `key * 10`), and a get right after a put finds the key
/// unless another thread's put came between.
fn lru_three_threads<C: Cache<u64, u64> + 'static>(new: fn() -> C) {
    check(move || {
        let cache = Arc::new(new());
        let shared = cache.clone();
        on_threads(3, move |thread| {
            for round in 0..2 {
                let key = (thread as u64 + round) % 4;
                if let Some((evicted, value)) = shared.put(key, key * 10) {
                    assert_eq!(value, evicted * 10, "evicted a value of another key");
                }
                assert!(shared.len() <= shared.capacity(), "over capacity");
                if let Some(value) = shared.get(&((key + 1) % 4)) {
                    assert_eq!(value, (key + 1) % 4 * 10, "a value of another key");
                }
            }
        });
        assert!(cache.len() <= 2 && !cache.is_empty());
    });
}

#[test]
fn lru_cache_three_threads() {
    lru_three_threads(|| LruCache::<u64, u64, CheckedLock<Lru<u64, u64>>>::with_capacity(2));
}

#[test]
fn sharded_lru_cache_three_threads() {
    lru_three_threads(|| ShardedLruCache::<u64, u64, CheckedLock<Lru<u64, u64>>>::new(2, 2));
}

/// Initialiser runs in the current schedule. A std atomic: shuttle runs one schedule at a time,
/// on one OS thread, and the model resets it first.
static INIT_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn counted_init() -> u64 {
    INIT_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    shuttle::thread::yield_now(); // a slow initialiser: others arrive while it runs
    42
}

/// Four threads race to get a fresh lazy value: all see 42, and the initialiser ran once.
#[test]
fn double_checked_lazy_four_threads() {
    check(|| {
        INIT_RUNS.store(0, std::sync::atomic::Ordering::SeqCst);
        let lazy = Arc::new(DoubleCheckedLazy::new(counted_init));
        let shared = lazy.clone();
        on_threads(4, move |_| assert_eq!(*LazyInit::get(&*shared), 42));
        let runs = INIT_RUNS.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(runs, 1, "the initialiser ran {runs} times");
    });
}
