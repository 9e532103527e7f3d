//! Library rivals behind the same traits as the hand-rolled primitives.
//!
//! `lock_api`-based locks (parking_lot's `Mutex` and `FairMutex`) need no adapter: the blanket
//! impl in [`crate::lock`] covers them. std's types have no raw lock, so they get a few lines here.

pub mod caches;
pub mod containers;
pub mod executors;
pub mod locked_lists;
pub mod maps;
pub mod parking_lot;
pub mod queues;
pub mod rwlocks;
pub mod semaphores;
pub mod std;
