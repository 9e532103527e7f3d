//! Stress tests of the caching family on real threads, each on every implementation of its trait:
//! LRU bounds, recency order and get-after-put; copy-on-write snapshots as growing prefixes in
//! per-writer order; configurations never torn nor going back; lazy initialisation run exactly
//! once. Memory orderings are for `tests/loom_caches.rs`.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, LazyLock};

use arc_swap::ArcSwap;
use primitives::adapters::caches::{LruCrateParkingLot, LruCrateStdMutex, OnceLockLazy};
use primitives::cache::{Cache, CowList, LazyInit, SwapCell, SwapReader};
use primitives::cow_list::CopyOnWriteList;
use primitives::lazy_init::DoubleCheckedLazy;
use primitives::lru_cache::{Lru, LruCache, ShardedLruCache};
use primitives::swap_cell::VersionedArcCell;
use primitives::SpinLock;

/// More threads than the 2 cores of the test machines.
const THREADS: usize = 4;
/// Debug builds run about 10x slower.
const SCALE: usize = if cfg!(debug_assertions) { 1 } else { 10 };

/// Runs `work(thread index)` on `threads` threads released together by a barrier.
fn on_threads(threads: usize, work: impl Fn(usize) + Sync) {
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        for index in 0..threads {
            let (start, work) = (&start, &work);
            s.spawn(move || {
                start.wait();
                work(index);
            });
        }
    });
}

/// A small deterministic pseudo-random generator (xorshift64*), so failures replay.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

// ---- LRU caches: values are `key * VERSIONS + version`, so a value names its key. ----
const VERSIONS: u64 = 1_000_000;

/// Get refreshes, the least recently used entry is evicted and returned, replacing evicts nothing.
fn lru_order<C: Cache<u64, u64>>(cache: C) {
    assert_eq!((cache.capacity(), cache.len(), cache.is_empty()), (2, 0, true));
    assert_eq!(cache.put(1, 10), None);
    assert_eq!(cache.put(2, 20), None);
    assert_eq!(cache.get(&1), Some(10));
    assert_eq!(cache.put(3, 30), Some((2, 20)), "2 was the least recently used");
    assert_eq!(cache.put(1, 11), None, "replacing evicts nothing");
    assert_eq!(cache.put(4, 40), Some((3, 30)));
    assert_eq!(
        (cache.get(&1), cache.get(&2), cache.get(&3), cache.get(&4)),
        (Some(11), None, None, Some(40))
    );
    assert_eq!(cache.len(), 2);
}

/// One thread, random operations, checked step by step against a plain recency-ordered `Vec`.
fn lru_matches_model<C: Cache<u64, u64>>(cache: C) {
    let capacity = cache.capacity();
    let mut model: Vec<(u64, u64)> = Vec::new(); // most recently used last
    let mut rng = 0x9e37_79b9_7f4a_7c15;
    for step in 0..20_000 {
        let key = xorshift(&mut rng) % (2 * capacity as u64);
        let position = model.iter().position(|&(k, _)| k == key);
        if step % 3 == 0 {
            let expected = position.map(|p| model.remove(p));
            expected.inspect(|&entry| model.push(entry));
            assert_eq!(cache.get(&key), expected.map(|(_, v)| v), "step {step}: get {key}");
        } else {
            let value = key * VERSIONS + step;
            let evicted = match position {
                Some(p) => {
                    model.remove(p);
                    None
                }
                None if model.len() == capacity => Some(model.remove(0)),
                None => None,
            };
            model.push((key, value));
            assert_eq!(cache.put(key, value), evicted, "step {step}: put {key}");
        }
        assert_eq!(cache.len(), model.len());
    }
}

/// Threads put and get their own keys (so no other thread replaces them): the size never exceeds
/// the capacity, a get right after a put returns that value or nothing (evicted meanwhile), and
/// every evicted entry is one that was put.
fn lru_concurrent<C: Cache<u64, u64>>(cache: C) {
    let capacity = cache.capacity() as u64;
    on_threads(THREADS, |thread| {
        let mut rng = thread as u64 + 1;
        for step in 0..2_000 * SCALE as u64 {
            let key = ((thread as u64) << 32) | (xorshift(&mut rng) % capacity);
            let value = key * VERSIONS + step;
            if let Some((old_key, old_value)) = cache.put(key, value) {
                assert_eq!(old_value / VERSIONS, old_key, "evicted entry was never put");
            }
            // `None` is allowed: another thread's puts may have evicted it in between.
            if let Some(seen) = cache.get(&key) {
                assert_eq!(seen, value, "get after put returned another value");
            }
            let probe = ((thread as u64) << 32) | (xorshift(&mut rng) % capacity);
            if let Some(seen) = cache.get(&probe) {
                assert_eq!(seen / VERSIONS, probe, "value of another key");
            }
            assert!(cache.len() <= capacity as usize, "size beyond capacity");
        }
    });
    assert_eq!(cache.len(), capacity as usize, "full after many distinct keys");
}

/// All three checks, the concurrent one on a capacity of 64.
fn lru_all<C: Cache<u64, u64>>(with_capacity: impl Fn(usize) -> C) {
    lru_order(with_capacity(2));
    for capacity in [1, 7, 64] {
        lru_matches_model(with_capacity(capacity));
    }
    lru_concurrent(with_capacity(64));
}

#[test]
fn lru_cache() {
    lru_all(LruCache::<u64, u64>::with_capacity);
    lru_all(LruCache::<u64, u64, SpinLock<Lru<u64, u64>>>::with_capacity);
}

/// With one shard the order is exact; with many it is per shard, so only the bounds are checked.
#[test]
fn sharded_lru_cache() {
    lru_all(|capacity| ShardedLruCache::<u64, u64>::new(capacity, 1));
    lru_concurrent(ShardedLruCache::<u64, u64>::with_capacity(64));
    lru_concurrent(ShardedLruCache::<u64, u64>::new(64, 3));
}

#[test]
fn lru_crate() {
    lru_all(LruCrateParkingLot::<u64, u64>::with_capacity);
    lru_all(LruCrateStdMutex::<u64, u64>::with_capacity);
}

// ---- Copy-on-write lists: items are (writer, sequence number). ----
/// Two writers append while readers snapshot, half through `snapshot`, half through a reader
/// handle: every snapshot extends the previous one of the same reader and lists each writer's
/// items in order with none missing.
fn cow_prefixes<L: CowList<(usize, usize)>>() {
    const WRITERS: usize = 2;
    let pushes = 150 * SCALE;
    let list = L::new();
    let writing = AtomicUsize::new(WRITERS);
    on_threads(WRITERS + 2, |thread| {
        if thread < WRITERS {
            (0..pushes).for_each(|seq| list.push((thread, seq)));
            writing.fetch_sub(1, Ordering::Release);
            return;
        }
        let mut reader = (thread % 2 == 0).then(|| list.reader());
        let mut previous: Vec<(usize, usize)> = Vec::new();
        loop {
            let done = writing.load(Ordering::Acquire) == 0;
            let checked = |items: &[(usize, usize)], previous: &mut Vec<_>| {
                assert!(items.starts_with(previous), "a snapshot is not an extension of the last");
                let mut next_seq = [0; WRITERS];
                for &(writer, seq) in items {
                    assert_eq!(seq, next_seq[writer], "writer {writer}'s items out of order");
                    next_seq[writer] += 1;
                }
                previous.clear();
                previous.extend_from_slice(items);
            };
            match &mut reader {
                Some(reader) => checked(reader.load(), &mut previous),
                None => checked(&list.snapshot(), &mut previous),
            }
            if done {
                assert_eq!(previous.len(), WRITERS * pushes, "the last snapshot misses items");
                break;
            }
        }
    });
}

#[test]
fn copy_on_write_list() {
    cow_prefixes::<CopyOnWriteList<(usize, usize)>>();
}

#[test]
fn arc_swap_as_cow_list() {
    cow_prefixes::<ArcSwap<Vec<(usize, usize)>>>();
}

// ---- Swapped configurations: every field of config `v` equals `v`. ----
type Config = [u64; 8];

/// One writer stores versions 1, 2, ... while readers load, half through `load`, half through a
/// reader handle: no reader sees a mixed config, or a version older than one it saw.
fn swap_never_torn<S: SwapCell<Config>>() {
    let versions = 2_000 * SCALE as u64;
    let cell = S::new([0; 8]);
    let writing = AtomicBool::new(true);
    on_threads(3, |thread| {
        if thread == 0 {
            (1..=versions).for_each(|version| cell.store([version; 8]));
            writing.store(false, Ordering::Release);
            return;
        }
        let mut reader = (thread == 1).then(|| cell.reader());
        let mut last = 0;
        loop {
            let done = !writing.load(Ordering::Acquire);
            let config = match &mut reader {
                Some(reader) => *reader.load(),
                None => *cell.load(),
            };
            assert!(config.iter().all(|&field| field == config[0]), "torn config {config:?}");
            assert!(config[0] >= last, "version went back from {last} to {}", config[0]);
            last = config[0];
            if done {
                assert_eq!(last, versions, "the final store is not visible after it finished");
                break;
            }
        }
    });
}

#[test]
fn versioned_arc_cell() {
    swap_never_torn::<VersionedArcCell<Config>>();
}

#[test]
fn arc_swap_as_swap_cell() {
    swap_never_torn::<ArcSwap<Config>>();
}

// ---- Lazy initialisation: each test has its own initialiser and run counter. ----
/// In each of many rounds, 8 threads race for a fresh cell: the initialiser runs once per round
/// and every thread sees the same value at the same address.
fn lazy_runs_once<L: LazyInit<Vec<usize>>>(init: fn() -> Vec<usize>, runs: &AtomicUsize) {
    const RACERS: usize = 8;
    for round in 1..=20 * SCALE {
        let lazy = L::new(init);
        let seen = std::sync::Mutex::new(Vec::new());
        on_threads(RACERS, |_| {
            let value = lazy.get();
            seen.lock().unwrap().push((value as *const Vec<usize> as usize, value.clone()));
        });
        assert_eq!(runs.load(Ordering::Relaxed), round, "initialiser not run exactly once");
        let seen = seen.into_inner().unwrap();
        assert!(seen.iter().all(|entry| *entry == seen[0]), "threads saw different values");
    }
}

/// The first run panics; the second succeeds. Returns whether `get` panicked again after that.
fn lazy_after_panic<L: LazyInit<usize>>(init: fn() -> usize) -> bool {
    let lazy = L::new(init);
    let get = || std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| *lazy.get()));
    assert!(get().is_err(), "the initialiser's panic must reach the caller");
    get().is_err()
}

/// A test of both checks, with initialisers of its own (a `fn` pointer cannot capture a counter).
macro_rules! lazy_test {
    ($name:ident, $lazy:ident, retries_after_panic: $retries:expr) => {
        #[test]
        fn $name() {
            static RUNS: AtomicUsize = AtomicUsize::new(0);
            fn counted() -> Vec<usize> {
                let run = RUNS.fetch_add(1, Ordering::Relaxed);
                std::thread::yield_now(); // widens the race: others arrive while this one runs
                vec![run; 4]
            }
            lazy_runs_once::<$lazy<Vec<usize>>>(counted, &RUNS);
            static FAILURES: AtomicUsize = AtomicUsize::new(0);
            fn fails_once() -> usize {
                match FAILURES.fetch_add(1, Ordering::Relaxed) {
                    0 => panic!("deliberate failure of the first initialisation"),
                    run => run,
                }
            }
            assert_eq!(lazy_after_panic::<$lazy<usize>>(fails_once), !$retries);
        }
    };
}

type StdLazyLock<T> = LazyLock<T, fn() -> T>; // the initialiser type of `LazyInit`

lazy_test!(double_checked_lazy, DoubleCheckedLazy, retries_after_panic: true);
lazy_test!(std_once_lock, OnceLockLazy, retries_after_panic: true);
lazy_test!(std_lazy_lock, StdLazyLock, retries_after_panic: false);
