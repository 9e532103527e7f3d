//! Dispatch strategies: how a pool with one queue per worker decides where a job goes, to compare
//! load balancing on skewed work (the `balance` workload: makespan, per-worker busy share).
//!
//! | strategy (benchmark name) | where a job goes | balances by |
//! |---|---|---|
//! | [`SharedQueue`] (`dispatch-shared`) | one FIFO that all workers pop | idle workers pull |
//! | [`RoundRobin`] (`dispatch-round-robin`) | worker `i mod n` for the i-th job | job count |
//! | [`KeyHash`] (`dispatch-key-hash`) | worker `hash(key) mod n` | nothing; a key stays in order |
//! | [`LeastLoaded`] (`dispatch-least-loaded`) | the shortest queue | queue length |
//! | [`WorkStealing`] (`dispatch-work-stealing`) | a global injector | idle workers steal |
//!
//! Work stealing is Blumofe and Leiserson's scheduler (1999) over Chase–Lev deques (2005), as
//! crossbeam-deque implements them and rayon uses them.
//!
//! Apart from work stealing, a worker pops only its own queue (the same job queue as under
//! [`ThreadPool`](crate::thread_pool::ThreadPool)), so an unlucky placement shows as makespan.
//! "Least loaded" sees queue lengths only, not the job running now nor the size of the queued
//! ones, which is exactly the blind spot a heavy-tailed workload exposes. The strategy is a type
//! parameter so that `Executor::with_threads` can build any of them generically.

mod work_stealing;

use std::marker::PhantomData;

use crossbeam_utils::CachePadded;

use crate::executor::{Executor, Job, JobTracker};
use crate::sync::{thread, Arc, AtomicUsize, Ordering};
use crate::thread_pool::{spawn_worker, JobQueue, Shutdown};
use work_stealing::StealingQueues;

/// The dispatch strategies, as values (for listing and naming them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dispatch {
    SharedQueue,
    RoundRobin,
    KeyHash,
    LeastLoaded,
    WorkStealing,
}

impl Dispatch {
    /// Every strategy, in table order.
    pub const ALL: [Dispatch; 5] =
        [Self::SharedQueue, Self::RoundRobin, Self::KeyHash, Self::LeastLoaded, Self::WorkStealing];

    /// The stable kebab-case benchmark name.
    pub fn name(self) -> &'static str {
        match self {
            Self::SharedQueue => "dispatch-shared",
            Self::RoundRobin => "dispatch-round-robin",
            Self::KeyHash => "dispatch-key-hash",
            Self::LeastLoaded => "dispatch-least-loaded",
            Self::WorkStealing => "dispatch-work-stealing",
        }
    }
}

/// A dispatch strategy as a type, chosen by [`DispatchPool`]'s type parameter.
pub trait Strategy: Send + Sync + 'static {
    /// The strategy this type stands for.
    const DISPATCH: Dispatch;
}

macro_rules! strategies {
    ($($(#[$doc:meta])* $name:ident),*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;
        impl Strategy for $name {
            const DISPATCH: Dispatch = Dispatch::$name;
        }
    )*};
}
strategies!(
    /// All workers pop one shared FIFO.
    SharedQueue,
    /// Per-worker FIFOs filled in turn.
    RoundRobin,
    /// Per-worker FIFOs chosen by a hash of the job's key.
    KeyHash,
    /// Per-worker FIFOs; each job goes to the shortest.
    LeastLoaded,
    /// Chase–Lev deques per worker plus a global injector; idle workers steal.
    WorkStealing
);

/// A fixed pool of workers whose jobs are placed by the strategy `S`.
pub struct DispatchPool<S: Strategy> {
    routes: Routes,
    tracker: Arc<JobTracker>,
    /// Jobs dispatched so far: the round-robin cursor, the key of unkeyed jobs under key hashing,
    /// and the tie-breaking start of the least-loaded scan.
    cursor: CachePadded<AtomicUsize>,
    /// One per worker, each returning how many jobs it dropped unrun on a cancelling shutdown;
    /// emptied by shutdown, which joins them all.
    workers: Vec<thread::JoinHandle<usize>>,
    strategy: PhantomData<S>,
}

enum Routes {
    /// One queue per worker, or a single queue for [`SharedQueue`].
    Queues(Arc<Vec<CachePadded<JobQueue>>>),
    Stealing(Arc<StealingQueues>),
}

impl<S: Strategy> DispatchPool<S> {
    /// Starts `threads` workers (at least one).
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let tracker = Arc::new(JobTracker::new());
        let name = S::DISPATCH.name();
        let (routes, workers) = if S::DISPATCH == Dispatch::WorkStealing {
            let (queues, locals) = StealingQueues::new(threads);
            let queues = Arc::new(queues);
            let workers = locals
                .into_iter()
                .enumerate()
                .map(|(index, local)| {
                    let (queues, tracker) = (queues.clone(), tracker.clone());
                    spawn_worker(name, index, move || queues.work(index, &local, &tracker))
                })
                .collect();
            (Routes::Stealing(queues), workers)
        } else {
            let count = if S::DISPATCH == Dispatch::SharedQueue { 1 } else { threads };
            let queues: Arc<Vec<_>> =
                Arc::new((0..count).map(|_| CachePadded::new(JobQueue::new())).collect());
            let workers = (0..threads)
                .map(|index| {
                    let (queues, tracker) = (Arc::clone(&queues), tracker.clone());
                    spawn_worker(name, index, move || {
                        let own: &JobQueue = &queues[index % queues.len()];
                        while let Some(job) = own.pop() {
                            tracker.run(job);
                        }
                        0
                    })
                })
                .collect();
            (Routes::Queues(queues), workers)
        };
        let cursor = CachePadded::new(AtomicUsize::new(0));
        Self { routes, tracker, cursor, workers, strategy: PhantomData }
    }

    fn dispatch(&self, key: Option<u64>, job: Job) {
        self.tracker.submitted(1);
        let queues = match &self.routes {
            Routes::Stealing(stealing) => return stealing.push(job),
            Routes::Queues(queues) => queues,
        };
        let count = queues.len();
        let target = match S::DISPATCH {
            Dispatch::SharedQueue | Dispatch::WorkStealing => 0,
            Dispatch::RoundRobin => self.cursor.fetch_add(1, Ordering::Relaxed) % count,
            Dispatch::KeyHash => {
                let key = key.unwrap_or_else(|| self.cursor.fetch_add(1, Ordering::Relaxed) as u64);
                hash_to_index(key, count)
            }
            Dispatch::LeastLoaded => {
                // Start the scan at a rotating worker so that ties do not all go to worker 0.
                let start = self.cursor.fetch_add(1, Ordering::Relaxed);
                (start..start + count)
                    .map(|i| i % count)
                    .min_by_key(|&i| queues[i].len())
                    .unwrap_or(0)
            }
        };
        queues[target].push(job);
    }

    /// Jobs queued per worker (one entry for [`SharedQueue`]); a snapshot, for diagnostics.
    pub fn queue_lengths(&self) -> Vec<usize> {
        match &self.routes {
            Routes::Queues(queues) => queues.iter().map(|queue| queue.len()).collect(),
            Routes::Stealing(stealing) => stealing.lengths(),
        }
    }

    /// Stops the pool as `mode` says and joins every worker; returns how many queued jobs were
    /// dropped unrun (always 0 for [`Shutdown::Finish`]).
    pub fn shutdown_with(mut self, mode: Shutdown) -> usize {
        self.stop(mode)
    }

    fn stop(&mut self, mode: Shutdown) -> usize {
        let cancel = mode == Shutdown::Cancel;
        let mut cancelled = match &self.routes {
            Routes::Queues(queues) => queues.iter().map(|queue| queue.close(cancel).len()).sum(),
            Routes::Stealing(stealing) => stealing.close(cancel),
        };
        self.tracker.finished(cancelled);
        for worker in self.workers.drain(..) {
            cancelled += worker.join().expect("a pool worker panicked outside a job");
        }
        cancelled
    }
}

/// Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4): multiplying by 2^64 / φ spreads consecutive and
/// patterned keys over the high bits, which pick the worker.
#[inline]
fn hash_to_index(key: u64, count: usize) -> usize {
    ((key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize) % count
}

impl<S: Strategy> Drop for DispatchPool<S> {
    /// Finishes the queued jobs and joins the workers.
    fn drop(&mut self) {
        if !self.workers.is_empty() {
            self.stop(Shutdown::Finish);
        }
    }
}

impl<S: Strategy> Executor for DispatchPool<S> {
    fn with_threads(threads: usize) -> Self {
        Self::new(threads)
    }

    #[inline]
    fn execute(&self, job: Job) {
        self.dispatch(None, job);
    }

    #[inline]
    fn execute_keyed(&self, key: u64, job: Job) {
        self.dispatch(Some(key), job);
    }

    fn wait_idle(&self) {
        self.tracker.wait_idle();
    }

    fn panicked_jobs(&self) -> usize {
        self.tracker.panicked()
    }

    fn shutdown(self) {
        self.shutdown_with(Shutdown::Finish);
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
