//! A fixed-size thread pool over one shared FIFO: the classic design of Java's
//! `ThreadPoolExecutor` and of chapter 20 of "The Rust Programming Language", tuned so that a tiny
//! job costs no syscall (see `thread_pool/job_queue.rs`: a worker is signalled only when it
//! sleeps, and spins briefly before it does).
//!
//! - Results come back through a [`JoinHandle`] from [`ThreadPool::spawn`], which blocks or can be
//!   awaited; fire-and-forget jobs go through [`Executor::execute`].
//! - A panicking job is caught on its worker, which lives on; the panic is counted in
//!   [`ThreadPool::panicked_jobs`] and, for a spawned job, returned by [`JoinHandle::join`].
//! - Shutdown ([`Shutdown::Finish`] or [`Shutdown::Cancel`]) closes the queue and joins every
//!   worker; cancelling reports how many queued jobs it dropped unrun. Dropping the pool finishes.

mod job_queue;
mod join_handle;

use std::panic::{catch_unwind, AssertUnwindSafe};

pub(crate) use job_queue::JobQueue;
pub use join_handle::{JoinError, JoinHandle};

use crate::executor::{Executor, Job, JobTracker};
use crate::sync::{thread, Arc};

/// What shutdown does with jobs still queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Run every queued job, then stop.
    Finish,
    /// Drop the queued jobs unrun (their join handles report [`JoinError::Cancelled`]); jobs
    /// already running finish.
    Cancel,
}

/// A fixed set of worker threads taking jobs from one shared FIFO (benchmark name `pool-shared`).
pub struct ThreadPool {
    shared: Arc<Shared>,
    /// One per worker; emptied by shutdown, which joins them all.
    workers: Vec<thread::JoinHandle<()>>,
}

struct Shared {
    queue: JobQueue,
    tracker: JobTracker,
}

impl ThreadPool {
    /// Starts `threads` workers (at least one).
    pub fn new(threads: usize) -> Self {
        let shared = Arc::new(Shared { queue: JobQueue::new(), tracker: JobTracker::new() });
        let workers = (0..threads.max(1))
            .map(|index| {
                let shared = shared.clone();
                spawn_worker("pool", index, move || {
                    while let Some(job) = shared.queue.pop() {
                        shared.tracker.run(job);
                    }
                })
            })
            .collect();
        Self { shared, workers }
    }

    /// Runs `f` on a worker; the handle returns its value, or its panic.
    pub fn spawn<R, F>(&self, f: F) -> JoinHandle<R>
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        let (promise, handle) = join_handle::promise();
        let shared = self.shared.clone();
        self.execute(Box::new(move || {
            let outcome = catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
                shared.tracker.record_panic();
                JoinError::Panicked(payload)
            });
            promise.complete(outcome);
        }));
        handle
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// Jobs queued and not yet taken by a worker; a snapshot.
    pub fn queued(&self) -> usize {
        self.shared.queue.len()
    }

    /// Stops the pool as `mode` says and joins every worker; returns how many queued jobs were
    /// dropped unrun (always 0 for [`Shutdown::Finish`]).
    pub fn shutdown_with(mut self, mode: Shutdown) -> usize {
        self.stop(mode)
    }

    /// Cancels the queued jobs, waits for the running ones, joins every worker; returns how many
    /// jobs were cancelled.
    pub fn shutdown_now(self) -> usize {
        self.shutdown_with(Shutdown::Cancel)
    }

    fn stop(&mut self, mode: Shutdown) -> usize {
        let cancelled = self.shared.queue.close(mode == Shutdown::Cancel);
        let count = cancelled.len();
        drop(cancelled); // outside the queue's lock: drops may wake joiners (Cancelled)
        self.shared.tracker.finished(count);
        for worker in self.workers.drain(..) {
            // Workers catch every job's panic, so a worker that panicked is a bug in the pool.
            worker.join().expect("a pool worker panicked outside a job");
        }
        count
    }
}

/// Starts a named worker thread (named so that a debugger or `top -H` shows whose it is).
pub(crate) fn spawn_worker<T: Send + 'static>(
    pool: &str,
    index: usize,
    work: impl FnOnce() -> T + Send + 'static,
) -> thread::JoinHandle<T> {
    thread::Builder::new()
        .name(format!("{pool}-worker-{index}"))
        .spawn(work)
        .expect("failed to start a pool worker thread")
}

impl Drop for ThreadPool {
    /// Finishes the queued jobs and joins the workers. Do not drop the pool from one of its own
    /// jobs: the worker would wait for itself.
    fn drop(&mut self) {
        if !self.workers.is_empty() {
            self.stop(Shutdown::Finish);
        }
    }
}

impl Executor for ThreadPool {
    fn with_threads(threads: usize) -> Self {
        Self::new(threads)
    }

    #[inline]
    fn execute(&self, job: Job) {
        self.shared.tracker.submitted(1);
        self.shared.queue.push(job);
    }

    /// Queues the whole batch under one lock and wakes at most one sleeper per job.
    fn execute_batch<I: IntoIterator<Item = Job>>(&self, jobs: I) {
        // Count the batch first (jobs must be owed before a worker can finish them).
        let jobs: Vec<Job> = jobs.into_iter().collect();
        self.shared.tracker.submitted(jobs.len());
        self.shared.queue.push_batch(jobs);
    }

    fn wait_idle(&self) {
        self.shared.tracker.wait_idle();
    }

    fn panicked_jobs(&self) -> usize {
        self.shared.tracker.panicked()
    }

    fn shutdown(self) {
        self.shutdown_with(Shutdown::Finish);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::task::{Context, Poll, Wake, Waker};

    #[test]
    fn spawn_returns_values_and_panics() {
        let pool = ThreadPool::new(2);
        let handles: Vec<_> = (0..100u64).map(|i| pool.spawn(move || i * i)).collect();
        let failing = pool.spawn(|| -> u64 { panic!("expected by the test") });
        let sum: u64 = handles.into_iter().map(|handle| handle.join().unwrap()).sum();
        assert_eq!(sum, (0..100u64).map(|i| i * i).sum());
        let error = failing.join().unwrap_err();
        assert!(matches!(error, JoinError::Panicked(_)));
        assert!(error.to_string().contains("expected by the test"), "{error}");
        pool.wait_idle();
        assert_eq!(pool.panicked_jobs(), 1);
        pool.shutdown();
    }

    #[test]
    fn cancel_drops_queued_jobs_and_reports_them() {
        let pool = ThreadPool::new(1);
        let (release, gate) = mpsc::channel::<()>();
        let blocker = pool.spawn(move || gate.recv().unwrap());
        while pool.queued() > 0 {
            std::thread::yield_now(); // until the worker holds the blocker
        }
        let ran = Arc::new(AtomicUsize::new(0));
        let queued: Vec<_> = (0..10)
            .map(|_| {
                let ran = ran.clone();
                pool.spawn(move || ran.fetch_add(1, Ordering::Relaxed))
            })
            .collect();
        release.send(()).unwrap();
        let cancelled = pool.shutdown_now();
        assert_eq!(cancelled + ran.load(Ordering::Relaxed), 10);
        blocker.join().unwrap();
        let outcomes: Vec<_> = queued.into_iter().map(JoinHandle::join).collect();
        let unrun = outcomes.iter().filter(|o| matches!(o, Err(JoinError::Cancelled))).count();
        assert_eq!(unrun, cancelled);
    }

    struct NoopWake;
    impl Wake for NoopWake {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn join_handle_is_a_future() {
        let pool = ThreadPool::new(1);
        let mut handle = pool.spawn(|| 7);
        let waker = Waker::from(Arc::new(NoopWake));
        let mut context = Context::from_waker(&waker);
        let value = loop {
            if let Poll::Ready(outcome) = std::pin::Pin::new(&mut handle).poll(&mut context) {
                break outcome.unwrap();
            }
            std::thread::yield_now();
        };
        assert_eq!(value, 7);
    }

    #[test]
    fn batch_and_drop_run_everything() {
        let ran = Arc::new(AtomicUsize::new(0));
        let pool = ThreadPool::new(3);
        pool.execute_batch((0..1000).map(|_| {
            let ran = ran.clone();
            Box::new(move || {
                ran.fetch_add(1, Ordering::Relaxed);
            }) as Job
        }));
        drop(pool); // finishes the queue and joins
        assert_eq!(ran.load(Ordering::Relaxed), 1000);
    }
}
