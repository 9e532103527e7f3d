//! Loom models of the striped map: two threads (three in one model), two stripes, every interleaving of their stripe
//! locks. The stripe lock is loom's `Mutex` (through a test-local [`Lock`] impl), so loom schedules
//! at every acquisition and checks that each operation is one atomic step on its key: racing
//! inserts of one key have exactly one winner, upserts never lose an increment, and `len` at the
//! end matches what the threads report. A deliberately broken map (upsert as a separate update,
//! then insert) proves the models can fail.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom-maps LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test loom_maps`
#![cfg(loom)]

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use loom::sync::{Arc, Mutex};
use loom::thread;
use primitives::map::ConcurrentMap;
use primitives::model;
use primitives::striped_map::StripedMap;
use primitives::Lock;

/// loom's mutex behind the project's [`Lock`] trait, so every stripe acquisition is a loom
/// scheduling point.
struct LoomMutex<T>(Mutex<T>);

impl<T: Send> Lock<T> for LoomMutex<T> {
    fn new(value: T) -> Self {
        Self(Mutex::new(value))
    }

    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.lock().unwrap())
    }
}

/// A fixed-key hasher: every loom iteration must place the keys in the same stripes.
type FixedHasher = BuildHasherDefault<DefaultHasher>;
type ModelMap = StripedMap<u64, u64, FixedHasher, LoomMutex<HashMap<u64, u64, FixedHasher>>>;

fn two_stripes() -> ModelMap {
    let map = ModelMap::with_stripes(2, 4);
    assert_eq!(map.stripes(), 2);
    map
}

/// Two keys in different stripes, so the threads can run truly in parallel.
fn keys_in_different_stripes(map: &ModelMap) -> (u64, u64) {
    let other = (1..).find(|key| map.stripe_of(key) != map.stripe_of(&0)).unwrap();
    (0, other)
}

/// Runs `first` on a spawned thread and `second` on the model's main thread, on one shared map.
fn race<A, B>(map: &Arc<ModelMap>, first: A, second: B) -> (bool, bool)
where
    A: FnOnce(&ModelMap) -> bool + Send + 'static,
    B: FnOnce(&ModelMap) -> bool,
{
    let other = thread::spawn({
        let map = map.clone();
        move || first(&map)
    });
    let mine = second(map);
    (other.join().unwrap(), mine)
}

/// The kit's map models (`primitives::model::map`): racing inserts of one key have one winner,
/// racing upserts lose no increment.
#[test]
fn racing_inserts_and_upserts() {
    model::map::<ModelMap>();
}

#[test]
fn update_races_remove_and_reinsert() {
    loom::model(|| {
        let map = Arc::new(two_stripes());
        assert!(map.insert(7, 1));
        let (updated, reinserted) =
            race(&map, |m| m.update(&7, |v| *v += 1), |m| m.remove(&7) && m.insert(7, 100));
        assert!(reinserted, "nothing else removes or inserts the key");
        let value = map.get(&7).unwrap();
        assert!(value == 100 || (value == 101 && updated), "updated: {updated}, value {value}");
        assert_eq!(map.len(), 1);
    });
}

/// Three threads upsert one key, with at most one preemption (loom's branch limit; loom issue
/// 53): passes in well under a second with `LOOM_MAX_PREEMPTIONS=1` or 2.
#[test]
fn three_racing_upserts_lose_no_increment() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(1);
    builder.check(|| {
        let map = Arc::new(two_stripes());
        let upsert = |m: &ModelMap| m.upsert(7, 1, |v| *v += 1);
        let third = thread::spawn({
            let map = map.clone();
            move || upsert(&map)
        });
        let (first, second) = race(&map, upsert, upsert);
        let inserts = [first, second, third.join().unwrap()].into_iter().filter(|&i| i).count();
        assert_eq!((inserts, map.get(&7), map.len()), (1, Some(3), 1));
    });
}

#[test]
fn different_stripes_do_not_interfere() {
    loom::model(|| {
        let map = Arc::new(two_stripes());
        let (a, b) = keys_in_different_stripes(&map);
        let (b_inserted, a_round_trip) = race(
            &map,
            move |m| m.insert(b, 20) && !m.insert(b, 21),
            move |m| {
                m.insert(a, 10) && m.get(&a) == Some(10) && m.remove(&a) && m.get(&b) != Some(21)
            },
        );
        assert!(b_inserted && a_round_trip);
        assert_eq!((map.get(&a), map.get(&b), map.len()), (None, Some(20), 1));
    });
}

/// Broken: upsert as an update followed, in a separate critical section, by an insert. When both
/// threads' updates find the key absent, the second insert fails and its increment is lost.
/// Broken: the striped map with upsert as an update, then an insert in a separate critical
/// section: racing upserts both miss the key, and the insert that loses drops its increment.
struct CheckThenActMap(ModelMap);

impl ConcurrentMap<u64, u64> for CheckThenActMap {
    fn with_capacity(capacity: usize) -> Self {
        Self(ModelMap::with_capacity(capacity))
    }
    fn get(&self, key: &u64) -> Option<u64> {
        self.0.get(key)
    }
    fn insert(&self, key: u64, value: u64) -> bool {
        self.0.insert(key, value)
    }
    fn remove(&self, key: &u64) -> bool {
        self.0.remove(key)
    }
    fn update(&self, key: &u64, f: impl FnMut(&mut u64)) -> bool {
        self.0.update(key, f)
    }
    fn upsert(&self, key: u64, value: u64, mut f: impl FnMut(&mut u64)) -> bool {
        !self.0.update(&key, &mut f) && self.0.insert(key, value) // the bug: two steps
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

#[test]
#[should_panic(expected = "upsert")]
fn the_kit_catches_a_check_then_act_upsert() {
    model::map_racing_upserts::<CheckThenActMap>();
}
