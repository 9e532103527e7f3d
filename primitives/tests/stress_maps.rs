//! Stress tests of every concurrent map on real threads. Each thread runs a random mix of all
//! operations on three kinds of keys and checks every result against what is possible:
//! - its private keys, which only it touches: every result is exactly predictable from its own
//!   history, kept in a plain `HashMap` model;
//! - shared keys, which all threads fight over: a value read must be one written for that key
//!   (`key << 32` plus some increments);
//! - keys never inserted: a get finds nothing, an update or remove reports absence.
//!
//! At the end the map's `len` must equal the prefill plus every thread's successful inserts and
//! inserting upserts minus its successful removes, and the map must hold exactly each thread's
//! model. A deliberately broken striped map (a key's stripe depends on a per-call counter) shows
//! these checks catch a map that puts one key in two places. Ordering bugs are loom's job
//! (`tests/loom_maps.rs`); real threads on x86 would not see them.
#![cfg(not(loom))]

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};

use primitives::map::ConcurrentMap;
use primitives::striped_map::{StripedMap, StripedRwMap};
use primitives::SpinLock;

/// More threads than the 2 cores of the test machines: oversubscription is where locks break.
const THREADS: u64 = 4;
/// Operations per thread; debug builds run about 10x slower.
const OPS: u64 = if cfg!(debug_assertions) { 20_000 } else { 200_000 };
/// Keys each thread owns; private keys of thread `t` are `t * PRIVATE_KEYS + i`.
const PRIVATE_KEYS: u64 = 512;
/// Keys every thread uses, from `SHARED_BASE`: few, so that threads collide on them.
const SHARED_KEYS: u64 = 64;
const SHARED_BASE: u64 = 1 << 30;
/// Keys from here up are never inserted.
const NEVER_BASE: u64 = 1 << 31;

/// xorshift64*: a fixed, seedable random sequence without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) % n
    }
}

/// What one thread did that the final checks need.
struct Tally {
    /// Successful inserts (and inserting upserts) minus successful removes.
    net_inserts: i64,
    /// The exact contents of this thread's private keys.
    model: HashMap<u64, u64>,
}

fn mismatch<T: std::fmt::Debug>(what: &str, key: u64, got: T, want: T) -> String {
    format!("{what} of key {key} returned {got:?}, expected {want:?}")
}

fn private_op<M: ConcurrentMap<u64, u64>>(
    map: &M,
    model: &mut HashMap<u64, u64>,
    key: u64,
    op: u64,
    rng: &mut Rng,
) -> Result<i64, String> {
    let present = model.contains_key(&key);
    let value = (key << 32) | rng.below(1 << 16);
    let check = |what, got: bool, want: bool| {
        (got == want).then_some(()).ok_or_else(|| mismatch(what, key, got, want))
    };
    Ok(match op {
        0..=3 => match map.get(&key) {
            got if got == model.get(&key).copied() => 0,
            got => return Err(mismatch("get", key, got, model.get(&key).copied())),
        },
        4 | 5 => {
            check("insert", map.insert(key, value), !present)?;
            model.entry(key).or_insert(value);
            i64::from(!present)
        }
        6 | 7 => {
            check("remove", map.remove(&key), present)?;
            model.remove(&key);
            -i64::from(present)
        }
        8 => {
            check("update", map.update(&key, |v| *v += 1), present)?;
            model.entry(key).and_modify(|v| *v += 1);
            0
        }
        _ => {
            check("upsert", map.upsert(key, value, |v| *v += 1), !present)?;
            model.entry(key).and_modify(|v| *v += 1).or_insert(value);
            i64::from(!present)
        }
    })
}

fn shared_op<M: ConcurrentMap<u64, u64>>(map: &M, key: u64, op: u64) -> Result<i64, String> {
    Ok(match op {
        0..=3 => match map.get(&key) {
            Some(value) if value >> 32 != key => {
                return Err(format!(
                    "get of shared key {key} found {value:#x}, never written there"
                ))
            }
            _ => 0,
        },
        4 | 5 => i64::from(map.insert(key, key << 32)),
        6 | 7 => -i64::from(map.remove(&key)),
        8 => {
            map.update(&key, |v| *v += 1);
            0
        }
        _ => i64::from(map.upsert(key, key << 32, |v| *v += 1)),
    })
}

fn never_inserted_op<M: ConcurrentMap<u64, u64>>(map: &M, key: u64) -> Result<i64, String> {
    match (map.get(&key), map.update(&key, |v| *v += 1), map.remove(&key)) {
        (None, false, false) => Ok(0),
        found => {
            Err(format!("key {key} was never inserted, yet (get, update, remove) = {found:?}"))
        }
    }
}

fn worker<M: ConcurrentMap<u64, u64>>(
    map: &M,
    thread: u64,
    start: &Barrier,
) -> Result<Tally, String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((thread + 1) * 0x1234_5678_9abc_def1));
    let mut model: HashMap<u64, u64> = (0..PRIVATE_KEYS)
        .step_by(2)
        .map(|i| thread * PRIVATE_KEYS + i)
        .map(|key| (key, key << 32))
        .collect();
    let mut net_inserts = 0;
    start.wait();
    for _ in 0..OPS {
        let op = rng.below(10);
        net_inserts += match rng.below(10) {
            0..=4 => {
                let key = thread * PRIVATE_KEYS + rng.below(PRIVATE_KEYS);
                private_op(map, &mut model, key, op, &mut rng)
            }
            5..=8 => shared_op(map, SHARED_BASE + rng.below(SHARED_KEYS), op),
            _ => never_inserted_op(map, NEVER_BASE + rng.below(1 << 20)),
        }
        .map_err(|error| format!("thread {thread}: {error}"))?;
    }
    Ok(Tally { net_inserts, model })
}

/// Prefills half of every key range, runs the workers, and checks everything they report.
fn check_map<M: ConcurrentMap<u64, u64>>(map: M) -> Result<(), String> {
    let prefill: Vec<u64> = (0..THREADS * PRIVATE_KEYS)
        .chain(SHARED_BASE..SHARED_BASE + SHARED_KEYS)
        .step_by(2)
        .collect();
    for &key in &prefill {
        assert!(map.insert(key, key << 32), "prefill of {key}");
    }
    let start = Barrier::new(THREADS as usize);
    let tallies = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                s.spawn({
                    let (map, start) = (&map, &start);
                    move || worker(map, thread, start)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect::<Result<Vec<_>, _>>()
    })?;

    let expected_len = prefill.len() as i64 + tallies.iter().map(|t| t.net_inserts).sum::<i64>();
    if map.len() as i64 != expected_len {
        return Err(format!("len {} but inserts minus removes give {expected_len}", map.len()));
    }
    for (thread, tally) in (0..THREADS).zip(&tallies) {
        for key in thread * PRIVATE_KEYS..(thread + 1) * PRIVATE_KEYS {
            if map.get(&key) != tally.model.get(&key).copied() {
                let (got, want) = (map.get(&key), tally.model.get(&key).copied());
                return Err(mismatch("final get", key, got, want));
            }
        }
    }
    for key in SHARED_BASE..SHARED_BASE + SHARED_KEYS {
        match map.get(&key) {
            Some(value) if value >> 32 != key => {
                return Err(format!("shared key {key}: {value:#x}"))
            }
            _ => {}
        }
    }
    Ok(())
}

fn stress<M: ConcurrentMap<u64, u64>>(map: M) {
    if let Err(error) = check_map(map) {
        panic!("{error}");
    }
}

#[test]
fn striped_map_of_parking_lot_mutexes() {
    for stripes in [1, 4, 64] {
        stress(StripedMap::<u64, u64>::with_stripes(stripes, 0));
    }
}

#[test]
fn striped_map_of_spin_locks() {
    stress(StripedMap::<u64, u64, RandomState, SpinLock<HashMap<u64, u64>>>::with_stripes(8, 64));
}

#[test]
fn striped_rw_map() {
    for stripes in [1, 16] {
        stress(StripedRwMap::<u64, u64>::with_stripes(stripes, 0));
    }
}

#[test]
fn single_lock_maps() {
    stress(std::sync::Mutex::<HashMap<u64, u64>>::with_capacity(0));
    stress(std::sync::RwLock::<HashMap<u64, u64>>::with_capacity(0));
    stress(parking_lot::Mutex::<HashMap<u64, u64>>::with_capacity(0));
    stress(parking_lot::RwLock::<HashMap<u64, u64>>::with_capacity(0));
}

#[test]
fn library_maps() {
    stress(dashmap::DashMap::<u64, u64>::with_capacity(0));
    stress(scc::HashMap::<u64, u64>::with_capacity(0));
    stress(papaya::HashMap::<u64, u64>::with_capacity(0));
}

/// Broken: picks a key's stripe from its hash plus a per-call counter, so one key can land in
/// two stripes (and a lookup searches the wrong one).
struct MisStripedMap {
    stripes: Vec<Mutex<HashMap<u64, u64>>>,
    hasher: RandomState,
    calls: AtomicUsize,
}

impl MisStripedMap {
    fn stripe(&self, key: &u64) -> std::sync::MutexGuard<'_, HashMap<u64, u64>> {
        let skew = self.calls.fetch_add(1, Ordering::Relaxed);
        let index = (self.hasher.hash_one(key) as usize).wrapping_add(skew) % self.stripes.len();
        self.stripes[index].lock().unwrap()
    }
}

impl ConcurrentMap<u64, u64> for MisStripedMap {
    fn with_capacity(_: usize) -> Self {
        let stripes = (0..8).map(|_| Mutex::default()).collect();
        Self { stripes, hasher: RandomState::new(), calls: AtomicUsize::new(0) }
    }
    fn get(&self, key: &u64) -> Option<u64> {
        self.stripe(key).get(key).copied()
    }
    fn insert(&self, key: u64, value: u64) -> bool {
        upsert(&mut self.stripe(&key), key, value, |_| {})
    }
    fn remove(&self, key: &u64) -> bool {
        self.stripe(key).remove(key).is_some()
    }
    fn update(&self, key: &u64, f: impl FnMut(&mut u64)) -> bool {
        self.stripe(key).get_mut(key).map(f).is_some()
    }
    fn upsert(&self, key: u64, value: u64, f: impl FnMut(&mut u64)) -> bool {
        upsert(&mut self.stripe(&key), key, value, f)
    }
    fn len(&self) -> usize {
        self.stripes.iter().map(|stripe| stripe.lock().unwrap().len()).sum()
    }
}

/// Runs `f` on the value under `key` if present, else inserts `value`; returns whether it inserted.
fn upsert(table: &mut HashMap<u64, u64>, key: u64, value: u64, f: impl FnMut(&mut u64)) -> bool {
    let present = table.get_mut(&key).map(f).is_some();
    if !present {
        table.insert(key, value);
    }
    !present
}

#[test]
fn checks_catch_a_key_in_two_stripes() {
    let error = check_map(MisStripedMap::with_capacity(0)).expect_err("broken map passed");
    println!("caught: {error}");
    assert!(error.contains("key"), "unexpected report: {error}");
}
