//! `map`: threads run a mix of gets, inserts, removes, updates and upserts on one concurrent hash
//! map, in the style of bustle (jonhoo/bustle) and conc-map-bench.
//!
//! The map starts with `prefill` of its `keys` keys present (a seeded choice of keys). Each thread
//! replays its own operations, drawn before timing from the run's seed: kinds from the mix, keys
//! from the key distribution. Throughput is map operations per second; the runner times them in
//! batches (an operation takes tens of nanoseconds, less than a clock read).
//!
//! Invariant, checked on every run: every operation's result is possible. Each thread owns the
//! keys `k % threads == thread` and alone writes them (see `plan.rs`), so every result on an owned
//! key is checked exactly: an insert of an absent key succeeds and of a present one fails, a remove
//! succeeds exactly when the key is present, an update sees exactly the value last written, a get
//! returns exactly that value or nothing. A get of another thread's key may find nothing or a value
//! of that key, never another key's. After the run, the size equals the prefill plus the
//! successful inserts (upserts that inserted included) minus the successful removes, and every key
//! holds exactly what its owner last left in it.

mod mix;
mod plan;
mod value;
mod violations;
mod worker;

use std::collections::HashMap;
use std::hash::RandomState;
use std::sync::Mutex;

use primitives::map::ConcurrentMap;
use primitives::rwlock_sharded::RawShardedRwLock;
use primitives::rwlock_writer_pref::RawWriterPrefRwLock;
use primitives::splitmix;
use primitives::striped_map::{StripedMap, StripedRwMap, MAX_STRIPES};
use primitives::SpinLock;

use crate::catalog::Catalog;
use crate::keys::{KeyDistribution, DISTRIBUTION, SKEW};
use crate::params::{ParamKind, ParamSpec, Params, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};
pub use mix::{Mix, OpKind, CUSTOM, MIX, SHARES};
use plan::{Ownership, MAX_KEYS};
use value::{value_of, OwnedKey};
use violations::Violations;
use worker::MapWorker;
pub use worker::{READ_HITS, READ_MISSES, WRITES_CHANGED, WRITES_UNCHANGED};

const PARAMS: &[ParamSpec] = &[
    MIX,
    ParamSpec { default: "uniform,zipf,hotspot", ..DISTRIBUTION },
    SKEW,
    ParamSpec {
        name: "keys",
        kind: ParamKind::Count(Range::new(1, MAX_KEYS).drawn_to(1 << 18)),
        default: "65536",
        help: "key space; the map is created with room for all of them",
    },
    ParamSpec {
        name: "prefill",
        kind: ParamKind::Decimal(Range::decimal(0.0, 1.0)),
        default: "0.5",
        help: "fraction of the keys present before the run",
    },
    ParamSpec {
        name: "stripes",
        kind: ParamKind::Count(Range::new(1, MAX_STRIPES as u64).drawn_to(1024)),
        default: "64,4",
        help:
            "stripes of the striped maps (the others run at the first value only); try 1,2,4,16,64",
    },
    SHARES[0],
    SHARES[1],
    SHARES[2],
    SHARES[3],
    SHARES[4],
];

/// The map's parameters, read once from a resolved [`Params`] (whose declarations checked every
/// rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapParams {
    pub mix: Mix,
    pub distribution: KeyDistribution,
    pub keys: u64,
    /// Fraction of the keys present before the run.
    pub prefill: f64,
    pub stripes: usize,
}

impl MapParams {
    pub fn from_params(params: &Params) -> Self {
        Self {
            mix: Mix::from_params(params),
            distribution: KeyDistribution::from_params(params),
            keys: params.number("keys"),
            prefill: params.decimal("prefill"),
            stripes: params.number("stripes") as usize,
        }
    }
}

/// What one trial is built from.
#[derive(Debug, Clone, Copy)]
struct MapSetup {
    params: MapParams,
    threads: usize,
    seed: u64,
}

/// Builds an empty map from a stripe count (ignored by unstriped maps) and a capacity.
pub type MakeMap<M> = fn(stripes: usize, capacity: usize) -> M;

/// The map workload over any set of [`ConcurrentMap`] implementations.
pub struct MapWorkload {
    catalog: Catalog<MapSetup>,
}

type Table = HashMap<u64, u64>;

impl MapWorkload {
    /// A workload with no implementations yet; add them with [`MapWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every map this project ships: hand-rolled striped maps and library rivals. Every table
    /// hashes with std's `RandomState` (SipHash-1-3), as DashMap's and the others' defaults do;
    /// the striped maps pick the stripe with a multiply hash of their own.
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        Self::empty()
            .with_striped::<StripedMap<u64, u64>>(
                "striped",
                HandRolled,
                "lock striping: cache-padded parking_lot mutexes, each around its own HashMap",
                StripedMap::with_stripes,
            )
            .with_striped::<StripedMap<u64, u64, RandomState, SpinLock<Table>>>(
                "striped-spin",
                HandRolled,
                "lock striping with the hand-rolled test-and-test-and-set spin lock",
                StripedMap::with_stripes,
            )
            .with_striped::<StripedRwMap<u64, u64>>(
                "striped-rw",
                HandRolled,
                "lock striping with parking_lot RW locks: gets share a stripe",
                StripedRwMap::with_stripes,
            )
            .with_striped::<StripedRwMap<u64, u64, RandomState, RawWriterPrefRwLock>>(
                "striped-rw-writer-pref",
                HandRolled,
                "lock striping with the hand-rolled writer-preferring RW lock",
                StripedRwMap::with_stripes,
            )
            .with_striped::<StripedRwMap<u64, u64, RandomState, RawShardedRwLock>>(
                "striped-sharded-rw",
                HandRolled,
                "reader-sharded RW-lock stripes (hand-rolled): a get writes only its thread's slot",
                StripedRwMap::with_stripes,
            )
            .with::<std::sync::Mutex<Table>>(
                "std-mutex-hashmap",
                Library,
                "one std Mutex around a HashMap",
            )
            .with::<std::sync::RwLock<Table>>(
                "std-rwlock-hashmap",
                Library,
                "one std RwLock around a HashMap",
            )
            .with::<parking_lot::Mutex<Table>>(
                "parking-lot-mutex-hashmap",
                Library,
                "one parking_lot Mutex around a HashMap",
            )
            .with::<parking_lot::RwLock<Table>>(
                "parking-lot-rwlock-hashmap",
                Library,
                "one parking_lot RwLock around a HashMap",
            )
            .with::<dashmap::DashMap<u64, u64>>(
                "dashmap",
                Library,
                "DashMap: RW-locked shards (4 per CPU), one SipHash per operation",
            )
            .with::<scc::HashMap<u64, u64>>(
                "scc-hashmap",
                Library,
                "scc::HashMap: bucket locks, lock-free reads, incremental resize",
            )
            .with::<papaya::HashMap<u64, u64>>(
                "papaya",
                Library,
                "papaya: lock-free, epoch-reclaimed; updates copy and compare-and-swap",
            )
    }

    /// Adds the map `M`, built by [`ConcurrentMap::with_capacity`], under `name`.
    pub fn with<M: ConcurrentMap<u64, u64> + 'static>(
        self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        let info = ImplInfo::new(name, kind, about).ignoring(&["stripes"]);
        self.with_info(info, |_, capacity| M::with_capacity(capacity))
    }

    /// Adds the map `M`, built by `make` from the `stripes` parameter, under `name`.
    pub fn with_striped<M: ConcurrentMap<u64, u64> + 'static>(
        self,
        name: &str,
        kind: ImplKind,
        about: &str,
        make: MakeMap<M>,
    ) -> Self {
        self.with_info(ImplInfo::new(name, kind, about), make)
    }

    /// Adds the map `M` that `info` describes, built by `make`.
    pub fn with_info<M: ConcurrentMap<u64, u64> + 'static>(
        mut self,
        info: ImplInfo,
        make: MakeMap<M>,
    ) -> Self {
        self.catalog.add_info(info, move |setup: &MapSetup| {
            let MapParams { stripes, keys, .. } = setup.params;
            Box::new(MapTrial::new(make(stripes, keys as usize), setup))
        });
        self
    }
}

impl Workload for MapWorkload {
    fn name(&self) -> &str {
        "map"
    }

    fn about(&self) -> &str {
        "threads get, insert, remove, update and upsert keys of one concurrent hash map (bustle)"
    }

    fn invariant(&self) -> &str {
        "every result possible (exact on the thread's own keys); final size = prefill + inserts - \
         removes; every key as its owner left it"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let map_setup = MapSetup {
            params: MapParams::from_params(setup.params),
            threads: setup.threads.max(1),
            seed: setup.seed,
        };
        self.catalog.make(implementation, &map_setup)
    }
}

/// The shared state of one map trial.
pub struct MapTrial<M> {
    map: M,
    setup: MapSetup,
    ownership: Ownership,
    /// Keys present before the run.
    prefilled_keys: u64,
    /// What the workers reported as each finished.
    finished: Mutex<Finished>,
}

/// The workers' reports, gathered as each finishes.
#[derive(Default)]
struct Finished {
    /// Each thread's final knowledge of its keys, by thread; `None` until it finishes.
    owned: Vec<Option<Vec<OwnedKey>>>,
    inserted: u64,
    removed: u64,
    violations: Violations,
}

impl<M: ConcurrentMap<u64, u64>> MapTrial<M> {
    /// `map`, filled with the prefill, ready for `setup.threads` workers.
    fn new(map: M, setup: &MapSetup) -> Self {
        let mut trial = Self {
            map,
            setup: *setup,
            ownership: Ownership::new(setup.params.keys, setup.threads),
            prefilled_keys: 0,
            finished: Mutex::new(Finished {
                owned: vec![None; setup.threads],
                ..Finished::default()
            }),
        };
        let mut violations = Violations::default();
        let mut prefilled_keys = 0;
        for key in (0..setup.params.keys).filter(|&key| trial.prefilled(key)) {
            if !trial.map.insert(key, value_of(key, 0)) {
                violations.note(|| format!("prefill: insert({key}) into a new map failed"));
            }
            prefilled_keys += 1;
        }
        trial.prefilled_keys = prefilled_keys;
        trial.finished.get_mut().expect("not shared yet").violations = violations;
        trial
    }

    /// Whether `key` is present before the run: a seeded coin with odds `prefill`, so that the
    /// prefilled keys are spread over the key space (and over the hot keys) and need no table.
    fn prefilled(&self, key: u64) -> bool {
        let z = splitmix::finalise(
            self.setup.seed ^ 0x7072_6566_696c_6c00 ^ key.wrapping_mul(splitmix::GAMMA),
        );
        ((z >> 11) as f64 / (1u64 << 53) as f64) < self.setup.params.prefill
    }

    /// Takes the final report of worker `thread`.
    fn record_finish(
        &self,
        thread: usize,
        owned: Vec<OwnedKey>,
        inserted: u64,
        removed: u64,
        violations: &Violations,
    ) {
        let mut finished = self.finished.lock().expect("a worker panicked");
        finished.owned[thread] = Some(owned);
        finished.inserted += inserted;
        finished.removed += removed;
        finished.violations.merge(violations);
    }

    /// Keys that do not hold what their owner last left in them (a thread that never ran left its
    /// keys as prefilled): the count and the first one, described.
    fn keys_not_as_left(&self, finished: &Finished) -> (u64, Option<String>) {
        let (mut wrong, mut first) = (0, None);
        for (thread, owned) in finished.owned.iter().enumerate() {
            for slot in 0..self.ownership.owned_by(thread) {
                let key = self.ownership.key_at(thread, slot);
                let expected = match owned {
                    Some(owned) => owned[slot].expected(key),
                    None => self.prefilled(key).then(|| value_of(key, 0)),
                };
                let found = self.map.get(&key);
                if found != expected {
                    wrong += 1;
                    first.get_or_insert_with(|| {
                        format!("key {key} holds {found:x?}, expected {expected:x?}")
                    });
                }
            }
        }
        (wrong, first)
    }
}

impl<M: ConcurrentMap<u64, u64>> Trial for MapTrial<M> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(MapWorker::new(self, index))
    }

    fn check(&self, ops: u64) -> Check {
        let finished = self.finished.lock().expect("a worker panicked");
        let mut problems = Vec::new();
        if finished.violations.count() > 0 {
            problems.push(finished.violations.summary());
        }
        let (prefilled, inserted, removed) =
            (self.prefilled_keys, finished.inserted, finished.removed);
        let expected_len = i128::from(prefilled) + i128::from(inserted) - i128::from(removed);
        let len = self.map.len();
        if len as i128 != expected_len {
            problems.push(format!(
                "size {len}, expected {prefilled} prefilled + {inserted} inserted - {removed} \
                 removed = {expected_len}"
            ));
        }
        let (wrong_keys, first) = self.keys_not_as_left(&finished);
        if let Some(first) = first {
            problems.push(format!("{wrong_keys} keys not as their owner left them, e.g. {first}"));
        }
        if problems.is_empty() {
            Check::Held(format!(
                "{ops} ops, every result possible; size {len} = {prefilled} prefilled + \
                 {inserted} inserted - {removed} removed; every key as its owner left it"
            ))
        } else {
            Check::Violated(problems.join("; "))
        }
    }
}

#[cfg(test)]
mod tests;
