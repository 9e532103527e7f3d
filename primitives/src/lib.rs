//! Hand-rolled concurrency primitives, and the traits through which they, the standard library and
//! well-kept crates are benchmarked side by side.
//!
//! | primitive | algorithm |
//! |---|---|
//! | [`SpinLock`] | test-and-test-and-set with exponential backoff; unfair |
//! | [`TicketLock`] | ticket lock: take a number, wait until it is served; FIFO-fair |
//! | [`ReentrantLock`] | owner thread id and depth over any raw lock |
//! | [`counters`] | racy (a demonstration), atomic, sharded and cache-padded, locked, reentrant |
//!
//! Traits: [`Lock`] and [`Reentrant`] (in [`lock`]), [`Counter`] (in [`counters`]). Library rivals
//! plug in through [`adapters`]. Atomics come from the private `sync` shim, which switches to
//! loom under `--cfg loom` so the same code is model-checked.

pub mod adapters;
pub mod backoff;
pub mod counters;
pub mod lock;
pub mod reentrant_lock;
pub mod spin_lock;
mod sync;
pub mod ticket_lock;

pub use counters::Counter;
pub use lock::{Lock, Reentrant};
pub use reentrant_lock::ReentrantLock;
pub use spin_lock::{RawSpinLock, SpinLock};
pub use ticket_lock::{RawTicketLock, TicketLock};
