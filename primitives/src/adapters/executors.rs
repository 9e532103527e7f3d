//! Library rivals of [`ThreadPool`](crate::thread_pool::ThreadPool) behind [`Executor`].
//!
//! | type (benchmark name) | what it is |
//! |---|---|
//! | [`RayonGlobal`] (`rayon-global`) | `rayon::spawn` on rayon's global pool, at rayon's own size |
//! | [`RayonPool`] (`rayon-pool`) | `spawn` on a dedicated `rayon::ThreadPool` |
//! | [`RayonScope`] (`rayon-scope`) | a dedicated rayon pool; a batch is one `scope` |
//! | [`ThreadPerTask`] (`thread-per-task`) | `std::thread::spawn` for every job |
//! | [`ChannelPool`] (`channel-pool`) | fixed workers on a crossbeam unbounded channel |
//!
//! Every job runs through a [`JobTracker`], which catches its panic (a panic in `rayon::spawn`
//! would otherwise abort the process) and counts what is owed for `wait_idle`. Rayon joins no
//! threads when a pool is dropped, so the dedicated pools start their threads through
//! `spawn_handler` and keep the handles: their shutdown really joins every thread.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use crossbeam::channel::{self, Sender};

use crate::executor::{Executor, Job, JobTracker};

/// Jobs on rayon's global pool, as rayon's users get it: one thread per logical CPU (or
/// `RAYON_NUM_THREADS`), whatever `threads` asks. A global pool can be sized only once per
/// process, so honouring the first caller's `threads` would silently give every later trial that
/// size; the fixed size is the honest comparison point. Its threads are never joined, so
/// `shutdown` only waits for the jobs.
pub struct RayonGlobal {
    tracker: Arc<JobTracker>,
}

impl Executor for RayonGlobal {
    fn with_threads(_threads: usize) -> Self {
        Self { tracker: Arc::new(JobTracker::new()) }
    }

    #[inline]
    fn execute(&self, job: Job) {
        self.tracker.submitted(1);
        let tracker = self.tracker.clone();
        rayon::spawn(move || tracker.run(job));
    }

    fn wait_idle(&self) {
        self.tracker.wait_idle();
    }

    fn panicked_jobs(&self) -> usize {
        self.tracker.panicked()
    }

    fn shutdown(self) {
        self.tracker.wait_idle();
    }
}

/// Jobs on a dedicated `rayon::ThreadPool`, whose threads shutdown joins.
pub struct RayonPool {
    /// `None` only during shutdown, which drops it to let rayon's threads exit.
    pool: Option<rayon::ThreadPool>,
    /// The pool's threads, started by our spawn handler so that they can be joined.
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    tracker: Arc<JobTracker>,
}

impl RayonPool {
    fn pool(&self) -> &rayon::ThreadPool {
        self.pool.as_ref().expect("the rayon pool lives until shutdown")
    }

    fn stop(&mut self) {
        self.tracker.wait_idle();
        drop(self.pool.take()); // tells rayon's threads to exit
        let threads =
            std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        for thread in threads {
            thread.join().expect("a rayon worker panicked outside a job");
        }
    }
}

impl Executor for RayonPool {
    fn with_threads(threads: usize) -> Self {
        let handles = Arc::new(Mutex::new(Vec::new()));
        let spawned = handles.clone();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|index| format!("rayon-pool-worker-{index}"))
            .spawn_handler(move |worker| {
                let mut builder = thread::Builder::new();
                if let Some(name) = worker.name() {
                    builder = builder.name(name.to_owned());
                }
                let handle = builder.spawn(|| worker.run())?;
                spawned.lock().unwrap_or_else(PoisonError::into_inner).push(handle);
                Ok(())
            })
            .build()
            .expect("failed to build a rayon thread pool");
        Self { pool: Some(pool), threads: handles, tracker: Arc::new(JobTracker::new()) }
    }

    #[inline]
    fn execute(&self, job: Job) {
        self.tracker.submitted(1);
        let tracker = self.tracker.clone();
        self.pool().spawn(move || tracker.run(job));
    }

    fn wait_idle(&self) {
        self.tracker.wait_idle();
    }

    fn panicked_jobs(&self) -> usize {
        self.tracker.panicked()
    }

    fn shutdown(mut self) {
        self.stop();
    }
}

impl Drop for RayonPool {
    fn drop(&mut self) {
        if self.pool.is_some() {
            self.stop();
        }
    }
}

/// A dedicated rayon pool used fork-join style: [`Executor::execute_batch`] runs the whole batch
/// inside one `rayon::scope` and returns when it is done (one `install` from outside, about 16 µs,
/// for the batch, then rayon's own scheduling). Single jobs go through `spawn` as in
/// [`RayonPool`]. A workload should submit in batches to measure what a scope is for.
pub struct RayonScope(RayonPool);

impl Executor for RayonScope {
    fn with_threads(threads: usize) -> Self {
        Self(RayonPool::with_threads(threads))
    }

    #[inline]
    fn execute(&self, job: Job) {
        self.0.execute(job);
    }

    /// Runs every job of the batch and returns once they all finished.
    fn execute_batch<I: IntoIterator<Item = Job>>(&self, jobs: I) {
        let jobs: Vec<Job> = jobs.into_iter().collect();
        let tracker = &*self.0.tracker;
        tracker.submitted(jobs.len());
        self.0.pool().scope(|scope| {
            for job in jobs {
                scope.spawn(move |_| tracker.run(job));
            }
        });
    }

    fn wait_idle(&self) {
        self.0.wait_idle();
    }

    fn panicked_jobs(&self) -> usize {
        self.0.panicked_jobs()
    }

    fn shutdown(self) {
        self.0.shutdown();
    }
}

/// A new OS thread for every job: the baseline a pool exists to beat (about 47 µs per spawn and
/// join here). `with_threads` is ignored. Finished threads are joined as new ones start.
pub struct ThreadPerTask {
    /// Threads started and not yet joined.
    threads: Mutex<Vec<JoinHandle<()>>>,
    tracker: Arc<JobTracker>,
}

/// Joining finished threads starts once this many are outstanding, keeping the list short.
const REAP_THRESHOLD: usize = 64;

impl Executor for ThreadPerTask {
    fn with_threads(_threads: usize) -> Self {
        Self { threads: Mutex::new(Vec::new()), tracker: Arc::new(JobTracker::new()) }
    }

    fn execute(&self, job: Job) {
        self.tracker.submitted(1);
        let tracker = self.tracker.clone();
        let thread = thread::spawn(move || tracker.run(job));
        let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        if threads.len() >= REAP_THRESHOLD {
            let (done, running) =
                std::mem::take(&mut *threads).into_iter().partition(JoinHandle::is_finished);
            *threads = running;
            drop(threads);
            join_all(done);
            self.threads.lock().unwrap_or_else(PoisonError::into_inner).push(thread);
        } else {
            threads.push(thread);
        }
    }

    fn wait_idle(&self) {
        self.tracker.wait_idle();
    }

    fn panicked_jobs(&self) -> usize {
        self.tracker.panicked()
    }

    fn shutdown(self) {
        join_all(self.threads.into_inner().unwrap_or_else(PoisonError::into_inner));
    }
}

fn join_all(threads: Vec<JoinHandle<()>>) {
    for thread in threads {
        thread.join().expect("a job thread panicked outside its job");
    }
}

/// Fixed workers receiving boxed jobs from one crossbeam unbounded channel: the textbook pool,
/// with crossbeam's channel doing the queueing, spinning and parking.
pub struct ChannelPool {
    /// `None` only during shutdown: dropping it disconnects the channel, which ends the workers.
    sender: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    tracker: Arc<JobTracker>,
}

impl ChannelPool {
    fn stop(&mut self) {
        drop(self.sender.take()); // workers drain the channel, then see it disconnected
        join_all(std::mem::take(&mut self.workers));
    }
}

impl Executor for ChannelPool {
    fn with_threads(threads: usize) -> Self {
        let (sender, receiver) = channel::unbounded::<Job>();
        let tracker = Arc::new(JobTracker::new());
        let workers = (0..threads.max(1))
            .map(|index| {
                let (receiver, tracker) = (receiver.clone(), tracker.clone());
                thread::Builder::new()
                    .name(format!("channel-pool-worker-{index}"))
                    .spawn(move || receiver.iter().for_each(|job| tracker.run(job)))
                    .expect("failed to start a pool worker thread")
            })
            .collect();
        Self { sender: Some(sender), workers, tracker }
    }

    #[inline]
    fn execute(&self, job: Job) {
        self.tracker.submitted(1);
        let sender = self.sender.as_ref().expect("the channel lives until shutdown");
        sender.send(job).expect("pool workers exit only at shutdown");
    }

    fn wait_idle(&self) {
        self.tracker.wait_idle();
    }

    fn panicked_jobs(&self) -> usize {
        self.tracker.panicked()
    }

    fn shutdown(mut self) {
        self.stop();
    }
}

impl Drop for ChannelPool {
    fn drop(&mut self) {
        self.stop();
    }
}
