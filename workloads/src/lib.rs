//! Workloads: each one generic over the primitives' traits, each checking its invariant on every
//! run, so that every benchmark is also a stress test.
//!
//! | workload | what it measures | invariant |
//! |---|---|---|
//! | [`counter`] | threads incrementing one shared counter | final count = increments made |
//! | [`buffer`] | producers and consumers through a bounded queue | every item once, in order |
//! | [`semaphore`] | threads contending for K permits | never more than K holders |
//! | [`rwcache`] | readers and writers of RW-locked cache entries | no torn read, no overlap |
//! | [`lru`] | a bounded LRU cache under Zipf keys | size ≤ capacity, values of their key |
//! | [`cow`] | readers of a copy-on-write list while writers append | snapshots are prefixes |
//! | [`lazy_init`] | threads racing to initialise lazy cells | one initialisation per cell |
//! | [`map`] | a bustle-style operation mix on a concurrent map | every result possible, sizes add up |
//! | [`spawn`] | threads against processes: start-up, round trip, channel against pipe | every item back once |
//! | [`stack`] | random pushes and pops on a concurrent stack or queue | every item popped once |
//! | [`executors`] | pool, balance and sleep: tasks on executors | every task exactly once |
//! | [`hazards`] | bank, philosophers, livelock, banker, starvation: deadlock and friends | no money lost, no fork shared, safe states... |
//!
//! The runner sees workloads only through [`Workload`], [`Trial`] and [`Worker`]
//! (in [`workload`]); [`Registry`] lists them by name.

pub mod buffer;
pub mod busy_work;
pub mod catalog;
pub mod claims;
pub mod counter;
pub mod cow;
pub mod executors;
pub mod fifo_fairness;
pub mod hazards;
pub mod homes;
pub mod keys;
pub mod lazy_init;
pub mod lru;
pub mod map;
pub mod metrics;
pub mod params;
pub mod registry;
pub mod rwcache;
pub mod semaphore;
pub mod spawn;
pub mod stack;
pub mod tally;
#[cfg(test)]
mod testing;
pub mod workload;

pub use claims::Claim;
pub use metrics::Metrics;
pub use params::{ParamError, ParamKind, ParamSpec, Params, Range, Shares};
pub use registry::Registry;
pub use workload::{Check, ImplInfo, ImplKind, Role, Trial, TrialSetup, Worker, Workload};
