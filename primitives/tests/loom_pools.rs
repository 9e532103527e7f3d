//! Loom models of the hand-rolled [`ThreadPool`]: its shared job queue (sleeping workers, the
//! wake-up hand-off, closing), its `wait_idle` accounting and its shutdown, with 1–2 workers and
//! 1–2 jobs, all threads being loom threads (the pool spawns through the crate's `sync` shim).
//! A job writes a `loom::cell::UnsafeCell` that the submitting thread reads after `wait_idle` or
//! a join, so loom reports it if the pool's orderings do not publish a job's effects; a lost
//! wake-up shows as a deadlock. A deliberately broken tracker proves the models can fail.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test loom_pools`
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use primitives::executor::Executor;
use primitives::model;
use primitives::thread_pool::{JoinError, Shutdown, ThreadPool};

/// A cell written by jobs and read by the test thread once the pool says they are done.
#[derive(Clone)]
struct Written(Arc<SharedCell>);

struct SharedCell(UnsafeCell<usize>);

// SAFETY: sharing is the point of the model: loom tracks every access to the cell and fails the
// model on any pair not ordered by happens-before.
unsafe impl Sync for SharedCell {}

impl Written {
    fn new() -> Self {
        Self(Arc::new(SharedCell(UnsafeCell::new(0))))
    }

    /// Adds one, as a job; loom checks the access against every other one.
    fn add(&self) {
        // SAFETY: each model writes the cell from one job at a time (one worker, or one job), and
        // the test reads it only after the pool reported the jobs done, which is what loom checks.
        self.0 .0.with_mut(|value| unsafe { *value += 1 });
    }

    fn get(&self) -> usize {
        // SAFETY: as above: read only once every writing job is known to be done.
        self.0 .0.with(|value| unsafe { *value })
    }
}

/// The kit's executor models (`primitives::model::executor`): two workers, one job, `wait_idle`
/// publishes it; one worker, two jobs writing a cell, and two workers, two jobs counting, each
/// finished and published by a shutdown with no `wait_idle`.
#[test]
fn wait_idle_and_shutdown_publish_and_run_every_job() {
    model::executor::<ThreadPool>();
}

#[test]
fn cancel_runs_or_reports_every_job() {
    loom::model(|| {
        let pool = ThreadPool::new(1);
        let written = Written::new();
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let written = written.clone();
                pool.spawn(move || written.add())
            })
            .collect();
        let cancelled = pool.shutdown_with(Shutdown::Cancel);
        assert_eq!(written.get() + cancelled, 2);
        // Shutdown joined the worker, so every handle has its outcome: run, or cancelled.
        assert!(handles.iter().all(|handle| handle.is_finished()));
        let unrun = handles
            .into_iter()
            .map(|handle| handle.join())
            .filter(|outcome| matches!(outcome, Err(JoinError::Cancelled)))
            .count();
        assert_eq!(unrun, cancelled);
    });
}

#[test]
fn join_handle_returns_the_value_across_threads() {
    loom::model(|| {
        let pool = ThreadPool::new(1);
        let written = Written::new();
        let job_written = written.clone();
        let handle = pool.spawn(move || {
            job_written.add();
            7
        });
        assert_eq!(handle.join().unwrap(), 7);
        assert_eq!(written.get(), 1, "join publishes the job's writes");
        pool.shutdown();
    });
}

/// Broken: a "pool" of one worker whose completion count is decremented and read Relaxed, so
/// seeing the count reach zero does not make the job's write visible.
#[test]
#[should_panic]
fn model_catches_relaxed_completion() {
    loom::model(|| {
        let pending = Arc::new(AtomicUsize::new(1));
        let written = Written::new();
        let worker = {
            let (pending, written) = (pending.clone(), written.clone());
            thread::spawn(move || {
                written.add();
                pending.fetch_sub(1, Ordering::Relaxed);
            })
        };
        while pending.load(Ordering::Relaxed) != 0 {
            loom::hint::spin_loop();
        }
        let _ = written.get(); // loom: a data race with the worker's write
        worker.join().unwrap();
    });
}
