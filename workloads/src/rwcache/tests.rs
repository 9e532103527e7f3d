//! The rwcache workload against parking_lot's RW lock and a lock that loses writes.

use super::*;
use crate::testing::run_trial;

struct ParkingLot;
impl RwLockFamily for ParkingLot {
    type Lock<const WORDS: usize> = parking_lot::RwLock<[u64; WORDS]>;
}

/// Broken on purpose: a write copies the value out, changes the copy with the lock released, and
/// stores it back, so two writers can both start from the same version and one write is lost.
struct CopyThenStore<T>(parking_lot::Mutex<T>);

impl<T: Copy + Send + Sync> RwLock<T> for CopyThenStore<T> {
    fn new(value: T) -> Self {
        Self(parking_lot::Mutex::new(value))
    }

    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0.lock())
    }

    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut copy = *self.0.lock();
        let result = f(&mut copy);
        std::thread::yield_now(); // widens the window
        *self.0.lock() = copy;
        result
    }
}

struct LosesWrites;
impl RwLockFamily for LosesWrites {
    type Lock<const WORDS: usize> = CopyThenStore<[u64; WORDS]>;
}

fn run(name: &str, threads: usize, sets: &[(&str, &str)], ops: u64) -> Check {
    let workload = RwCacheWorkload::empty()
        .with::<ParkingLot>("parking-lot", ImplKind::Library, "parking_lot::RwLock")
        .with::<LosesWrites>("loses-writes", ImplKind::Demonstration, "copy, then store");
    run_trial(&workload, name, threads, 3, sets, |_, worker| {
        assert_eq!(worker.run(ops), ops);
        ops
    })
}

#[test]
fn a_correct_lock_holds_for_every_value_size_and_mix() {
    for value_bytes in ["16", "64", "256"] {
        for read_percent in ["0", "50", "100"] {
            let sets =
                [("value_bytes", value_bytes), ("read_percent", read_percent), ("keys", "4")];
            let check = run("parking-lot", 3, &sets, 5_000);
            assert!(matches!(check, Check::Held(_)), "{sets:?}: {check:?}");
        }
    }
}

#[test]
fn writes_are_counted_and_kept() {
    let Check::Held(summary) = run("parking-lot", 1, &[("read_percent", "0")], 1_000) else {
        panic!("violated")
    };
    assert!(summary.contains("1000 writes all kept"), "{summary}");
}

#[test]
fn a_lock_that_loses_writes_is_caught() {
    let sets = [("read_percent", "50"), ("keys", "1")];
    let caught =
        (0..10).any(|_| matches!(run("loses-writes", 4, &sets, 2_000), Check::Violated(_)));
    assert!(caught, "the copy-then-store lock passed 10 runs");
}

#[test]
fn bad_parameters_are_refused() {
    let params =
        |k: &str, v: &str| crate::Params::resolve("rwcache", PARAMS, &[(k.into(), v.into())]);
    assert!(params("read_percent", "101").is_err());
    assert!(params("read_percent", "100").is_ok());
    assert!(params("keys", "0").is_err());
    assert!(params("keys", "64").is_ok());
}
