//! The coordinating thread's side of a trial: it paces the phases and runs the watchdog.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{Shared, Stop, Timing, STRAGGLER_GRACE};
use crate::watchdog::{Stall, Watchdog};

/// A stall, and when the measured phase began (if it did).
pub(super) type Stalled = (Stall, Option<Instant>);

pub(super) struct Coordinator<'a> {
    pub shared: &'a Shared,
    pub watchdog: Watchdog,
}

impl Coordinator<'_> {
    /// Paces the trial until every thread has left its worker, or a stall.
    pub fn run(&mut self, threads: usize, timing: Timing) -> Result<(), Stalled> {
        let shared = self.shared;
        shared.start.wait();
        let mains = shared.main_workers.load(Ordering::Relaxed);
        let warmup_end = Instant::now() + timing.warmup;
        self.wait(|| Instant::now() >= warmup_end, None).map_err(|s| (s, None))?;
        // A worker stuck in an operation must not hang the run: after a grace its lateness
        // shows as a short overlap time (unless the watchdog speaks first).
        let grace = Some(Instant::now() + STRAGGLER_GRACE);
        self.wait(|| shared.warmed_up.load(Ordering::Acquire) >= threads, grace)
            .map_err(|s| (s, None))?;
        shared.go.store(true, Ordering::Release);
        // A thread sees the flag between two cycles; the clock starts when all have.
        let grace = Some(Instant::now() + STRAGGLER_GRACE);
        self.wait(|| shared.measuring.load(Ordering::Acquire) >= threads, grace)
            .map_err(|s| (s, None))?;
        let measure_start = Instant::now();
        let in_measurement = |stall| (stall, Some(measure_start));
        let deadline = match timing.stop {
            Stop::After(duration) => Some(measure_start + duration),
            Stop::OpsPerThread(_) => None,
        };
        // With side workers, a fixed duration is honoured even if the main workers ran out of
        // work early, so that the side workers are measured over the same span.
        let mains_done = || shared.main_done.load(Ordering::Acquire) >= mains;
        if mains < threads && deadline.is_some() {
            self.wait(|| false, deadline).map_err(in_measurement)?;
        } else {
            self.wait(mains_done, deadline).map_err(in_measurement)?;
        }
        shared.stop.store(true, Ordering::Relaxed);
        shared.trial.stop();
        let board = &shared.board;
        self.wait(|| (0..threads).all(|i| board.thread(i).has_exited()), None)
            .map_err(in_measurement)
    }

    /// Returns once `done()` or at `deadline`, whichever comes first; `Err` on a stall.
    fn wait(&mut self, done: impl Fn() -> bool, deadline: Option<Instant>) -> Result<(), Stall> {
        loop {
            if done() {
                return Ok(());
            }
            let now = Instant::now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                return Ok(());
            }
            if let Some(stall) = self.watchdog.check(&self.shared.board) {
                return Err(stall);
            }
            let nap = match deadline {
                Some(deadline) => self.watchdog.tick().min(deadline - now),
                None => self.watchdog.tick(),
            };
            std::thread::sleep(nap);
        }
    }
}
