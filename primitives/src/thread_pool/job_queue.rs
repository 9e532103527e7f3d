//! The blocking job queue under [`ThreadPool`](super::ThreadPool) and each per-worker queue of the
//! dispatch pools: a mutex-protected FIFO plus a count of sleeping workers, in the style of
//! a classic monitor (Hoare, 1974) tuned for tiny jobs.
//!
//! Waking a parked thread costs 30–44 µs on the target machines, and `Condvar::notify_one` is a
//! syscall even with no waiter, so a submitter signals only when a worker sleeps and has not yet
//! been sent a wake-up; an idle worker spins briefly on a lock-free length hint before it parks.
//! The sleeper count lives under the same lock as the jobs, so a push either sees the sleeper or
//! happens before the sleeper's last look at the queue: no wake-up is lost.

use std::collections::VecDeque;
use std::sync::PoisonError;

use crate::backoff::Backoff;
use crate::chaos;
use crate::executor::Job;
use crate::sync::{AtomicUsize, Condvar, Mutex, MutexGuard, Ordering};

/// Idle rounds of [`Backoff::snooze`] before a worker parks: about 130 spin hints then a few
/// yields, a few microseconds against a 30–44 µs wake-up. One round under loom, where every
/// spin is a scheduling point and a long spin only multiplies the interleavings.
const IDLE_SNOOZES: u32 = if cfg!(loom) { 1 } else { 11 };

/// A FIFO of jobs that workers block on, closed once at shutdown.
pub(crate) struct JobQueue {
    state: Mutex<QueueState>,
    /// Signalled when a wake-up is handed to a sleeper, and (to all) when the queue closes.
    wake: Condvar,
    /// `state.jobs.len()`, stored under the lock after every change: idle workers spin on it and
    /// least-loaded dispatch compares it, both without the lock. Stale by at most one change.
    queued: AtomicUsize,
}

struct QueueState {
    jobs: VecDeque<Job>,
    /// Set once; after it, workers drain `jobs` (cancelled jobs were removed) and exit.
    closed: bool,
    /// Workers blocked in `pop` that have not been handed a wake-up. A push moves one of them to
    /// `wakeups`, so a burst of pushes signals each sleeper once, not once per job.
    sleeping: usize,
    /// Wake-ups handed out and not yet taken: a waking worker takes one (or, if the queue closed
    /// without one for it, leaves `sleeping` itself). `sleeping + wakeups` = workers in the wait.
    wakeups: usize,
}

impl JobQueue {
    pub(crate) fn new() -> Self {
        let state = QueueState { jobs: VecDeque::new(), closed: false, sleeping: 0, wakeups: 0 };
        Self { state: Mutex::new(state), wake: Condvar::new(), queued: AtomicUsize::new(0) }
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // Jobs never run under this lock, so it cannot be poisoned by one; ignore poisoning.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Jobs waiting in the queue; a snapshot, for load balancing.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Appends `job` and wakes a sleeping worker if there is one.
    #[inline]
    pub(crate) fn push(&self, job: Job) {
        chaos::point();
        let mut state = self.lock();
        debug_assert!(!state.closed, "push after close: the pool's owner shut it down");
        state.jobs.push_back(job);
        self.queued.store(state.jobs.len(), Ordering::Relaxed);
        self.hand_out_wakeups(state, 1);
    }

    /// Appends every job of `jobs` under one lock and wakes up to that many sleepers; returns
    /// how many jobs it appended.
    pub(crate) fn push_batch(&self, jobs: impl IntoIterator<Item = Job>) -> usize {
        chaos::point();
        let mut state = self.lock();
        let before = state.jobs.len();
        state.jobs.extend(jobs);
        let added = state.jobs.len() - before;
        self.queued.store(state.jobs.len(), Ordering::Relaxed);
        self.hand_out_wakeups(state, added);
        added
    }

    #[inline]
    fn hand_out_wakeups(&self, mut state: MutexGuard<'_, QueueState>, jobs: usize) {
        let wake = jobs.min(state.sleeping);
        if wake == 0 {
            return;
        }
        state.sleeping -= wake;
        state.wakeups += wake;
        drop(state); // the woken worker will want the lock at once
        chaos::point();
        for _ in 0..wake {
            self.wake.notify_one();
        }
    }

    /// The next job, blocking while the queue is empty; `None` once it is closed and empty.
    #[inline]
    pub(crate) fn pop(&self) -> Option<Job> {
        chaos::point();
        let mut backoff = Backoff::new();
        loop {
            let mut state = self.lock();
            if let Some(job) = state.jobs.pop_front() {
                self.queued.store(state.jobs.len(), Ordering::Relaxed);
                return Some(job);
            }
            if state.closed {
                return None;
            }
            drop(state);
            if !self.spin_for_work(&mut backoff) {
                return self.park_for_work();
            }
        }
    }

    /// Spins (then yields) a little while the queue looks empty; `true` if a job showed up.
    fn spin_for_work(&self, backoff: &mut Backoff) -> bool {
        for _ in 0..IDLE_SNOOZES {
            if self.queued.load(Ordering::Relaxed) > 0 {
                return true;
            }
            backoff.snooze();
        }
        false
    }

    #[cold]
    fn park_for_work(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                self.queued.store(state.jobs.len(), Ordering::Relaxed);
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state.sleeping += 1;
            chaos::point();
            while state.wakeups == 0 && !state.closed {
                state = self.wake.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            if state.wakeups > 0 {
                state.wakeups -= 1;
            } else {
                state.sleeping -= 1; // woken by the close, not by a push
            }
        }
    }

    /// Closes the queue and wakes every worker. With `cancel`, the jobs still queued are removed
    /// and returned (drop them outside any lock: a job's captures may run arbitrary code on drop);
    /// without, workers run them before `pop` returns `None`.
    pub(crate) fn close(&self, cancel: bool) -> VecDeque<Job> {
        chaos::point();
        let mut state = self.lock();
        state.closed = true;
        let cancelled = if cancel { std::mem::take(&mut state.jobs) } else { VecDeque::new() };
        self.queued.store(state.jobs.len(), Ordering::Relaxed);
        drop(state);
        self.wake.notify_all();
        cancelled
    }
}
