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
pub mod cache;
pub mod condvar_buffer;
pub mod counters;
pub mod cow_list;
pub mod dispatch;
pub mod executor;
pub mod lazy_init;
pub mod lock;
pub mod lru_cache;
pub mod map;
pub mod queue;
pub mod reentrant_lock;
pub mod ring_buffer;
pub mod rwlock;
pub mod rwlock_reader_pref;
pub mod rwlock_writer_pref;
pub mod semaphore;
pub mod seqlock;
pub mod spin_lock;
pub mod striped_map;
pub mod swap_cell;
mod sync;
pub mod thread_pool;
pub mod ticket_lock;

pub use counters::Counter;
pub use lock::{Lock, Reentrant};
pub use reentrant_lock::ReentrantLock;
pub use spin_lock::{RawSpinLock, SpinLock};
pub use ticket_lock::{RawTicketLock, TicketLock};
