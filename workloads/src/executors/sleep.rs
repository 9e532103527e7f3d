//! `sleep`: N tasks that each sleep, run by five strategies, each wall time set beside what the
//! strategy should take in theory.
//!
//! One op is one task; the submitter runs them in batches of `tasks` (N) and records each batch's
//! wall time in the [`WALL`] histogram (the op latency is that wall time divided by N). Durations
//! (`durations`): `mixed` (the default), task i sleeps (1 + i mod 10) x `sleep_us` (1..10 ms by
//! default; ten tasks are FACTS' "ten sleeps of 1..10 ms"); `equal`, every task sleeps `sleep_us`. The submitter
//! (runner thread 0; the others idle, see [`super::submitter`]) hands the tasks over longest
//! first and waits for all.
//!
//! | strategy | expectation | `--threads` |
//! |---|---|---|
//! | `sequential` | sum(d): one after another on the submitter | ignored |
//! | `thread-per-task` | max(d): all at once | ignored |
//! | `thread-pool` | the LPT packing of the durations into k workers | k workers |
//! | `rayon-pool` | the same: a sleeping task blocks its rayon worker | k workers |
//! | `tokio` | max(d) + ½ ms: `tokio::time::sleep` blocks no worker, and its timer rounds each deadline up to the next 1 ms tick | k runtime workers |
//!
//! The LPT packing (longest task to the least-loaded worker, Graham 1969) is exactly what a FIFO
//! pool does with tasks handed over longest first; for equal durations it is ceil(N/k) x d.
//!
//! The check reports the median wall time of the measured batches, the expectation, the
//! efficiency (expected / measured) and whether the wall time lies within 5 % + 1 ms of the
//! expectation (also in the extras: `expected_us`, `wall_p50_us`, `efficiency_permille`,
//! `within_tolerance`). Beyond it is reported as a finding in the message — a sleep costs ~50–80
//! µs of timer slack and a thread spawn ~45 µs here, so a thread per task falls behind as N grows
//! — not as a broken invariant. The invariant, checked on every batch: every task ran exactly
//! once, and not one ran before its batch was handed over or after `run` returned.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use primitives::adapters::executors::{RayonPool, ThreadPerTask};
use primitives::executor::{Executor, Job};
use primitives::thread_pool::ThreadPool;

use super::submitter::{submitter_or_idle, whole_batches, Phases};
use crate::catalog::Catalog;
use crate::metrics::{latency_histogram, Metrics};
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// Histogram of the wall time of each batch of N tasks.
pub const WALL: &str = "wall";
/// The resolution of tokio's timer wheel: a deadline fires at the first whole millisecond of the
/// runtime's clock at or after it.
pub const TOKIO_TICK: Duration = Duration::from_millis(1);

/// A bound on what running one task costs beyond its sleep (a spawn is ~45 µs here, timer slack
/// ~50–80 µs), used only to keep the watchdog from calling a slow batch a stall.
pub const TASK_OVERHEAD_BOUND: Duration = Duration::from_micros(500);

/// Relative part of the tolerance around the expectation.
pub const TOLERANCE_SHARE: f64 = 0.05;
/// Absolute part of the tolerance around the expectation.
pub const TOLERANCE_ABSOLUTE: Duration = Duration::from_millis(1);

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "tasks",
        kind: ParamKind::Count(Range::new(1, 100_000).drawn_to(200)),
        default: "10,100",
        help: "tasks per batch (N); try --set tasks=10,100,1000,10000",
    },
    ParamSpec {
        name: "durations",
        kind: ParamKind::Choice(&["equal", "mixed"]),
        default: "mixed",
        help: "mixed: task i sleeps (1 + i mod 10) x sleep_us; equal: each sleeps sleep_us",
    },
    ParamSpec {
        name: "sleep_us",
        kind: ParamKind::Count(Range::new(1, 1_000_000).drawn_to(1000)),
        default: "1000",
        help: "the unit sleep (us)",
    },
];

/// How long a strategy should take for a batch, in theory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// One after another: the sum of the durations.
    Sum,
    /// All at once: the longest duration.
    Max,
    /// On k workers: the LPT packing of the durations.
    Packed,
    /// All at once on a timer of [`TOKIO_TICK`] resolution: the longest duration plus half a tick,
    /// the mean delay of rounding a deadline that falls anywhere within a tick up to its end.
    MaxOnTicks,
}

impl Expectation {
    /// The expected wall time of `durations` (longest first) on `workers` workers.
    pub fn of(self, durations: &[Duration], workers: usize) -> Duration {
        match self {
            Expectation::Sum => durations.iter().sum(),
            Expectation::Max => durations.iter().copied().max().unwrap_or_default(),
            Expectation::Packed => lpt_makespan(durations, workers),
            Expectation::MaxOnTicks => Expectation::Max.of(durations, workers) + TOKIO_TICK / 2,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Expectation::Sum => "sum of d",
            Expectation::Max => "max of d",
            Expectation::Packed => "LPT packing into k",
            Expectation::MaxOnTicks => "max of d + half a 1 ms timer tick",
        }
    }
}

/// Graham's LPT: each duration (longest first) goes to the worker that is free first.
pub fn lpt_makespan(durations: &[Duration], workers: usize) -> Duration {
    let mut sorted = durations.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let mut loads = vec![Duration::ZERO; workers.max(1)];
    for duration in sorted {
        let least = loads.iter_mut().min().expect("at least one worker");
        *least += duration;
    }
    loads.into_iter().max().unwrap_or_default()
}

/// A way of running a batch of sleeping tasks.
pub trait SleepStrategy: Send + Sync + 'static {
    /// A strategy with `workers` workers, where it has a fixed set.
    fn with_workers(workers: usize) -> Self
    where
        Self: Sized;

    /// Runs task i of `durations` for each i (each sleeps its duration, then calls
    /// `marks.mark(i)`) and returns once every task is done.
    fn run_all(&self, durations: &[Duration], marks: &Arc<RunMarks>);

    /// Stops whatever threads the strategy started.
    fn shutdown(self)
    where
        Self: Sized;
}

/// How many times each task of the current batch ran.
pub struct RunMarks(Vec<AtomicU32>);

impl RunMarks {
    fn new(tasks: usize) -> Self {
        Self((0..tasks).map(|_| AtomicU32::new(0)).collect())
    }

    /// Task `index` ran.
    pub fn mark(&self, index: usize) {
        self.0[index].fetch_add(1, Ordering::Relaxed);
    }

    /// Tasks that did not run and extra runs since the last call, which resets the marks.
    fn take(&self) -> (u64, u64) {
        let (mut missing, mut extra) = (0, 0);
        for mark in &self.0 {
            match mark.swap(0, Ordering::Relaxed) {
                0 => missing += 1,
                runs => extra += u64::from(runs - 1),
            }
        }
        (missing, extra)
    }
}

/// Every task on the submitting thread, one after another.
pub struct Sequential;

impl SleepStrategy for Sequential {
    fn with_workers(_workers: usize) -> Self {
        Sequential
    }

    fn run_all(&self, durations: &[Duration], marks: &Arc<RunMarks>) {
        for (index, &duration) in durations.iter().enumerate() {
            std::thread::sleep(duration);
            marks.mark(index);
        }
    }

    fn shutdown(self) {}
}

/// The tasks as jobs of an [`Executor`], handed over in one batch, then `wait_idle`.
pub struct OnExecutor<E>(E);

impl<E: Executor + 'static> SleepStrategy for OnExecutor<E> {
    fn with_workers(workers: usize) -> Self {
        Self(E::with_threads(workers))
    }

    fn run_all(&self, durations: &[Duration], marks: &Arc<RunMarks>) {
        let jobs = durations.iter().enumerate().map(|(index, &duration)| {
            let marks = marks.clone();
            Box::new(move || {
                std::thread::sleep(duration);
                marks.mark(index);
            }) as Job
        });
        self.0.execute_batch(jobs);
        self.0.wait_idle();
    }

    fn shutdown(self) {
        self.0.shutdown();
    }
}

/// Async tasks awaiting `tokio::time::sleep` on a multi-thread runtime of k workers.
pub struct Tokio(tokio::runtime::Runtime);

impl SleepStrategy for Tokio {
    fn with_workers(workers: usize) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .enable_time()
            .build()
            .expect("failed to start a tokio runtime");
        Self(runtime)
    }

    fn run_all(&self, durations: &[Duration], marks: &Arc<RunMarks>) {
        self.0.block_on(async {
            let handles: Vec<_> = durations
                .iter()
                .enumerate()
                .map(|(index, &duration)| {
                    let marks = marks.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(duration).await;
                        marks.mark(index);
                    })
                })
                .collect();
            for handle in handles {
                handle.await.expect("a sleeping task panicked");
            }
        });
    }

    fn shutdown(self) {
        self.0.shutdown_timeout(Duration::from_secs(1));
    }
}

/// What one trial is built from.
#[derive(Debug, Clone)]
pub struct SleepSetup {
    workers: usize,
    /// Longest first.
    durations: Vec<Duration>,
}

/// The sleep workload over any set of [`SleepStrategy`]s.
pub struct SleepWorkload {
    catalog: Catalog<SleepSetup>,
}

impl SleepWorkload {
    /// A workload with no strategies yet; add them with [`SleepWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// The five strategies of the module docs.
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        Self::empty()
            .with_strategy::<Sequential>(
                "sequential",
                Library,
                "one after another",
                Expectation::Sum,
            )
            .with_strategy::<OnExecutor<ThreadPerTask>>(
                "thread-per-task",
                Library,
                "std::thread::spawn per task",
                Expectation::Max,
            )
            .with_strategy::<OnExecutor<ThreadPool>>(
                "thread-pool",
                HandRolled,
                "the hand-rolled pool of k workers",
                Expectation::Packed,
            )
            .with_strategy::<OnExecutor<RayonPool>>(
                "rayon-pool",
                Library,
                "a rayon pool of k workers; sleeping blocks them",
                Expectation::Packed,
            )
            .with_strategy::<Tokio>(
                "tokio",
                Library,
                "tokio::time::sleep on a multi-thread runtime of k workers",
                Expectation::MaxOnTicks,
            )
    }

    /// Adds the executor `E` (the one plug-in shape): each batch is handed to an `E` of k
    /// workers, expected to take the LPT packing of the sleeps into k ([`Expectation::Packed`]).
    pub fn with<E: Executor + 'static>(self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.with_strategy::<OnExecutor<E>>(name, kind, about, Expectation::Packed)
    }

    /// Adds the strategy `S` under `name`, expected to take `expectation`.
    pub fn with_strategy<S: SleepStrategy>(
        mut self,
        name: &str,
        kind: ImplKind,
        about: &str,
        expectation: Expectation,
    ) -> Self {
        self.catalog.add(name, kind, about, move |setup: &SleepSetup| {
            Box::new(SleepTrial::<S>::new(setup, expectation))
        });
        self
    }
}

impl Workload for SleepWorkload {
    fn name(&self) -> &str {
        "sleep"
    }

    fn about(&self) -> &str {
        "N sleeping tasks run sequentially, a thread each, on a pool of k, on rayon, on tokio"
    }

    fn invariant(&self) -> &str {
        "every task runs exactly once per batch (wall time vs expectation is reported)"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let params = setup.params;
        let unit = Duration::from_micros(params.number("sleep_us"));
        let mixed = match params.choice("durations") {
            "mixed" => true,
            "equal" => false,
            other => unreachable!("'{other}' is not a declared duration pattern"),
        };
        let mut durations: Vec<Duration> = (0..params.number("tasks") as u32)
            .map(|i| if mixed { unit * (1 + i % 10) } else { unit })
            .collect();
        durations.sort_unstable_by(|a, b| b.cmp(a));
        self.catalog.make(implementation, &SleepSetup { workers: setup.threads, durations })
    }
}

/// The shared state of one sleep trial.
struct SleepTrial<S> {
    strategy: Mutex<Option<S>>,
    durations: Vec<Duration>,
    marks: Arc<RunMarks>,
    expectation: Expectation,
    expected: Duration,
    phases: Phases,
    report: Mutex<Report>,
}

#[derive(Default)]
struct Report {
    batches: u64,
    missing: u64,
    extra: u64,
    /// The median wall time of the last measured phase.
    wall_p50: Option<Duration>,
}

impl<S: SleepStrategy> SleepTrial<S> {
    fn new(setup: &SleepSetup, expectation: Expectation) -> Self {
        Self {
            strategy: Mutex::new(Some(S::with_workers(setup.workers))),
            durations: setup.durations.clone(),
            marks: Arc::new(RunMarks::new(setup.durations.len())),
            expectation,
            expected: expectation.of(&setup.durations, setup.workers),
            phases: Phases::default(),
            report: Mutex::new(Report::default()),
        }
    }

    /// The tolerance around the expectation: 5 % + 1 ms.
    fn tolerance(&self) -> Duration {
        self.expected.mul_f64(TOLERANCE_SHARE) + TOLERANCE_ABSOLUTE
    }

    fn within_tolerance(&self, wall: Duration) -> bool {
        wall.abs_diff(self.expected) <= self.tolerance()
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

impl<S: SleepStrategy> Trial for SleepTrial<S> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        submitter_or_idle(index, &self.phases, || {
            Box::new(Submitter { trial: self, walls: Vec::new() })
        })
    }

    fn stop(&self) {
        self.phases.stop();
    }

    /// One call runs a whole batch: its expectation, plus a generous [`TASK_OVERHEAD_BOUND`] per
    /// task for spawns and timer slack (a thread per task at N = 10 000 takes 0.7 s, not 10 ms).
    fn slowest_op(&self) -> Option<Duration> {
        Some(self.expected + TASK_OVERHEAD_BOUND * self.durations.len() as u32)
    }

    fn check(&self, _ops: u64) -> Check {
        if let Some(strategy) = self.strategy.lock().take() {
            strategy.shutdown();
        }
        let report = self.report.lock();
        let tasks = self.durations.len();
        if report.missing > 0 || report.extra > 0 {
            return Check::Violated(format!(
                "over {} batches of {tasks}: {} tasks had not run when the batch returned, {} ran more than once",
                report.batches, report.missing, report.extra
            ));
        }
        let timing = match report.wall_p50 {
            None => String::new(),
            Some(wall) => {
                let verdict = if self.within_tolerance(wall) {
                    "within 5 % + 1 ms".to_owned()
                } else {
                    format!(
                        "{:+.2} ms off, beyond 5 % + 1 ms (a finding, not a violation)",
                        ms(wall) - ms(self.expected)
                    )
                };
                format!(
                    "; wall p50 {:.2} ms vs expected {:.2} ms ({}): efficiency {:.2}, {verdict}",
                    ms(wall),
                    ms(self.expected),
                    self.expectation.label(),
                    self.expected.as_secs_f64() / wall.as_secs_f64().max(1e-9),
                )
            }
        };
        Check::Held(format!(
            "{} batches of {tasks} tasks, each task ran exactly once{timing}",
            report.batches
        ))
    }
}

/// Runner thread 0: runs batches and times them.
struct Submitter<'a, S> {
    trial: &'a SleepTrial<S>,
    /// Wall times since the last `take_metrics`.
    walls: Vec<Duration>,
}

impl<S: SleepStrategy> Worker for Submitter<'_, S> {
    fn run(&mut self, n: u64) -> u64 {
        let trial = self.trial;
        whole_batches(n, trial.durations.len(), || {
            let strategy = trial.strategy.lock();
            let strategy = strategy.as_ref().expect("shut down only after the submitter");
            let began = Instant::now();
            strategy.run_all(&trial.durations, &trial.marks);
            self.walls.push(began.elapsed());
            let (missing, extra) = trial.marks.take();
            let mut report = trial.report.lock();
            report.batches += 1;
            report.missing += missing;
            report.extra += extra;
        })
    }

    fn finish(&mut self) -> u64 {
        self.trial.phases.done();
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        let trial = self.trial;
        trial.phases.measuring();
        let mut metrics = Metrics::default();
        if self.walls.is_empty() {
            return metrics;
        }
        let mut walls = latency_histogram();
        for wall in self.walls.drain(..) {
            walls.saturating_record(wall.as_nanos() as u64);
            metrics.record(WALL, wall.as_nanos() as u64);
        }
        let wall = Duration::from_nanos(walls.value_at_quantile(0.5));
        let expected_us = trial.expected.as_micros() as u64;
        metrics.count("expected_us", expected_us);
        metrics.count("wall_p50_us", wall.as_micros() as u64);
        metrics.count("efficiency_permille", expected_us * 1000 / (wall.as_micros() as u64).max(1));
        metrics.count("within_tolerance", u64::from(trial.within_tolerance(wall)));
        trial.report.lock().wall_p50 = Some(wall);
        metrics
    }
}
