//! The body of one worker thread: warm up, wait for every thread, measure, finish.

use std::sync::atomic::Ordering;
use std::time::Instant;

use hdrhistogram::Histogram;
use workloads::{Metrics, Role};

use super::op_timer::{OpTimer, TimingTally};
use super::{Settings, Shared, Stop};
use crate::watchdog::ExitGuard;

/// One thread's results.
pub(super) struct ThreadReport {
    pub role: Role,
    pub warmup_ops: u64,
    pub ops: u64,
    /// Operations of [`workloads::Worker::finish`]: after the measured phase.
    pub finish_ops: u64,
    pub metrics: Metrics,
    pub tally: TimingTally,
    pub started: Instant,
    pub finished: Instant,
    pub latency: Histogram<u64>,
}

/// Runs worker `index` of the trial through its phases (see [`super::measure`]).
pub(super) fn worker_thread(shared: &Shared, index: usize, settings: &Settings) -> ThreadReport {
    let progress = shared.board.thread(index);
    let _exit = ExitGuard(progress);
    let mut worker = shared.trial.worker(index);
    let role = worker.role();
    progress.started(role != Role::Main);
    if role == Role::Main {
        shared.main_workers.fetch_add(1, Ordering::Relaxed);
    }
    let seed = thread_seed(settings.seed, index);
    let mut timer = OpTimer::new(settings.latency, seed, progress);
    shared.start.wait();
    let mut warmup_ops = timer.run_until(&mut *worker, || shared.warm.load(Ordering::Relaxed));
    // Keep going, unmeasured, until every thread has warmed up.
    shared.warmed_up.fetch_add(1, Ordering::AcqRel);
    warmup_ops += timer.run_until(&mut *worker, || shared.go.load(Ordering::Acquire));
    timer.reset_samples();
    drop(worker.take_metrics());
    let started = Instant::now();
    progress.measuring();
    shared.measuring.fetch_add(1, Ordering::AcqRel);
    let ops = match (role, settings.timing.stop) {
        (Role::Main, Stop::OpsPerThread(limit)) => timer.run_count(&mut *worker, limit),
        _ => timer.run_until(&mut *worker, || shared.stop.load(Ordering::Relaxed)),
    };
    let finished = Instant::now();
    if role == Role::Main {
        shared.main_done.fetch_add(1, Ordering::AcqRel);
    }
    let finish_ops = worker.finish();
    let mut metrics = worker.take_metrics();
    match role {
        Role::Side(name) => timer.move_samples_to(&mut metrics, name),
        Role::Idle => timer.reset_samples(),
        Role::Main => {}
    }
    ThreadReport {
        role,
        warmup_ops,
        ops,
        finish_ops,
        metrics,
        tally: timer.tally,
        started,
        finished,
        latency: timer.latency,
    }
}

/// Thread `index`'s own sampling seed. `SmallRng::seed_from_u64` scrambles it, so neighbouring
/// seeds give independent streams, and a run with the same seed draws the same gaps.
fn thread_seed(seed: u64, index: usize) -> u64 {
    seed.wrapping_add(index as u64)
}
