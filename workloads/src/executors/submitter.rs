//! How the runner's threads map onto an executor workload: runner thread 0 is the one submitter
//! (the main worker); the other runner threads have nothing to do and wait, as [`Idle`] workers.
//!
//! An idle worker cannot simply return at once: the runner measures a fixed-duration run over the
//! time *every* thread was measuring, so a thread that stopped early would cut the measured span
//! short. So it blocks, and the submitter moves a [`Phases`] signal on at the two moments that
//! matter: when it starts measuring (its first `take_metrics`, which the runner calls right after
//! the warm-up) and when it is done (`finish`). During the warm-up an idle worker naps in short
//! steps, so the runner sees it warm up; while the submitter measures, it sleeps until the
//! submitter is done. The runner records nothing of an idle worker ([`Role::Idle`]).
//!
//! The submitter's op is a task, not a batch: it runs whole batches ([`whole_batches`]) and
//! reports every task, so throughput is in tasks per second and the op latency is a batch's time
//! divided by its tasks (the amortised cost of a task; the per-task latencies are the workloads'
//! own histograms).

use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::workload::{Role, Worker};

/// Longest an idle worker naps during the warm-up before it lets the runner look at it.
const WARMUP_NAP: Duration = Duration::from_millis(5);
/// Nap once the submitter is done, until the runner's stop flag (set right after) is seen.
const DONE_NAP: Duration = Duration::from_millis(1);

/// Where the submitter is: 0 warming up, 1 measuring, 2 done; `stopped` once the trial stops.
#[derive(Default)]
pub struct Phases {
    state: Mutex<PhaseState>,
    changed: Condvar,
}

#[derive(Default)]
struct PhaseState {
    phase: u8,
    stopped: bool,
}

impl Phases {
    /// The submitter handed over its warm-up figures: measuring starts.
    pub fn measuring(&self) {
        self.advance(|state| state.phase = state.phase.max(1));
    }

    /// The submitter is done.
    pub fn done(&self) {
        self.advance(|state| state.phase = 2);
    }

    /// The trial was stopped by the runner.
    pub fn stop(&self) {
        self.advance(|state| state.stopped = true);
    }

    fn advance(&self, change: impl FnOnce(&mut PhaseState)) {
        change(&mut self.state.lock());
        self.changed.notify_all();
    }

    /// Blocks an idle worker as the module docs say.
    fn idle(&self) {
        let mut state = self.state.lock();
        match (state.phase, state.stopped) {
            (_, true) => {}
            (0, _) => {
                let _ = self.changed.wait_for(&mut state, WARMUP_NAP);
            }
            (1, _) => {
                while state.phase == 1 && !state.stopped {
                    self.changed.wait(&mut state);
                }
            }
            _ => {
                let _ = self.changed.wait_for(&mut state, DONE_NAP);
            }
        }
    }
}

/// A runner thread with nothing to submit; see the module docs.
pub struct Idle<'a>(pub &'a Phases);

impl Worker for Idle<'_> {
    fn run(&mut self, n: u64) -> u64 {
        self.0.idle();
        n
    }

    fn role(&self) -> Role {
        Role::Idle
    }
}

/// The worker of runner thread `index` in an executor trial: thread 0 is the submitter `make`
/// builds, every other thread idles on `phases`.
pub fn submitter_or_idle<'a>(
    index: usize,
    phases: &'a Phases,
    make: impl FnOnce() -> Box<dyn Worker + 'a>,
) -> Box<dyn Worker + 'a> {
    if index == 0 {
        make()
    } else {
        Box::new(Idle(phases))
    }
}

/// Runs `run_batch` (one batch of `batch_len` tasks) until at least `n` tasks are done, at least
/// once; returns the tasks done.
pub fn whole_batches(n: u64, batch_len: usize, mut run_batch: impl FnMut()) -> u64 {
    let batch_len = batch_len.max(1) as u64;
    let mut done = 0;
    while done < n.max(1) {
        run_batch();
        done += batch_len;
    }
    done
}
