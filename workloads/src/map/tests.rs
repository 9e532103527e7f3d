//! The map workload against shipped maps and a striped map whose stripe selection is broken.

use std::sync::atomic::{AtomicU64, Ordering};

use super::*;
use crate::testing::run_trial;

/// Broken on purpose: the stripe is picked from the key *and the calling thread*, so one key can
/// sit in several stripes at once. Each thread finds its own writes again, but not the others':
/// the bug a stripe index computed from anything but the key makes.
struct ThreadSaltedStripes {
    stripes: Vec<parking_lot::Mutex<Table>>,
}

thread_local! {
    /// A different number for every thread that touches the map.
    static SALT: u64 = {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        NEXT.fetch_add(1, Ordering::Relaxed)
    };
}

impl ThreadSaltedStripes {
    fn stripe(&self, key: u64) -> &parking_lot::Mutex<Table> {
        let salted = (key + SALT.with(|salt| *salt)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        &self.stripes[(salted >> 60) as usize % self.stripes.len()]
    }
}

impl ConcurrentMap<u64, u64> for ThreadSaltedStripes {
    fn with_capacity(_capacity: usize) -> Self {
        Self { stripes: (0..16).map(|_| parking_lot::Mutex::new(Table::new())).collect() }
    }

    fn get(&self, key: &u64) -> Option<u64> {
        self.stripe(*key).lock().get(key).copied()
    }

    fn insert(&self, key: u64, value: u64) -> bool {
        self.stripe(key).lock().try_insert_value(key, value)
    }

    fn remove(&self, key: &u64) -> bool {
        self.stripe(*key).lock().remove(key).is_some()
    }

    fn update(&self, key: &u64, f: impl FnMut(&mut u64)) -> bool {
        self.stripe(*key).lock().get_mut(key).map(f).is_some()
    }

    fn upsert(&self, key: u64, value: u64, mut f: impl FnMut(&mut u64)) -> bool {
        let mut table = self.stripe(key).lock();
        match table.get_mut(&key) {
            Some(current) => {
                f(current);
                false
            }
            None => table.try_insert_value(key, value),
        }
    }

    fn len(&self) -> usize {
        self.stripes.iter().map(|stripe| stripe.lock().len()).sum()
    }
}

/// Insert-if-absent on a plain table.
trait TryInsertValue {
    fn try_insert_value(&mut self, key: u64, value: u64) -> bool;
}

impl TryInsertValue for Table {
    fn try_insert_value(&mut self, key: u64, value: u64) -> bool {
        match self.entry(key) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
            std::collections::hash_map::Entry::Occupied(_) => false,
        }
    }
}

fn workload() -> MapWorkload {
    MapWorkload::standard().with::<ThreadSaltedStripes>(
        "thread-salted-stripes",
        ImplKind::Demonstration,
        "the stripe depends on the calling thread",
    )
}

/// Runs `ops` operations on each of `threads` threads of a fresh trial of `name`, then checks.
fn run(name: &str, threads: usize, sets: &[(&str, &str)], ops: u64) -> Check {
    run_trial(&workload(), name, threads, 5, sets, |_, worker| {
        assert_eq!(worker.run(ops), ops);
        ops
    })
}

#[test]
fn shipped_maps_hold_for_every_mix_and_distribution() {
    let maps = ["striped", "striped-rw-writer-pref", "dashmap", "papaya"];
    let mixes = ["read-heavy", "exchange", "rapid-grow"];
    let combinations = mixes.iter().flat_map(|m| ["uniform", "zipf", "hotspot"].map(|d| (m, d)));
    // One map per combination, in turn: every_implementation runs each map on the defaults.
    for (name, (mix, distribution)) in maps.iter().cycle().zip(combinations) {
        let sets = [("mix", *mix), ("distribution", distribution), ("keys", "512")];
        let check = run(name, 3, &sets, 3_000);
        assert!(matches!(check, Check::Held(_)), "{name} {sets:?}: {check:?}");
    }
}

#[test]
fn custom_mixes_with_upserts_hold_and_count_exactly() {
    let sets = [
        ("mix", "custom"),
        ("read", "20"),
        ("insert", "20"),
        ("remove", "20"),
        ("update", "20"),
        ("upsert", "20"),
        ("keys", "64"),
        ("stripes", "2"),
    ];
    for name in ["striped-spin", "scc-hashmap", "std-rwlock-hashmap"] {
        let check = run(name, 4, &sets, 2_000);
        assert!(matches!(check, Check::Held(_)), "{name}: {check:?}");
    }
    let Check::Held(summary) = run("striped", 1, &[("prefill", "1"), ("keys", "100")], 10) else {
        panic!("violated")
    };
    assert!(summary.starts_with("10 ops, every result possible; size "), "{summary}");
    assert!(summary.contains("100 prefilled"), "{summary}");
}

#[test]
fn more_threads_than_keys_still_hold() {
    let check = run("striped", 4, &[("keys", "2"), ("mix", "exchange")], 1_000);
    assert!(matches!(check, Check::Held(_)), "{check:?}");
}

#[test]
fn a_thread_dependent_stripe_is_caught_during_the_run() {
    // The prefill ran on this thread, so its keys sit in stripes the workers do not look in.
    let Check::Violated(problem) = run("thread-salted-stripes", 2, &[], 1_000) else {
        panic!("a thread-dependent stripe choice passed")
    };
    assert!(problem.contains("impossible results"), "{problem}");
}

#[test]
fn a_thread_dependent_stripe_is_caught_at_the_end_even_without_prefill() {
    // Each thread sees its own writes, and a miss on another thread's key is possible, so only
    // the final check from another thread can tell.
    let sets = [("prefill", "0"), ("mix", "exchange")];
    let Check::Violated(problem) = run("thread-salted-stripes", 2, &sets, 1_000) else {
        panic!("a thread-dependent stripe choice passed")
    };
    assert!(problem.contains("keys not as their owner left them"), "{problem}");
}

#[test]
fn bad_parameters_are_refused() {
    let check = |sets: &[(&str, &str)]| {
        let overrides: Vec<_> = sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Params::resolve("map", PARAMS, &overrides).map_err(|e| e.to_string())
    };
    let shares = |read| {
        [("mix", "custom"), ("read", read), ("insert", "5"), ("remove", "5"), ("update", "0")]
    };
    let short = check(&shares("80")).unwrap_err();
    assert!(
        short.ends_with(
            "the shares must add up to 100, not 90 (read=80, insert=5, remove=5, update=0, \
             upsert=0)"
        ),
        "{short}"
    );
    assert!(check(&shares("90")).is_ok());
    assert!(check(&[("read", "100")]).unwrap_err().contains("only with mix=custom"));
    assert!(check(&[("prefill", "1.5")]).is_err());
    assert!(check(&[("keys", "0")]).is_err());
    assert!(check(&[("stripes", "0")]).is_err());
}
