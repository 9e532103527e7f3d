//! Ready models, one call each, that check a concurrency primitive under the model checker the
//! build was configured with — the hand-rolled primitives' own suites and a user's primitive alike.
//!
//! Build the primitive on [`crate::sync`] (its atomics, `UnsafeCell`, `spin_loop`), implement the
//! model trait of its family by forwarding (a few lines), and call the family's model from a test:
//!
//! ```ignore
//! #[test]
//! fn my_lock_excludes_and_publishes() {
//!     primitives::model::mutex::<MyRawLock>();
//! }
//! ```
//!
//! | build | what [`check`] does with a model |
//! |---|---|
//! | `RUSTFLAGS="--cfg loom"` | every interleaving and every weak-memory outcome loom models, up to a preemption bound (`LOOM_MAX_PREEMPTIONS`, 2 by default); plain data in [`crate::sync::UnsafeCell`] is checked for data races, so a wrong `Ordering` fails |
//! | `RUSTFLAGS="--cfg shuttle"` | thousands of random and PCT schedules with every atomic `SeqCst`: interleaving bugs among 3–4 threads, never a wrong ordering |
//! | neither | the model a hundred times on real threads: a smoke test, nothing more |
//!
//! | family | trait the model drives | models |
//! |---|---|---|
//! | mutex | [`ModelMutex`] | [`mutex`], [`mutex_three_threads`] |
//! | reader–writer lock | [`ModelRwLock`] | [`rwlock`], [`rwlock_writer_and_two_readers`]; [`rwlock_writer_preference`] for a lock claimed writer-preferring, given its own "is a writer waiting" probe |
//! | bounded queue | [`crate::BoundedQueue`] | [`bounded_queue`] |
//! | semaphore | [`crate::Semaphore`] | [`semaphore`] |
//! | lazy init | [`crate::LazyInit`] | [`lazy_init`] |
//! | counter | [`crate::Counter`] | [`counter`] |
//! | map | [`crate::ConcurrentMap`] | [`map`]: racing inserts, racing upserts |
//! | executor | [`crate::Executor`] | [`executor`]: `wait_idle` and `shutdown` publish and run every job |
//!
//! Each model panics on the first schedule that breaks the property, with the reason (loom and
//! shuttle also print the schedule, for replay).

mod cell;
mod check;
mod counter;
mod executor;
mod lazy;
mod map;
mod mutex;
mod occupancy;
mod queue;
mod rwlock;
mod semaphore;
mod threads;
mod writer_preference;

pub use cell::ModelCell;
pub use check::{check, check_bounded};
pub use counter::counter;
pub use executor::{executor, executor_shutdown_runs_every_job, executor_wait_idle_publishes};
pub use lazy::{lazy_init, Published};
pub use map::{map, map_racing_inserts, map_racing_upserts};
pub use mutex::{mutex, mutex_increments, mutex_three_threads, mutex_try_lock, ModelMutex};
pub use occupancy::Occupancy;
pub use queue::{
    bounded_queue, queue_close_wakes_consumer, queue_push_races_close, queue_two_consumers,
    queue_two_items_then_close,
};
pub use rwlock::{
    rwlock, rwlock_two_writers, rwlock_writer_and_reader, rwlock_writer_and_two_readers,
    ModelRwLock,
};
pub use semaphore::semaphore;
pub use threads::on_threads;
pub use writer_preference::rwlock_writer_preference;
