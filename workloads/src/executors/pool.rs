//! `pool`: one submitter hands batches of small tasks to an executor and waits for each batch.
//!
//! `--threads` is the executor's worker count k (the trial builds it with `with_threads(k)`);
//! runner thread 0 is the submitter, the other runner threads idle (see [`super::submitter`]).
//! One op is one task, handed over in batches: the submitter boxes `batch` tasks, stamps the time,
//! hands them over with one `execute_batch` (a lock taken once by the hand-rolled pool, one
//! `scope` for rayon-scope, one by one elsewhere) and waits with `wait_idle`. So throughput is in
//! tasks per second and the op latency is the batch's makespan, submission included, divided by
//! its tasks; the same submission pattern is measured for every implementation.
//!
//! Task sizes (`task`): tiny (~100 ns of busy work), medium (~10 µs), heavy (Pareto, shape 1.5,
//! mean ~10 µs, capped at 1 ms; a seeded table of 4096 sizes replayed in a loop). Histograms
//! `submit-to-start` and `submit-to-finish` time from the batch's hand-over to the task's start
//! and end; a clock read costs ~25 ns, so only one tiny task in [`TINY_SAMPLE`] is timed (every
//! medium or heavy task is). Within a batch they are mostly queueing delay: the i-th task waits
//! for the i-1 before it.
//!
//! Invariant, checked on every run: every task submitted ran exactly once (the thread tallies of
//! [`super::ledger`]), `wait_idle` never returned before its batch was done, no task panicked, and
//! shutdown under load loses nothing: after the measured phase the submitter hands over one more
//! batch and shuts the executor down at once, without waiting; every task must still have run.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use primitives::adapters::executors::{
    ChannelPool, RayonGlobal, RayonPool, RayonScope, ThreadPerTask,
};
use primitives::executor::{Executor, Job};
use primitives::thread_pool::ThreadPool;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Pareto};

use super::ledger::{compare, LedgerId, Tally, TaskLedger};
use super::submitter::{submitter_or_idle, whole_batches, Phases};
use crate::busy_work::BusyWork;
use crate::catalog::Catalog;
use crate::metrics::Metrics;
use crate::params::{ParamKind, ParamSpec, Params, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// Histogram of the time from a batch's hand-over to a (sampled) task's start.
pub const SUBMIT_TO_START: &str = "submit-to-start";
/// Histogram of the time from a batch's hand-over to a (sampled) task's end.
pub const SUBMIT_TO_FINISH: &str = "submit-to-finish";
/// One tiny task in this many is timed.
pub const TINY_SAMPLE: u64 = 32;
/// Mean task length of the medium and heavy sizes.
const MEAN_TASK_NS: u64 = 10_000;
/// Sizes drawn per trial for heavy tasks, replayed in a loop.
const SIZE_TABLE: usize = 4096;
/// Thread-per-task spawns a thread per task (~47 µs): its batches are capped at this many tasks
/// so that a batch of tiny tasks takes tens of milliseconds, not half a second.
pub const THREAD_PER_TASK_BATCH_CAP: usize = 1000;
/// What the watchdog allows per task for handing it over: a queue push, or for thread-per-task a
/// thread spawn and join and the new thread's ledger slot, which take milliseconds on a loaded
/// 2-CPU machine in an unoptimised build.
const HANDOVER: Duration = Duration::from_micros(200);
const THREAD_PER_TASK_HANDOVER: Duration = Duration::from_millis(5);

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "task",
        kind: ParamKind::Choice(&["tiny", "medium", "heavy"]),
        default: "tiny,heavy",
        help: "task size: tiny (~100 ns), medium (~10 us), heavy (Pareto tail, mean ~10 us)",
    },
    ParamSpec {
        name: "batch",
        kind: ParamKind::Count(Range::new(0, 1_000_000).drawn_to(20_000)),
        default: "0",
        help: "tasks per hand-over; 0 = about 1-2 ms of work: 10000 tiny or 200 others",
    },
];

/// What one trial is built from.
#[derive(Debug, Clone, Copy)]
pub struct PoolSetup {
    threads: usize,
    seed: u64,
    task: TaskSize,
    batch: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskSize {
    Tiny,
    Medium,
    Heavy,
}

impl TaskSize {
    fn from_params(params: &Params) -> Self {
        match params.choice("task") {
            "tiny" => TaskSize::Tiny,
            "medium" => TaskSize::Medium,
            "heavy" => TaskSize::Heavy,
            other => unreachable!("'{other}' is not a declared task size"),
        }
    }

    fn default_batch(self) -> usize {
        if self == TaskSize::Tiny {
            10_000
        } else {
            200
        }
    }

    /// Busy work per task (replayed in a loop) and its mean in ns.
    fn table(self, seed: u64) -> (Vec<BusyWork>, f64) {
        let nanos: Vec<u64> = match self {
            TaskSize::Tiny => vec![100],
            TaskSize::Medium => vec![MEAN_TASK_NS],
            TaskSize::Heavy => {
                // Pareto(scale, 1.5) has mean 3 * scale.
                let pareto = Pareto::new(MEAN_TASK_NS as f64 / 3.0, 1.5).expect("valid Pareto");
                let mut rng = SmallRng::seed_from_u64(seed ^ 0x7061_7265_746f);
                (0..SIZE_TABLE)
                    .map(|_| (pareto.sample(&mut rng) as u64).min(100 * MEAN_TASK_NS))
                    .collect()
            }
        };
        let mean = nanos.iter().sum::<u64>() as f64 / nanos.len() as f64;
        (nanos.into_iter().map(BusyWork::from_nanos).collect(), mean)
    }
}

/// The pool workload over any set of [`Executor`] implementations.
pub struct PoolWorkload {
    catalog: Catalog<PoolSetup>,
}

impl PoolWorkload {
    /// A workload with no implementations yet; add them with [`PoolWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// The hand-rolled pool and its library rivals. (The dispatch strategies are compared in
    /// `balance`, where placement matters.)
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        Self::empty()
            .with::<ThreadPool>(
                "thread-pool",
                HandRolled,
                "fixed workers on one mutex FIFO; a batch is queued under one lock",
            )
            .with::<RayonPool>("rayon-pool", Library, "rayon::ThreadPool::spawn, one per task")
            .with::<RayonGlobal>(
                "rayon-global",
                Library,
                "rayon::spawn on the global pool: one thread per logical CPU, whatever k is",
            )
            .with::<RayonScope>(
                "rayon-scope",
                Library,
                "a dedicated rayon pool; a batch is one scope",
            )
            .with::<ChannelPool>(
                "crossbeam-channel-pool",
                Library,
                "fixed workers on a crossbeam unbounded channel",
            )
            .with_batch_cap::<ThreadPerTask>(
                "thread-per-task",
                Library,
                "std::thread::spawn per task (batches capped at 1000 tasks)",
                THREAD_PER_TASK_BATCH_CAP,
                THREAD_PER_TASK_HANDOVER,
            )
    }

    /// Adds the executor `E` under `name`.
    pub fn with<E: Executor + 'static>(self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.with_batch_cap::<E>(name, kind, about, usize::MAX, HANDOVER)
    }

    /// Adds the executor `E` under `name`, with batches of at most `cap` tasks, each allowed
    /// `handover` of the watchdog's patience for being handed over.
    pub fn with_batch_cap<E: Executor + 'static>(
        mut self,
        name: &str,
        kind: ImplKind,
        about: &str,
        cap: usize,
        handover: Duration,
    ) -> Self {
        self.catalog.add(name, kind, about, move |setup: &PoolSetup| {
            Box::new(PoolTrial::<E>::new(setup, cap, handover))
        });
        self
    }
}

impl Workload for PoolWorkload {
    fn name(&self) -> &str {
        "pool"
    }

    fn about(&self) -> &str {
        "one submitter hands batches of tiny to heavy-tailed tasks to an executor of k workers"
    }

    fn invariant(&self) -> &str {
        "every task runs exactly once, wait_idle waits for all, shutdown under load loses none"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let task = TaskSize::from_params(setup.params);
        let batch = match setup.params.number("batch") {
            0 => task.default_batch(),
            n => n as usize,
        };
        let pool_setup = PoolSetup { threads: setup.threads, seed: setup.seed, task, batch };
        self.catalog.make(implementation, &pool_setup)
    }
}

/// The shared state of one pool trial.
struct PoolTrial<E> {
    /// `None` once shut down.
    executor: Mutex<Option<E>>,
    ledger: TaskLedger,
    phases: Phases,
    sizes: Vec<BusyWork>,
    mean_task_ns: f64,
    batch: usize,
    /// The batch was cut down to this implementation's cap.
    capped: bool,
    /// The watchdog's allowance per task for handing it over.
    handover: Duration,
    sample_every: u64,
    /// Filled in by the submitter.
    report: Mutex<SubmitterReport>,
}

#[derive(Default)]
struct SubmitterReport {
    submitted: Tally,
    batches: u64,
    /// Batches after which `wait_idle` returned with tasks still unrun.
    early_returns: u64,
    panicked: usize,
    /// The shutdown-under-load batch was submitted and the executor shut down.
    shut_down: bool,
    /// Tasks per second in the last measured phase.
    tasks_per_s: Option<f64>,
}

impl<E: Executor> PoolTrial<E> {
    fn new(setup: &PoolSetup, cap: usize, handover: Duration) -> Self {
        let (sizes, mean_task_ns) = setup.task.table(setup.seed);
        let batch = setup.batch.min(cap.max(1));
        Self {
            executor: Mutex::new(Some(E::with_threads(setup.threads))),
            ledger: TaskLedger::new(),
            phases: Phases::default(),
            sizes,
            mean_task_ns,
            batch,
            capped: batch < setup.batch,
            handover,
            sample_every: if setup.task == TaskSize::Tiny { TINY_SAMPLE } else { 1 },
            report: Mutex::new(SubmitterReport::default()),
        }
    }

    /// Shuts the executor down if the submitter has not (a run cut short).
    fn shut_down(&self) {
        if let Some(executor) = self.executor.lock().take() {
            executor.shutdown();
        }
    }
}

impl<E: Executor + 'static> Trial for PoolTrial<E> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        submitter_or_idle(index, &self.phases, || Box::new(Submitter::new(self)))
    }

    fn stop(&self) {
        self.phases.stop();
    }

    /// One call runs a whole batch (up to a million tasks, or a thread spawned per task): its work
    /// plus the implementation's hand-over allowance per task.
    fn slowest_op(&self) -> Option<Duration> {
        let per_task = Duration::from_nanos(self.mean_task_ns as u64) + self.handover;
        Some(per_task * self.batch as u32)
    }

    fn check(&self, _ops: u64) -> Check {
        self.shut_down();
        let report = self.report.lock();
        let ran = self.ledger.ran();
        let mut problems = Vec::new();
        if let Err(problem) = compare(&report.submitted, &ran) {
            problems.push(problem);
        }
        if report.early_returns > 0 {
            problems.push(format!(
                "wait_idle returned before its batch was done {} times",
                report.early_returns
            ));
        }
        if report.panicked > 0 {
            problems.push(format!("{} tasks reported as panicked (none panics)", report.panicked));
        }
        if !problems.is_empty() {
            return Check::Violated(problems.join("; "));
        }
        let rate = report
            .tasks_per_s
            .map_or_else(String::new, |rate| format!("; {:.2} M tasks/s", rate / 1e6));
        let cap = if self.capped { " (capped for this implementation)" } else { "" };
        let shutdown = if report.shut_down { ", shutdown under load lost none" } else { "" };
        Check::Held(format!(
            "{} tasks ({} batches of {}{cap}, mean task {:.1} us) ran exactly once on {} threads{shutdown}{rate}",
            ran.count,
            report.batches,
            self.batch,
            self.mean_task_ns / 1e3,
            self.ledger.threads(),
        ))
    }
}

/// Runner thread 0: submits batches and waits for them.
struct Submitter<'a, E> {
    trial: &'a PoolTrial<E>,
    ledger: LedgerId,
    next_task: u64,
    submitted: Tally,
    batches: u64,
    early_returns: u64,
    /// Since the last `take_metrics`: tasks done, and when the window began and last batch ended.
    window_tasks: u64,
    window_start: Instant,
    window_end: Instant,
}

impl<'a, E: Executor + 'static> Submitter<'a, E> {
    fn new(trial: &'a PoolTrial<E>) -> Self {
        let now = Instant::now();
        Self {
            trial,
            ledger: trial.ledger.id(),
            next_task: 0,
            submitted: Tally::default(),
            batches: 0,
            early_returns: 0,
            window_tasks: 0,
            window_start: now,
            window_end: now,
        }
    }

    /// Boxes the next `count` tasks; sampled ones read the hand-over time from `stamp`.
    fn tasks(&mut self, count: usize, stamp: &Arc<OnceLock<Instant>>, sample: bool) -> Vec<Job> {
        let sizes = &self.trial.sizes;
        let ledger = self.ledger;
        (0..count)
            .map(|_| {
                let task = self.next_task;
                self.next_task += 1;
                self.submitted.add(task);
                let work = sizes[task as usize % sizes.len()];
                if sample && task.is_multiple_of(self.trial.sample_every) {
                    let stamp = stamp.clone();
                    Box::new(move || {
                        let started = Instant::now();
                        work.run();
                        let finished = Instant::now();
                        let handed_over = *stamp.get().expect("stamped before hand-over");
                        ledger.record(|thread| {
                            thread.tally.add(task);
                            thread.metrics.record(SUBMIT_TO_START, nanos(started - handed_over));
                            thread.metrics.record(SUBMIT_TO_FINISH, nanos(finished - handed_over));
                        });
                    }) as Job
                } else {
                    Box::new(move || {
                        work.run();
                        ledger.record(|thread| thread.tally.add(task));
                    }) as Job
                }
            })
            .collect()
    }

    fn run_batch(&mut self) {
        let stamp = Arc::new(OnceLock::new());
        let jobs = self.tasks(self.trial.batch, &stamp, true);
        let executor = self.trial.executor.lock();
        let executor = executor.as_ref().expect("shut down only after the submitter");
        let _ = stamp.set(Instant::now());
        executor.execute_batch(jobs);
        executor.wait_idle();
        self.batches += 1;
        self.window_tasks += self.trial.batch as u64;
        self.window_end = Instant::now();
        if self.trial.ledger.ran().count != self.submitted.count {
            self.early_returns += 1;
        }
    }
}

fn nanos(duration: Duration) -> u64 {
    duration.as_nanos() as u64
}

impl<E: Executor + 'static> Worker for Submitter<'_, E> {
    fn run(&mut self, n: u64) -> u64 {
        whole_batches(n, self.trial.batch, || self.run_batch())
    }

    /// Submits one more batch and shuts the executor down straight away: the shutdown must run
    /// every queued task.
    fn finish(&mut self) -> u64 {
        self.trial.phases.done();
        let stamp = Arc::new(OnceLock::new());
        let jobs = self.tasks(self.trial.batch, &stamp, false);
        let mut report = self.trial.report.lock();
        if let Some(executor) = self.trial.executor.lock().take() {
            let _ = stamp.set(Instant::now());
            executor.execute_batch(jobs);
            report.panicked = executor.panicked_jobs();
            executor.shutdown();
            report.shut_down = true;
        }
        report.submitted = self.submitted;
        report.batches = self.batches;
        report.early_returns = self.early_returns;
        1
    }

    fn take_metrics(&mut self) -> Metrics {
        self.trial.phases.measuring();
        let mut metrics = self.trial.ledger.take_metrics();
        let span = self.window_end.saturating_duration_since(self.window_start).as_secs_f64();
        if self.window_tasks > 0 && span > 0.0 {
            let rate = self.window_tasks as f64 / span;
            metrics.count("tasks_per_s", rate as u64);
            self.trial.report.lock().tasks_per_s = Some(rate);
        }
        metrics.count("tasks", self.window_tasks);
        self.window_tasks = 0;
        self.window_start = Instant::now();
        self.window_end = self.window_start;
        metrics
    }
}
