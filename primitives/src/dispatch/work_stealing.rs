//! Work stealing for [`DispatchPool<WorkStealing>`](super::DispatchPool): each worker owns a
//! Chase–Lev deque (Chase and Lev, 2005, as `crossbeam_deque::Worker`), outside submitters push
//! to a global `Injector`, and an idle worker takes a batch from the injector or steals one job
//! from a sibling — the scheme of rayon and of the crossbeam-deque documentation.
//!
//! Sleeping is the delicate part: the injector has no lock for a submitter to check sleepers
//! under. A worker announces itself in `sleeping`, then re-checks every queue; a submitter
//! pushes, then reads `sleeping`. A `SeqCst` fence between the write and the read on both sides
//! (Dekker's pattern) guarantees that at least one of them sees the other, so a job never waits
//! while every worker sleeps — and a submitter pays no lock or syscall while nobody sleeps.

use std::iter;
use std::sync::PoisonError;

use crossbeam::deque::{Injector, Steal, Stealer, Worker};

use crate::backoff::Backoff;
use crate::executor::{Job, JobTracker};
use crate::sync::{fence, AtomicBool, AtomicUsize, Condvar, Mutex, Ordering};

/// Idle rounds of spinning before a worker parks (as in the shared job queue).
const IDLE_SNOOZES: u32 = 11;

pub(crate) struct StealingQueues {
    injector: Injector<Job>,
    /// One per worker, in worker order: the stealing ends of their deques.
    stealers: Vec<Stealer<Job>>,
    /// Workers in the wait (or about to be) without a wake-up. Changed only under `sleep`'s lock;
    /// read without it by submitters, after their `SeqCst` fence.
    sleeping: AtomicUsize,
    sleep: Mutex<SleepState>,
    /// Signalled with each wake-up handed out, and (to all) on close.
    wake: Condvar,
    /// Set by a cancelling shutdown: workers drop (and count) what they still hold instead of
    /// running it.
    cancel: AtomicBool,
}

struct SleepState {
    /// Wake-ups handed out and not yet taken by a sleeper.
    wakeups: usize,
    /// Set once at shutdown; a worker that then finds no job anywhere exits.
    closed: bool,
}

impl StealingQueues {
    /// The shared part, and the owner ends of the `threads` deques (one per worker thread).
    pub(crate) fn new(threads: usize) -> (Self, Vec<Worker<Job>>) {
        let locals: Vec<Worker<Job>> = (0..threads).map(|_| Worker::new_fifo()).collect();
        let queues = Self {
            injector: Injector::new(),
            stealers: locals.iter().map(Worker::stealer).collect(),
            sleeping: AtomicUsize::new(0),
            sleep: Mutex::new(SleepState { wakeups: 0, closed: false }),
            wake: Condvar::new(),
            cancel: AtomicBool::new(false),
        };
        (queues, locals)
    }

    /// Queues a job from any thread.
    #[inline]
    pub(crate) fn push(&self, job: Job) {
        self.injector.push(job);
        self.wake_one_if_sleeping();
    }

    #[inline]
    fn wake_one_if_sleeping(&self) {
        // Pairs with the fence in `park`: either this load sees the sleeper, or the sleeper's
        // re-check sees the job we just queued.
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::Relaxed) > 0 {
            self.wake_one();
        }
    }

    #[cold]
    fn wake_one(&self) {
        let mut state = self.sleep.lock().unwrap_or_else(PoisonError::into_inner);
        if self.sleeping.load(Ordering::Relaxed) > 0 {
            self.sleeping.fetch_sub(1, Ordering::Relaxed);
            state.wakeups += 1;
            drop(state);
            self.wake.notify_one();
        }
    }

    /// Jobs queued per worker deque, then in the injector; a snapshot.
    pub(crate) fn lengths(&self) -> Vec<usize> {
        self.stealers.iter().map(Stealer::len).chain(iter::once(self.injector.len())).collect()
    }

    /// The worker loop of worker `index`; returns how many jobs it dropped on cancellation.
    pub(crate) fn work(&self, index: usize, local: &Worker<Job>, tracker: &JobTracker) -> usize {
        let mut backoff = Backoff::new();
        let mut idle_rounds = 0;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return self.drop_local(local, tracker);
            }
            if let Some(job) = self.find_job(index, local) {
                tracker.run(job);
                backoff.reset();
                idle_rounds = 0;
            } else if idle_rounds < IDLE_SNOOZES {
                backoff.snooze();
                idle_rounds += 1;
            } else if !self.park() {
                return self.drop_local(local, tracker);
            } else {
                idle_rounds = 0;
            }
        }
    }

    /// Own deque first, then a batch from the injector, then one job from a sibling.
    fn find_job(&self, index: usize, local: &Worker<Job>) -> Option<Job> {
        if let Some(job) = local.pop() {
            return Some(job);
        }
        let siblings = self.stealers.iter().cycle().skip(index + 1).take(self.stealers.len() - 1);
        let job = iter::repeat_with(|| {
            self.injector
                .steal_batch_and_pop(local)
                .or_else(|| siblings.clone().map(Stealer::steal).collect::<Steal<Job>>())
        })
        .find(|steal| !steal.is_retry())
        .and_then(Steal::success);
        if job.is_some() && !local.is_empty() {
            self.wake_one_if_sleeping(); // we took a batch: let a sleeper steal part of it
        }
        job
    }

    fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|stealer| !stealer.is_empty())
    }

    /// Sleeps until a job may be available; `false` once closed with nothing left to do.
    #[cold]
    fn park(&self) -> bool {
        let mut state = self.sleep.lock().unwrap_or_else(PoisonError::into_inner);
        self.sleeping.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::SeqCst); // see `wake_one_if_sleeping`
        if self.has_work() || state.closed {
            self.sleeping.fetch_sub(1, Ordering::Relaxed);
            return self.has_work() || !state.closed;
        }
        while state.wakeups == 0 && !state.closed {
            state = self.wake.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        if state.wakeups > 0 {
            state.wakeups -= 1; // the waker already took us out of `sleeping`
        } else {
            self.sleeping.fetch_sub(1, Ordering::Relaxed); // woken by the close
        }
        true
    }

    /// Drops the jobs left in this worker's deque unrun (they were cancelled) and counts them.
    fn drop_local(&self, local: &Worker<Job>, tracker: &JobTracker) -> usize {
        let dropped = iter::from_fn(|| local.pop()).count();
        tracker.finished(dropped);
        dropped
    }

    /// Closes the pool and wakes every worker. With `cancel`, drops the injector's jobs unrun
    /// and returns how many (workers count what they drop from their own deques).
    pub(crate) fn close(&self, cancel: bool) -> usize {
        self.cancel.store(cancel, Ordering::Relaxed);
        let dropped = if cancel {
            iter::repeat_with(|| self.injector.steal())
                .take_while(|steal| !steal.is_empty())
                .filter(|steal| steal.is_success())
                .count()
        } else {
            0
        };
        self.sleep.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        self.wake.notify_all();
        dropped
    }
}
