//! The coordinating thread's side of a trial: it paces the phases and runs the watchdog.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::phase::{bounded, Phase, Stuck};
use super::{Shared, Stop, Timing, STRAGGLER_GRACE};
use crate::watchdog::{Stall, StallKind, Watchdog};

/// Why a trial ended early.
pub(super) enum Halt {
    /// No thread made progress for the watchdog period, in this phase.
    Stalled(Stall, Phase),
    /// A call the runner bounds did not return.
    Stuck(Stuck),
}

impl Halt {
    pub fn describe(&self, waits: Option<String>) -> String {
        match self {
            Halt::Stalled(stall, phase) => stall.describe(*phase, waits),
            Halt::Stuck(stuck) => stuck.describe(waits),
        }
    }

    pub fn kind(&self) -> StallKind {
        match self {
            Halt::Stalled(stall, _) => stall.kind,
            Halt::Stuck(_) => StallKind::Stuck,
        }
    }

    /// When the last progress was seen.
    pub fn since(&self) -> Instant {
        match self {
            Halt::Stalled(stall, _) => stall.since,
            Halt::Stuck(stuck) => Instant::now() - stuck.waited,
        }
    }
}

/// Why the trial ended early, and when the measured phase began (if it did).
pub(super) type Halted = (Halt, Option<Instant>);

pub(super) struct Coordinator<'a> {
    pub shared: &'a Shared,
    pub watchdog: Watchdog,
}

impl Coordinator<'_> {
    /// Paces the trial until every thread has left its worker, or a stall.
    pub fn run(&mut self, threads: usize, timing: Timing) -> Result<(), Halted> {
        let shared = self.shared;
        shared.start.wait();
        let mains = shared.main_workers.load(Ordering::Relaxed);
        let warmup_end = Instant::now() + timing.warmup;
        let warming = |stall| (Halt::Stalled(stall, Phase::WarmUp), None);
        self.wait(|| Instant::now() >= warmup_end, None).map_err(warming)?;
        shared.warm.store(true, Ordering::Relaxed);
        // A worker stuck in an operation must not hang the run: after a grace its lateness
        // shows as a short overlap time (unless the watchdog speaks first).
        let grace = Some(Instant::now() + STRAGGLER_GRACE);
        self.wait(|| shared.warmed_up.load(Ordering::Acquire) >= threads, grace)
            .map_err(warming)?;
        shared.go.store(true, Ordering::Release);
        // A thread sees the flag between two cycles; the clock starts when all have.
        let grace = Some(Instant::now() + STRAGGLER_GRACE);
        self.wait(|| shared.measuring.load(Ordering::Acquire) >= threads, grace)
            .map_err(warming)?;
        let measure_start = Instant::now();
        let in_phase = |phase| move |stall| (Halt::Stalled(stall, phase), Some(measure_start));
        let deadline = match timing.stop {
            Stop::After(duration) => Some(measure_start + duration),
            Stop::OpsPerThread(_) => None,
        };
        // With side workers, a fixed duration is honoured even if the main workers ran out of
        // work early, so that the side workers are measured over the same span.
        let mains_done = || shared.main_done.load(Ordering::Acquire) >= mains;
        if mains < threads && deadline.is_some() {
            self.wait(|| false, deadline).map_err(in_phase(Phase::Measure))?;
        } else {
            self.wait(mains_done, deadline).map_err(in_phase(Phase::Measure))?;
        }
        shared.stop.store(true, Ordering::Relaxed);
        self.stop_trial().map_err(|stuck| (Halt::Stuck(stuck), Some(measure_start)))?;
        let board = &shared.board;
        self.wait(|| (0..threads).all(|i| board.thread(i).has_exited()), None)
            .map_err(in_phase(Phase::Finish))
    }

    /// Calls [`workloads::Trial::stop`], bounded by the watchdog period.
    pub fn stop_trial(&self) -> Result<(), Stuck> {
        let trial = self.shared.trial.clone();
        bounded(Phase::Stop, self.watchdog.period(), move || trial.stop())
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
