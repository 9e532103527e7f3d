//! Measures one trial: the threads start together, warm up, run for a fixed time or a fixed
//! number of operations, and report per-thread counts and a merged latency histogram.
//!
//! One concept per file:
//! - [`clock`]: the calibrated clock (TSC where it is invariant, else `Instant`);
//! - [`sampling`]: which operations are timed alone, at what rate, and what a batch's excess time
//!   says about a stall inside it;
//! - `op_timer`: one thread's timing loop; `worker_thread`: one thread's phases;
//! - `coordinator`: the coordinating thread that paces the phases and runs the watchdog;
//! - [`phase`]: the phases, and the bound on the trial's stop, check and drop;
//! - `assemble`: the threads' reports made into one [`Measurement`].
//!
//! Throughput is exact: every operation counts, over the time all threads ran at once. Latency
//! percentiles describe single operations, timed alone at random intervals ([`sampling`]); the
//! operations between two samples run as a batch whose time bounds any stall inside it, so no
//! stall can hide from the histogram's tail. `mean_ns` is exact too: busy thread time / operations.
//!
//! Watchdog: after every cycle a thread publishes its running op count; the coordinator checks
//! them every few milliseconds, and when no thread has completed an operation for the watchdog
//! period it ends the trial as a deadlock or livelock (see [`crate::watchdog`]). The worker
//! threads are therefore plain (not scoped) threads that own the trial through an `Arc`, so that
//! stuck ones can be abandoned.

pub mod clock;
pub mod phase;
pub mod prepare;
pub mod sampling;

mod assemble;
mod coordinator;
mod op_timer;
mod worker_thread;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use hdrhistogram::Histogram;
use reports::timing::LatencyTiming;
use workloads::{Check, Metrics, Role, Trial};

pub use op_timer::TimingTally;
pub use sampling::LatencyMethod;

use crate::watchdog::{ProgressBoard, StallKind, Watchdog, DEFAULT_WATCHDOG};
use clock::Clock;
use coordinator::{Coordinator, Halt};
use phase::{bounded, Phase};
use worker_thread::{worker_thread, ThreadReport};

/// How long the runner waits for late threads at the start of the measured phase before it
/// measures anyway. A thread starved by an unfair lock (a writer behind a stream of readers)
/// can be late for seconds while its neighbours progress; a thread stuck for good is the
/// watchdog's business.
pub const STRAGGLER_GRACE: Duration = Duration::from_secs(1);

/// How long the runner waits, after a stall, for threads that were only waiting for the stop
/// flag to leave; the others are abandoned.
pub const STALL_EXIT_GRACE: Duration = Duration::from_millis(20);

/// When the measured phase ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After this long, signalled to every thread by a stop flag.
    After(Duration),
    /// When every thread has completed this many operations.
    OpsPerThread(u64),
}

/// How long one trial runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub stop: Stop,
    /// Run (and discard) this long before measuring; the sampling rate settles here too.
    pub warmup: Duration,
}

/// Everything [`measure`] is told: a [`Timing`] converts into the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub timing: Timing,
    /// No operation completed by any thread for this long is a stall.
    pub watchdog: Duration,
    pub latency: LatencyMethod,
    /// Seeds each thread's sampling gaps.
    pub seed: u64,
}

impl From<Timing> for Settings {
    fn from(timing: Timing) -> Self {
        Settings { timing, watchdog: DEFAULT_WATCHDOG, latency: LatencyMethod::Sampled, seed: 0 }
    }
}

impl Settings {
    pub fn watchdog(self, watchdog: Duration) -> Self {
        Settings { watchdog, ..self }
    }
    pub fn latency(self, latency: LatencyMethod) -> Self {
        Settings { latency, ..self }
    }
    pub fn seed(self, seed: u64) -> Self {
        Settings { seed, ..self }
    }
}

/// What one measured run produced.
#[derive(Debug)]
pub struct Measurement {
    /// Operations each main thread completed in the measured phase.
    pub ops_per_thread: Vec<u64>,
    /// Threads whose operations are the workload's unit.
    pub main_threads: usize,
    /// For fixed-duration runs the time all threads were running at once; for fixed-count runs the
    /// time from the first thread's start to the last one's finish.
    pub elapsed: Duration,
    /// Latency per operation, all main threads merged; counts are estimated operations (see
    /// [`sampling`]).
    pub latency: Histogram<u64>,
    /// How the latencies were obtained, main threads together.
    pub tally: TimingTally,
    pub method: LatencyMethod,
    /// What the workers recorded themselves in the measured phase (and in `finish`), merged.
    pub metrics: Metrics,
    /// The workload's invariant, checked after the threads were joined; or, after a stall, the
    /// stall described.
    pub check: Check,
    /// What the watchdog saw, if the workers stalled.
    pub stall: Option<StallKind>,
}

impl Measurement {
    pub fn total_ops(&self) -> u64 {
        self.ops_per_thread.iter().sum()
    }

    /// Operations per second over [`Measurement::elapsed`].
    pub fn throughput(&self) -> f64 {
        self.total_ops() as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// The exact mean time of an operation: the main threads' time over their operations.
    pub fn mean_ns(&self) -> f64 {
        let busy_ns = self.main_threads as f64 * self.elapsed.as_nanos() as f64;
        busy_ns / self.total_ops().max(1) as f64
    }

    /// How the latencies were obtained, as the `timing` column says it.
    pub fn timing(&self) -> LatencyTiming {
        let TimingTally { timed_calls, timed_ops, ops, .. } = self.tally;
        let per_call = timed_ops as f64 / timed_calls.max(1) as f64;
        let info = Clock::get().info();
        let clock = format!("clock {}, overhead {:.0} ns", info.source, info.overhead_ns);
        if self.method == LatencyMethod::BatchMean || per_call > 1.0 {
            if per_call <= 1.0 {
                return LatencyTiming::PerOp { clock: None };
            }
            return LatencyTiming::BatchMean { size: per_call.round() as u64 };
        }
        if timed_ops >= ops {
            return LatencyTiming::PerOp { clock: Some(clock) };
        }
        LatencyTiming::Sampled {
            one_in: (ops as f64 / timed_calls.max(1) as f64).round() as u64,
            clock,
        }
    }
}

/// The latency method, clock and sampling policy, for `meta.json`.
pub fn latency_config(method: LatencyMethod) -> serde_json::Value {
    let cost = sampling::SamplingCost::get();
    let rule = sampling::StallRule::STANDARD;
    serde_json::json!({
        "method": method,
        "clock": Clock::get().info(),
        "sampling": {
            "budget": sampling::BUDGET,
            "per_sample_cost_ns": cost.per_sample_ns,
            "rate": format!(
                "each operation timed alone with probability 1/g (geometric gaps, per thread from \
                 the seed), g = clamp(per_sample_cost / ({} × operation time), 1, {}): \
                 at most {:.0} % of a thread's time",
                sampling::BUDGET, sampling::MAX_MEAN_GAP, 100.0 * sampling::BUDGET
            ),
            "stall_bounds": format!(
                "a batch over its expected time by more than max({} × expected, {} ns) is recorded \
                 as one operation of its excess over the others' usual time",
                rule.relative, rule.floor_ns
            ),
            "weights": "each sample counts for the operations of its cycle: histogram totals are operation counts",
        },
    })
}

/// What the coordinator and the worker threads share. Owned through an `Arc` by every thread,
/// so that a thread stuck for good can be abandoned with everything it uses.
struct Shared {
    trial: Arc<dyn Trial>,
    stop: AtomicBool,
    /// Raised by the coordinator when the warm-up time has passed.
    warm: AtomicBool,
    start: Barrier,
    main_workers: AtomicUsize,
    main_done: AtomicUsize,
    warmed_up: AtomicUsize,
    go: AtomicBool,
    measuring: AtomicUsize,
    board: ProgressBoard,
}

/// Runs `trial` on `threads` threads and checks its invariant, unless the workers stall.
///
/// The threads and this coordinating thread start together at a barrier. Each thread warms up
/// for the warm-up time, says so, and keeps running unmeasured until the coordinator, once every
/// thread has warmed up, raises the `go` flag; then it forgets what it recorded, notes its start
/// and measures. The duration starts once every thread has started. A second barrier would do
/// the same for plain workers but could deadlock on a consumer blocked on an empty queue while
/// producers wait at the barrier. The coordinator ends the measured phase when the duration has
/// passed or every main worker has finished its count or run out of work: it sets the stop flag
/// and calls [`Trial::stop`].
///
/// All along, the coordinator runs the [`Watchdog`]: if no thread completes an operation for
/// the watchdog period (at least twice [`Trial::slowest_op`]), the run ends there. The check is
/// the stall (a deadlock or a livelock, with what the trial says its threads wait for), the
/// invariant is not checked (its check could block on the locks the stuck threads hold), and
/// threads that do not return at once are abandoned.
pub fn measure(
    trial: impl Into<Arc<dyn Trial>>,
    threads: usize,
    settings: impl Into<Settings>,
) -> Measurement {
    measure_pinned(trial, threads, settings, &[])
}

/// [`measure`] with worker `i` pinned to CPU `pins[i % pins.len()]` from its first instruction
/// (`--pin`); `pins` empty leaves the workers where the scheduler puts them.
pub fn measure_pinned(
    trial: impl Into<Arc<dyn Trial>>,
    threads: usize,
    settings: impl Into<Settings>,
    pins: &[usize],
) -> Measurement {
    let settings = settings.into();
    assert!(threads > 0, "a trial needs at least one thread");
    let shared = Arc::new(Shared {
        trial: trial.into(),
        stop: AtomicBool::new(false),
        warm: AtomicBool::new(false),
        start: Barrier::new(threads + 1),
        main_workers: AtomicUsize::new(0),
        main_done: AtomicUsize::new(0),
        warmed_up: AtomicUsize::new(0),
        go: AtomicBool::new(false),
        measuring: AtomicUsize::new(0),
        board: ProgressBoard::new(threads),
    });
    // Calibrated here, not inside the first worker's measured phase.
    let _ = (Clock::get(), sampling::SamplingCost::get());
    let handles: Vec<_> = (0..threads)
        .map(|index| {
            let shared = shared.clone();
            let pin = (!pins.is_empty()).then(|| pins[index % pins.len()]);
            std::thread::spawn(move || {
                if let Some(cpu) = pin {
                    // The CPU comes from the process's allowed set, so the kernel only refuses
                    // it if that set shrank since; the thread then runs unpinned.
                    let _ = crate::affinity::pin_current_thread(&[cpu]);
                }
                worker_thread(&shared, index, &settings)
            })
        })
        .collect();
    let watchdog = shared
        .trial
        .slowest_op()
        .map_or(settings.watchdog, |slowest| settings.watchdog.max(2 * slowest));
    let mut coordinator = Coordinator { shared: &shared, watchdog: Watchdog::new(watchdog) };
    let limit = coordinator.watchdog.period();
    let mut measurement = match coordinator.run(threads, settings.timing) {
        Ok(()) => {
            let reports: Vec<ThreadReport> = handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect();
            let all_ops: u64 = reports
                .iter()
                .filter(|r| r.role != Role::Idle)
                .map(|r| r.warmup_ops + r.ops + r.finish_ops)
                .sum();
            let trial = shared.trial.clone();
            match bounded(Phase::Check, limit, move || trial.check(all_ops)) {
                Ok(check) => assemble::assemble(&reports, &settings, check),
                Err(stuck) => {
                    let check = Check::Violated(stuck.describe(shared.trial.diagnose_stall()));
                    let mut measurement = assemble::assemble(&reports, &settings, check);
                    measurement.stall = Some(StallKind::Stuck);
                    measurement
                }
            }
        }
        Err((halt, measure_start)) => {
            // Asked before the stop, which may release some of the stuck threads.
            let check = Check::Violated(halt.describe(shared.trial.diagnose_stall()));
            shared.stop.store(true, Ordering::Relaxed);
            if !matches!(halt, Halt::Stuck(_)) {
                let _ = coordinator.stop_trial();
            }
            assemble::stalled(&shared, handles, &halt, measure_start, &settings, check)
        }
    };
    // The last owner of the trial is here unless threads were abandoned; its drop may join
    // threads of its own (an executor's workers).
    if let Err(stuck) = bounded(Phase::Drop, limit, move || drop(shared)) {
        if matches!(measurement.check, Check::Held(_)) {
            measurement.check = Check::Violated(stuck.describe(None));
            measurement.stall = Some(StallKind::Stuck);
        }
    }
    measurement
}

/// Jain's fairness index of per-thread op counts: 1 when all equal, 1/n when one thread did all.
pub fn jain_fairness(ops_per_thread: &[u64]) -> f64 {
    let sum: f64 = ops_per_thread.iter().map(|&x| x as f64).sum();
    let sum_of_squares: f64 = ops_per_thread.iter().map(|&x| (x as f64) * (x as f64)).sum();
    if sum_of_squares == 0.0 {
        return 1.0;
    }
    sum * sum / (ops_per_thread.len() as f64 * sum_of_squares)
}
