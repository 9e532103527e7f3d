//! The trait that every thread pool plugs into, hand-rolled or library, and the bookkeeping they
//! share: how many jobs are still owed (for [`Executor::wait_idle`]) and how many panicked.
//!
//! A workload is generic over [`Executor`]: it submits boxed jobs, waits for the pool to go idle,
//! and shuts it down, never knowing whether rayon, a channel or a hand-rolled queue runs them.
//! Panics never cross the trait: every implementation catches them, counts them in
//! [`Executor::panicked_jobs`] and keeps its worker alive, so "every job ran exactly once" stays
//! checkable even when a job panics.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::PoisonError;

use crate::chaos;
use crate::sync::{AtomicUsize, Condvar, Mutex, Ordering};

/// A unit of work: runs once, on whichever thread the executor picks.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// Something that runs jobs on other threads.
pub trait Executor: Send + Sync {
    /// A new executor with `threads` worker threads (where the implementation has a fixed set).
    fn with_threads(threads: usize) -> Self
    where
        Self: Sized;

    /// Submits `job` to run once, later, on some worker. A panic inside the job is caught and
    /// counted; it never kills a worker.
    fn execute(&self, job: Job);

    /// Submits `job` with a routing key. Only key-hashing dispatch looks at the key (so that jobs
    /// of one key run in order on one worker); every other executor ignores it.
    #[inline]
    fn execute_keyed(&self, key: u64, job: Job) {
        let _ = key;
        self.execute(job);
    }

    /// Submits every job of `jobs`. The default submits them one by one; a pool may take its lock
    /// once for the whole batch, and a fork-join executor may run the batch to completion before
    /// returning. Either way each job runs exactly once.
    fn execute_batch<I: IntoIterator<Item = Job>>(&self, jobs: I)
    where
        Self: Sized,
    {
        jobs.into_iter().for_each(|job| self.execute(job));
    }

    /// Returns once every job submitted so far (by any thread) has finished or panicked.
    fn wait_idle(&self);

    /// How many jobs have panicked so far.
    fn panicked_jobs(&self) -> usize;

    /// Runs every job already submitted, then joins every thread the executor started (a shared
    /// global pool, whose threads outlive it, only waits for its jobs).
    fn shutdown(self)
    where
        Self: Sized;
}

/// Counts the jobs an executor owes (submitted, not yet finished) and the jobs that panicked, and
/// lets threads wait until nothing is owed. Public so that a user's own executor can reuse it.
///
/// Jobs are run through [`JobTracker::run`], which catches a panic, so a worker survives it.
pub struct JobTracker {
    /// Jobs submitted and neither finished nor cancelled. Incremented before a job is queued, so
    /// it never underflows; reaching 0 wakes the threads in `wait_idle`.
    pending: AtomicUsize,
    /// Jobs whose closure panicked. Only grows.
    panicked: AtomicUsize,
    /// Threads blocked in `wait_idle`; a finisher takes this lock (and signals `idle`) only when
    /// `pending` drops to 0, so the common path touches no lock.
    idle_waiters: Mutex<usize>,
    /// Signalled when `pending` drops to 0 while someone waits.
    idle: Condvar,
}

impl JobTracker {
    /// A tracker that owes nothing.
    pub fn new() -> Self {
        Self {
            pending: AtomicUsize::new(0),
            panicked: AtomicUsize::new(0),
            idle_waiters: Mutex::new(0),
            idle: Condvar::new(),
        }
    }

    /// Records `jobs` new jobs; call it before they become visible to any worker.
    #[inline]
    pub fn submitted(&self, jobs: usize) {
        self.pending.fetch_add(jobs, Ordering::Relaxed);
    }

    /// Runs `job`, catching and counting a panic, and records it as finished.
    #[inline]
    pub fn run(&self, job: Job) {
        if catch_unwind(AssertUnwindSafe(job)).is_err() {
            self.record_panic();
        }
        self.finished(1);
    }

    /// Counts one panicked job (for jobs that catch their own panic, like a join handle's).
    pub fn record_panic(&self) {
        self.panicked.fetch_add(1, Ordering::Relaxed);
    }

    /// Records `jobs` jobs as done (finished, or dropped unrun by a cancelling shutdown).
    #[inline]
    pub fn finished(&self, jobs: usize) {
        chaos::point();
        // AcqRel: the Release half publishes the jobs' effects to whoever sees the count reach
        // 0; the Acquire half chains the other finishers' releases into ours.
        if jobs > 0 && self.pending.fetch_sub(jobs, Ordering::AcqRel) == jobs {
            self.wake_idle_waiters();
        }
    }

    #[cold]
    fn wake_idle_waiters(&self) {
        // Taking the lock orders this wake-up after any waiter's check of `pending` (done under
        // the same lock), so a waiter either sees 0 or is already waiting and gets the signal.
        let waiters = self.idle_waiters.lock().unwrap_or_else(PoisonError::into_inner);
        if *waiters > 0 {
            self.idle.notify_all();
        }
    }

    /// Blocks until no job is owed.
    pub fn wait_idle(&self) {
        if self.pending.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut waiters = self.idle_waiters.lock().unwrap_or_else(PoisonError::into_inner);
        *waiters += 1;
        chaos::point();
        while self.pending.load(Ordering::Acquire) != 0 {
            waiters = self.idle.wait(waiters).unwrap_or_else(PoisonError::into_inner);
        }
        *waiters -= 1;
    }

    /// Jobs submitted and not yet done; a snapshot.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// Jobs that panicked so far. Exact for every job that finished before a `wait_idle` returned.
    pub fn panicked(&self) -> usize {
        self.panicked.load(Ordering::Relaxed)
    }
}

impl Default for JobTracker {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn tracker_counts_panics_and_waits_for_zero() {
        let tracker = Arc::new(JobTracker::new());
        tracker.wait_idle(); // nothing owed: returns at once
        tracker.submitted(3);
        let worker = {
            let tracker = tracker.clone();
            std::thread::spawn(move || {
                tracker.run(Box::new(|| {}));
                tracker.run(Box::new(|| panic!("expected by the test")));
                tracker.run(Box::new(|| {}));
            })
        };
        tracker.wait_idle();
        assert_eq!(tracker.pending(), 0);
        assert_eq!(tracker.panicked(), 1);
        worker.join().unwrap();
    }
}
