//! `rwcache`: a read-mostly cache of `keys` entries, each behind its own reader–writer lock.
//!
//! Threads read and write entries drawn from a key distribution, with `read_percent` reads. Every
//! value is `value_bytes` of words that all hold `key << 32 | version`; a write bumps the version in
//! every word. So a reader that overlaps a writer sees words that disagree (a torn read), a reader
//! handed a wrong entry sees a wrong key, and two writers that overlap lose a version.
//!
//! Latency is kept apart for reads and writes: every write is timed alone (the `write` histogram,
//! whose maximum is the longest a writer waited: writer starvation shows there), and one read in
//! [`READ_SAMPLE`] (the `read` histogram), since a clock read costs more than a seqlock read.
//!
//! Invariant, checked on every run: no torn or misplaced read, no overlapping writers, and each
//! entry's final version equals the writes made to it.

mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use crossbeam_utils::CachePadded;
use primitives::rwlock::RwLock;
use primitives::rwlock_reader_pref::ReaderPrefRwLock;
use primitives::rwlock_sharded::ShardedRwLock;
use primitives::rwlock_writer_pref::WriterPrefRwLock;
use primitives::seqlock::SeqLock;

use crate::catalog::Catalog;
use crate::keys::{KeyDistribution, DISTRIBUTION, SKEW};
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};
use worker::RwCacheWorker;

/// One read in this many is timed alone.
pub const READ_SAMPLE: u64 = 16;
/// Histogram of sampled read latencies.
pub const READ: &str = "read";
/// Histogram of write latencies, waiting for the lock included.
pub const WRITE: &str = "write";

/// Most keys a run may ask for (each thread counts its writes per key).
const MAX_KEYS: u64 = 1 << 20;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "read_percent",
        kind: ParamKind::Count(Range::new(0, 100)),
        default: "99",
        help: "share of operations that read, in percent (try 50,90,99,100)",
    },
    ParamSpec {
        name: "keys",
        kind: ParamKind::Count(Range::new(1, MAX_KEYS).drawn_to(4096)),
        default: "16",
        help: "entries in the cache",
    },
    DISTRIBUTION,
    SKEW,
    ParamSpec {
        name: "value_bytes",
        kind: ParamKind::Choice(&["16", "64", "256"]),
        default: "64",
        help: "bytes per value",
    },
];

/// Names an RW lock type for every value size, so the size can be chosen at run time.
pub trait RwLockFamily: 'static {
    type Lock<const WORDS: usize>: RwLock<[u64; WORDS]> + 'static;
}

/// Declares an [`RwLockFamily`] marker: `$lock<[u64; W]>` for a lock generic over its value.
macro_rules! rwlock_family {
    ($family:ident => $($lock:ident)::+) => {
        #[doc = concat!("`", stringify!($($lock)::+), "` over any value size.")]
        pub struct $family;
        impl RwLockFamily for $family {
            type Lock<const WORDS: usize> = $($lock)::+<[u64; WORDS]>;
        }
    };
}

rwlock_family!(ReaderPrefFamily => ReaderPrefRwLock);
rwlock_family!(WriterPrefFamily => WriterPrefRwLock);
rwlock_family!(ShardedFamily => ShardedRwLock);
rwlock_family!(StdRwLockFamily => std::sync::RwLock);
rwlock_family!(ParkingLotRwLockFamily => parking_lot::RwLock);
rwlock_family!(ShardedLockFamily => crossbeam_utils::sync::ShardedLock);

/// The seqlock over any value size.
pub struct SeqLockFamily;
impl RwLockFamily for SeqLockFamily {
    type Lock<const WORDS: usize> = SeqLock<WORDS>;
}

/// What one trial is built from.
#[derive(Debug, Clone, Copy)]
struct RwCacheSetup {
    keys: u64,
    read_percent: u32,
    distribution: KeyDistribution,
    seed: u64,
    value_words: usize,
}

/// The rwcache workload over any set of [`RwLock`] implementations.
pub struct RwCacheWorkload {
    catalog: Catalog<RwCacheSetup>,
}

impl RwCacheWorkload {
    /// A workload with no implementations yet; add them with [`RwCacheWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every RW lock this project ships: hand-rolled and library.
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        Self::empty()
            .with::<ReaderPrefFamily>(
                "reader-pref-rwlock",
                HandRolled,
                "reader-preferring: readers enter whenever no writer holds it (writers can starve)",
            )
            .with::<WriterPrefFamily>(
                "writer-pref-rwlock",
                HandRolled,
                "writer-preferring: a waiting writer holds new readers back",
            )
            .with::<ShardedFamily>(
                "sharded-rwlock",
                HandRolled,
                "reader-sharded: a read writes only its thread's padded slot; writers scan all slots",
            )
            .with::<SeqLockFamily>(
                "seqlock",
                HandRolled,
                "sequence lock: a read writes nothing shared and retries if a write overlapped",
            )
            .with::<StdRwLockFamily>("std-rwlock", Library, "std::sync::RwLock (futex)")
            .with::<ParkingLotRwLockFamily>("parking-lot-rwlock", Library, "parking_lot::RwLock")
            .with::<ShardedLockFamily>(
                "crossbeam-sharded-lock",
                Library,
                "crossbeam ShardedLock: a reader lock per shard, writers take them all",
            )
    }

    /// Adds the lock family `F` under `name`.
    pub fn with<F: RwLockFamily>(mut self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.catalog.add(name, kind, about, |setup: &RwCacheSetup| match setup.value_words {
            2 => Box::new(RwCacheTrial::<F::Lock<2>, 2>::new(setup)),
            8 => Box::new(RwCacheTrial::<F::Lock<8>, 8>::new(setup)),
            _ => Box::new(RwCacheTrial::<F::Lock<32>, 32>::new(setup)),
        });
        self
    }
}

impl Workload for RwCacheWorkload {
    fn name(&self) -> &str {
        "rwcache"
    }

    fn about(&self) -> &str {
        "threads read and write entries of a cache, each entry behind a reader-writer lock"
    }

    fn invariant(&self) -> &str {
        "no torn or misplaced read, no overlapping writers, final versions = writes made"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let params = setup.params;
        let rwcache_setup = RwCacheSetup {
            keys: params.number("keys"),
            read_percent: params.number("read_percent") as u32,
            distribution: KeyDistribution::from_params(params),
            seed: setup.seed,
            value_words: match params.choice("value_bytes") {
                "16" => 2,
                "64" => 8,
                "256" => 32,
                other => unreachable!("'{other}' is not a declared value size"),
            },
        };
        self.catalog.make(implementation, &rwcache_setup)
    }
}

/// One cache entry: its lock and a flag that only writers touch, to catch two writers inside.
struct Slot<L> {
    lock: L,
    writer_inside: AtomicBool,
}

/// The shared state of one rwcache trial.
struct RwCacheTrial<L, const WORDS: usize> {
    slots: Vec<CachePadded<Slot<L>>>,
    setup: RwCacheSetup,
    /// Problems the workers saw, added up as each finishes.
    torn_reads: AtomicU64,
    misplaced_reads: AtomicU64,
    overlapping_writes: AtomicU64,
    /// Writes made to each key, added up as each worker finishes.
    writes: Mutex<Vec<u64>>,
}

/// The value of `key` at `version`: every word the same.
#[inline]
fn value_word(key: u64, version: u64) -> u64 {
    key << 32 | (version & 0xffff_ffff)
}

impl<L: RwLock<[u64; WORDS]>, const WORDS: usize> RwCacheTrial<L, WORDS> {
    fn new(setup: &RwCacheSetup) -> Self {
        let slots = (0..setup.keys)
            .map(|key| {
                let lock = L::new([value_word(key, 0); WORDS]);
                CachePadded::new(Slot { lock, writer_inside: AtomicBool::new(false) })
            })
            .collect();
        Self {
            slots,
            setup: *setup,
            torn_reads: AtomicU64::new(0),
            misplaced_reads: AtomicU64::new(0),
            overlapping_writes: AtomicU64::new(0),
            writes: Mutex::new(vec![0; setup.keys as usize]),
        }
    }
}

impl<L: RwLock<[u64; WORDS]>, const WORDS: usize> Trial for RwCacheTrial<L, WORDS> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(RwCacheWorker::new(self, index))
    }

    fn check(&self, _ops: u64) -> Check {
        let mut problems = Vec::new();
        for (count, what) in [
            (self.torn_reads.load(Ordering::Relaxed), "torn reads (a writer overlapped a reader)"),
            (self.misplaced_reads.load(Ordering::Relaxed), "reads of another key's value"),
            (self.overlapping_writes.load(Ordering::Relaxed), "overlapping writes"),
        ] {
            if count > 0 {
                problems.push(format!("{count} {what}"));
            }
        }
        let writes = self.writes.lock().expect("a worker panicked");
        let lost: u64 = self
            .slots
            .iter()
            .zip(writes.iter())
            .enumerate()
            .filter(|(key, (slot, &made))| {
                let final_word = slot.lock.read(|value| value[0]);
                final_word != value_word(*key as u64, made)
            })
            .count() as u64;
        if lost > 0 {
            problems.push(format!("{lost} keys whose final version is not the writes made"));
        }
        if problems.is_empty() {
            let total: u64 = writes.iter().sum();
            Check::Held(format!("no torn read, no overlapping writers; {total} writes all kept"))
        } else {
            Check::Violated(problems.join("; "))
        }
    }
}

#[cfg(test)]
mod tests;
