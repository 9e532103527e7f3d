//! Where each hand-rolled primitive is meant to win: its home workload, the rivals it must be
//! measured against there, and the axis on which its design claims an edge. `syncbench homes`
//! prints this table and `scripts/scoreboard.sh` runs exactly these pairs.
//!
//! Hazard workloads (bank, philosophers, livelock, banker, starvation, balance) demonstrate
//! protocols rather than race rivals, and variants that exist to show a trade-off inside one
//! design (the strict parking ticket lock, the spin-locked LRU, the striped map's lock choices)
//! are compared with their own family, not scored here.

/// What the hand-rolled one is meant to be better at than its rivals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// More operations per second.
    Throughput,
    /// A lower p99 latency.
    TailLatency,
    /// A more even share of operations across threads (Jain's index).
    Fairness,
}

impl Axis {
    /// The label `syncbench homes` prints and the scoreboard reads.
    pub fn label(self) -> &'static str {
        match self {
            Axis::Throughput => "throughput",
            Axis::TailLatency => "tail-latency",
            Axis::Fairness => "fairness",
        }
    }
}

/// One hand-rolled primitive at home.
#[derive(Debug, Clone, Copy)]
pub struct Home {
    pub workload: &'static str,
    /// The hand-rolled implementation's name in that workload.
    pub implementation: &'static str,
    /// Its natural rivals there (library, std-based or the simpler hand-rolled design it improves
    /// on), best-known first.
    pub rivals: &'static [&'static str],
    pub axis: Axis,
    /// Why it should win on that axis, in a few words (at most 48 characters, so that the
    /// scoreboard's `meant to win on tail-latency: ...` line fits 80 columns).
    pub claim: &'static str,
    /// `key=value` settings of the workload's parameters for the comparison (the workload's
    /// default where none is given); one representative set, so that a workload whose defaults
    /// sweep many sets stays within the scoreboard's time budget. Homes of one workload agree.
    pub set: &'static [&'static str],
}

use Axis::{Fairness, TailLatency, Throughput};

/// The map's comparison: the read-mostly mix on uniform keys, at the default stripes.
const MAP_SET: &[&str] = &["mix=read-heavy", "distribution=uniform", "stripes=64"];

/// Every hand-rolled primitive that has a rival, by workload.
pub const HOMES: &[Home] = &[
    Home {
        workload: "counter",
        implementation: "spin-lock",
        rivals: &["parking-lot-mutex", "std-mutex"],
        axis: Throughput,
        claim: "one CAS to lock, one store to unlock; no parking",
        set: &[],
    },
    Home {
        workload: "counter",
        implementation: "ticket-lock",
        rivals: &["parking-lot-fair-mutex"],
        axis: Fairness,
        claim: "FIFO by construction; collapses oversubscribed",
        set: &[],
    },
    Home {
        workload: "counter",
        implementation: "parking-ticket-lock",
        rivals: &["parking-lot-fair-mutex"],
        axis: Fairness,
        claim: "FIFO turns that survive more threads than cores",
        set: &[],
    },
    Home {
        workload: "counter",
        implementation: "sharded-counter",
        rivals: &["atomic-counter"],
        axis: Throughput,
        claim: "no shared line written per increment",
        set: &[],
    },
    Home {
        workload: "counter",
        implementation: "reentrant-lock",
        rivals: &["parking-lot-reentrant-mutex"],
        axis: Throughput,
        claim: "owner check and depth over a spin lock",
        set: &[],
    },
    Home {
        workload: "buffer",
        implementation: "condvar-buffer",
        rivals: &["parking-lot-mutex-condvar", "std-mutex-condvar"],
        axis: Throughput,
        claim: "notifies only counted sleepers",
        set: &[],
    },
    Home {
        workload: "buffer",
        implementation: "vyukov-ring",
        rivals: &["crossbeam-array-queue", "crossbeam-bounded"],
        axis: Throughput,
        claim: "one CAS per push or pop, a stamp per slot",
        set: &[],
    },
    Home {
        workload: "semaphore",
        implementation: "atomic-semaphore",
        rivals: &["parking-lot-condvar-semaphore", "std-condvar-semaphore"],
        axis: Throughput,
        claim: "a CAS per permit; parks only when none are free",
        set: &[],
    },
    Home {
        workload: "rwcache",
        implementation: "reader-pref-rwlock",
        rivals: &["parking-lot-rwlock", "std-rwlock"],
        axis: Throughput,
        claim: "one word, readers never wait for waiting writers",
        set: &[],
    },
    Home {
        workload: "rwcache",
        implementation: "writer-pref-rwlock",
        rivals: &["parking-lot-rwlock", "std-rwlock"],
        axis: TailLatency,
        claim: "a waiting writer stops new readers",
        set: &[],
    },
    Home {
        workload: "rwcache",
        implementation: "sharded-rwlock",
        rivals: &["crossbeam-sharded-lock", "parking-lot-rwlock"],
        axis: Throughput,
        claim: "a read writes only its own cache line",
        set: &[],
    },
    Home {
        workload: "rwcache",
        implementation: "seqlock",
        rivals: &["parking-lot-rwlock"],
        axis: Throughput,
        claim: "a read writes nothing shared",
        set: &[],
    },
    Home {
        workload: "lru",
        implementation: "lru-cache",
        rivals: &["lru-crate-parking-lot"],
        axis: Throughput,
        claim: "slab-backed recency list, no allocation per hit",
        set: &[],
    },
    Home {
        workload: "lru",
        implementation: "sharded-lru-cache",
        rivals: &["lru-crate-parking-lot"],
        axis: Throughput,
        claim: "independently locked shards",
        set: &[],
    },
    Home {
        workload: "cow",
        implementation: "copy-on-write-list",
        rivals: &["arc-swap-list", "rwlock-vec-list", "mutex-vec-list"],
        axis: Throughput,
        claim: "readers revalidate a cached Arc with one load",
        set: &[],
    },
    Home {
        workload: "lazy-init",
        implementation: "double-checked",
        rivals: &["std-once-lock"],
        axis: Throughput,
        claim: "one Acquire load once initialised",
        set: &[],
    },
    Home {
        workload: "map",
        implementation: "striped",
        rivals: &["parking-lot-mutex-hashmap", "dashmap"],
        axis: Throughput,
        claim: "keys spread over cache-padded stripes",
        set: MAP_SET,
    },
    Home {
        workload: "map",
        implementation: "striped-rw",
        rivals: &["parking-lot-rwlock-hashmap", "dashmap"],
        axis: Throughput,
        claim: "gets share a stripe",
        set: MAP_SET,
    },
    Home {
        workload: "stack",
        implementation: "treiber-stack",
        rivals: &["parking-lot-mutex-vec", "mutex-vec"],
        axis: Throughput,
        claim: "lock-free CAS on the head",
        set: &[],
    },
    Home {
        workload: "stack",
        implementation: "ms-queue",
        rivals: &["seg-queue", "mutex-vecdeque"],
        axis: Throughput,
        claim: "lock-free, head and tail on separate lines",
        set: &[],
    },
    Home {
        workload: "stack",
        implementation: "tagged-arena-stack",
        rivals: &["array-queue", "parking-lot-mutex-vec"],
        axis: Throughput,
        claim: "no allocation per push, ABA-proof tag",
        set: &[],
    },
    Home {
        workload: "pool",
        implementation: "thread-pool",
        rivals: &["rayon-pool"],
        axis: Throughput,
        claim: "one FIFO, wakes only sleepers",
        set: &["task=medium"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use crate::workload::ImplKind;

    /// Every home names a hand-rolled implementation of its workload and rivals that exist there;
    /// a misspelt rival (the twin) is caught by the same lookup.
    #[test]
    fn every_home_and_rival_exists() {
        let registry = Registry::standard();
        let find = |workload: &str, name: &str| {
            registry
                .get(workload)
                .and_then(|w| w.implementations().into_iter().find(|i| i.name == name))
        };
        for home in HOMES {
            let own = find(home.workload, home.implementation)
                .unwrap_or_else(|| panic!("{}/{} missing", home.workload, home.implementation));
            assert_eq!(own.kind, ImplKind::HandRolled, "{}", home.implementation);
            assert!(!home.rivals.is_empty());
            assert!(home.claim.chars().count() <= 48, "{}: claim too long", home.implementation);
            for rival in home.rivals {
                assert!(find(home.workload, rival).is_some(), "{}/{rival} missing", home.workload);
                assert_ne!(rival, &home.implementation);
            }
        }
        assert!(find("counter", "parking-lot-fare-mutex").is_none(), "the twin: a misspelt rival");
        for home in HOMES {
            let first = HOMES.iter().find(|h| h.workload == home.workload).unwrap();
            assert_eq!(
                home.set, first.set,
                "{}: homes of one workload share settings",
                home.workload
            );
            let params = registry.get(home.workload).unwrap().params();
            for setting in home.set {
                let (key, _) = setting.split_once('=').expect("key=value");
                assert!(
                    params.iter().any(|p| p.name == key),
                    "{}: no parameter {key}",
                    home.workload
                );
            }
        }
    }
}
