//! What the shuttle suites share: how a model is explored, and the occupancy checks that stand in
//! for loom's data-race detection.
//!
//! Shuttle runs every thread of a model on one OS thread and switches only at its own operations
//! (atomics, locks, condvars, yields), taking every atomic as `SeqCst`. So it finds interleaving
//! bugs with 3–4 threads, where loom's exhaustive search runs out of budget, but never a wrong
//! memory ordering (that is loom's job), and a plain memory access is not a switch point: a
//! critical section of plain writes runs as one step and two threads can never be seen inside it
//! at once. [`Occupancy`] puts an atomic check and a yield inside each section, which makes an
//! overlap both possible and visible.

#![allow(dead_code)] // each suite uses part of this

use std::sync::Arc;

use shuttle::scheduler::{PctScheduler, RandomScheduler};
use shuttle::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use shuttle::{Config, Runner};

/// Schedules per scheduler and model.
pub const SCHEDULES: usize = 10_000;
/// PCT's bug depth: the number of priority changes per schedule (shuttle's examples use 2–3).
const PCT_DEPTH: usize = 3;
/// Fixed, so that a broken primitive is caught on every run, not on most.
const SEED: u64 = 0x5eed_ba11;

/// Runs `model` under [`SCHEDULES`] random schedules, then [`SCHEDULES`] PCT schedules (which
/// give each thread a priority and switch them at a few random points: good at bugs that need a
/// thread to be pre-empted at one precise step). Panics on the first failing schedule, printing
/// it for `shuttle::replay`.
pub fn explore(model: impl Fn() + Send + Sync + 'static) {
    let model = Arc::new(model);
    let random = model.clone();
    let ran = Runner::new(RandomScheduler::new_from_seed(SEED, SCHEDULES), Config::new())
        .run(move || random());
    assert_eq!(ran, SCHEDULES, "random schedules run");
    let ran = Runner::new(PctScheduler::new_from_seed(SEED, PCT_DEPTH, SCHEDULES), Config::new())
        .run(move || model());
    assert_eq!(ran, SCHEDULES, "PCT schedules run");
}

/// Counts who is inside a critical section. Each entry is a shuttle atomic (a switch point)
/// followed by a yield, so the scheduler may run another thread while this one is inside.
#[derive(Default)]
pub struct Occupancy {
    readers: AtomicUsize,
    writers: AtomicUsize,
}

impl Occupancy {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `work` as the only thread inside.
    pub fn exclusive<R>(&self, work: impl FnOnce() -> R) -> R {
        assert_eq!(self.writers.fetch_add(1, SeqCst), 0, "two threads inside the critical section");
        assert_eq!(self.readers.load(SeqCst), 0, "a writer overlapped a reader");
        shuttle::thread::yield_now();
        let result = work();
        self.writers.fetch_sub(1, SeqCst);
        result
    }

    /// Runs `work` as one of any number of readers, with no writer inside.
    pub fn shared<R>(&self, work: impl FnOnce() -> R) -> R {
        self.readers.fetch_add(1, SeqCst);
        assert_eq!(self.writers.load(SeqCst), 0, "a reader overlapped a writer");
        shuttle::thread::yield_now();
        let result = work();
        self.readers.fetch_sub(1, SeqCst);
        result
    }

    /// Runs `work` as one of at most `limit` threads inside.
    pub fn at_most<R>(&self, limit: usize, work: impl FnOnce() -> R) -> R {
        let inside = self.readers.fetch_add(1, SeqCst) + 1;
        assert!(inside <= limit, "{inside} threads inside, at most {limit} allowed");
        shuttle::thread::yield_now();
        let result = work();
        self.readers.fetch_sub(1, SeqCst);
        result
    }
}

/// Spawns `threads` shuttle threads running `work(index)` and joins them, propagating a panic.
pub fn on_threads<T: Send + 'static>(
    threads: usize,
    work: impl Fn(usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let work = Arc::new(work);
    let handles: Vec<_> = (0..threads)
        .map(|index| {
            let work = work.clone();
            shuttle::thread::spawn(move || work(index))
        })
        .collect();
    handles.into_iter().map(|handle| handle.join().unwrap()).collect()
}
