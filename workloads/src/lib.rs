//! Workloads: each one generic over the primitives' traits, each checking its invariant on every
//! run, so that every benchmark is also a stress test.
//!
//! | workload | what it measures | invariant |
//! |---|---|---|
//! | [`counter`] | threads incrementing one shared counter | final count = increments made |
//!
//! The runner sees workloads only through [`Workload`], [`Trial`] and [`Worker`]
//! (in [`workload`]); [`Registry`] lists them by name.

pub mod buffer;
pub mod busy_work;
pub mod catalog;
pub mod counter;
pub mod cow;
pub mod executors;
pub mod keys;
pub mod lazy_init;
pub mod lru;
pub mod map;
pub mod metrics;
pub mod params;
pub mod registry;
pub mod rwcache;
pub mod semaphore;
#[cfg(test)]
mod testing;
pub mod workload;

pub use metrics::Metrics;
pub use params::{ParamError, ParamKind, ParamSpec, Params};
pub use registry::Registry;
pub use workload::{Check, ImplInfo, ImplKind, Role, Trial, TrialSetup, Worker, Workload};
