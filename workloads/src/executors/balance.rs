//! `balance`: the dispatch strategies of [`DispatchPool`] on skewed, keyed work.
//!
//! One op is one task; the submitter hands tasks over in batches of `tasks`, each with a key drawn from a skewed distribution (Zipf by
//! default, or the hotspot) over `keys` keys; the `heavy_keys` most popular keys also cost
//! `heavy_factor` times more (`task_ns` of busy work for the others). The submitter (runner thread
//! 0; the other runner threads idle, see [`super::submitter`]) hands each task over with
//! `execute_keyed`, so key hashing can route by key, then waits with `wait_idle`. `--threads` is
//! the pool's worker count k.
//!
//! Figures: the op latency is the batch's time (task building included) divided by its tasks; `makespan` is hand-over
//! to last task done; `submit-to-finish` is each task's latency. Every task times itself, and the
//! time each pool thread spent in tasks gives its busy share: `busy_share_max_permille` and
//! `busy_share_min_permille` (1000 / k each when balanced; a worker that ran nothing counts as
//! 0) land in the extras, beside `makespan_ideal_us`, the lower bound max(work / min(k, logical
//! CPUs), longest task) of one batch, and `makespan_efficiency_permille` = that bound / the median makespan.
//!
//! Invariant, checked on every run: every task ran exactly once (the thread tallies of
//! [`super::ledger`]) and `wait_idle` never returned before its batch was done.

use std::time::{Duration, Instant};

use parking_lot::Mutex;
use primitives::dispatch::{
    DispatchPool, KeyHash, LeastLoaded, RoundRobin, SharedQueue, Strategy, WorkStealing,
};
use primitives::executor::Executor;

use super::ledger::{compare, LedgerId, Tally, TaskLedger};
use super::pool::SUBMIT_TO_FINISH;
use super::submitter::{submitter_or_idle, whole_batches, Phases};
use crate::busy_work::{BusyWork, BUSY_NS};
use crate::catalog::Catalog;
use crate::keys::{KeyDistribution, KeyStream, DISTRIBUTION, SKEW};
use crate::metrics::{latency_histogram, Metrics};
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// Histogram of each batch's time from hand-over to its last task's end.
pub const MAKESPAN: &str = "makespan";

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "tasks",
        kind: ParamKind::Count(Range::new(1, 1_000_000).drawn_to(5_000)),
        default: "1000",
        help: "tasks per batch",
    },
    ParamSpec {
        name: "keys",
        kind: ParamKind::Count(Range::new(1, 1 << 20).drawn_to(1024)),
        default: "64",
        help: "distinct task keys",
    },
    ParamSpec { default: "zipf", ..DISTRIBUTION },
    SKEW,
    ParamSpec {
        name: "task_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "2000",
        help: "busy work of a task of an ordinary key (ns)",
    },
    ParamSpec {
        name: "heavy_keys",
        kind: ParamKind::Count(Range::new(0, 1 << 20).drawn_to(64)),
        default: "4",
        help: "the most popular keys, whose tasks cost heavy_factor times more",
    },
    ParamSpec {
        name: "heavy_factor",
        kind: ParamKind::Count(Range::new(1, 1000).drawn_to(20)),
        default: "10",
        help: "cost multiplier of a heavy key's task",
    },
];

/// What one trial is built from.
#[derive(Debug, Clone, Copy)]
pub struct BalanceSetup {
    threads: usize,
    seed: u64,
    tasks: usize,
    keys: u64,
    distribution: KeyDistribution,
    task_ns: u64,
    heavy_keys: u64,
    heavy_factor: u64,
}

impl BalanceSetup {
    fn cost_ns(&self, key: u64) -> u64 {
        if key < self.heavy_keys {
            self.task_ns * self.heavy_factor
        } else {
            self.task_ns
        }
    }
}

/// The balance workload over any set of [`Executor`]s (the dispatch strategies by default).
pub struct BalanceWorkload {
    catalog: Catalog<BalanceSetup>,
}

impl BalanceWorkload {
    /// A workload with no implementations yet; add them with [`BalanceWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every dispatch strategy, hand-rolled.
    pub fn standard() -> Self {
        Self::empty()
            .with_strategy::<SharedQueue>("one FIFO that every worker pops: idle workers pull")
            .with_strategy::<RoundRobin>("per-worker FIFOs filled in turn: balances job counts")
            .with_strategy::<KeyHash>("per-worker FIFOs chosen by the key's hash: keys in order")
            .with_strategy::<LeastLoaded>("per-worker FIFOs; each job to the shortest queue")
            .with_strategy::<WorkStealing>("Chase-Lev deques and an injector; idle workers steal")
    }

    fn with_strategy<S: Strategy>(self, about: &str) -> Self {
        self.with::<DispatchPool<S>>(S::DISPATCH.name(), ImplKind::HandRolled, about)
    }

    /// Adds the executor `E` under `name`.
    pub fn with<E: Executor + 'static>(mut self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.catalog
            .add(name, kind, about, |setup: &BalanceSetup| Box::new(BalanceTrial::<E>::new(setup)));
        self
    }
}

impl Workload for BalanceWorkload {
    fn name(&self) -> &str {
        "balance"
    }

    fn about(&self) -> &str {
        "batches of keyed tasks, a few heavy keys, placed by each dispatch strategy"
    }

    fn invariant(&self) -> &str {
        "every task runs exactly once; wait_idle waits for the whole batch"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let params = setup.params;
        let balance_setup = BalanceSetup {
            threads: setup.threads,
            seed: setup.seed,
            tasks: params.number("tasks") as usize,
            keys: params.number("keys"),
            distribution: KeyDistribution::from_params(params),
            task_ns: params.number("task_ns"),
            heavy_keys: params.number("heavy_keys"),
            heavy_factor: params.number("heavy_factor"),
        };
        self.catalog.make(implementation, &balance_setup)
    }
}

/// The shared state of one balance trial.
struct BalanceTrial<E> {
    executor: Mutex<Option<E>>,
    ledger: TaskLedger,
    phases: Phases,
    setup: BalanceSetup,
    /// Busy work of an ordinary and of a heavy key's task.
    ordinary: BusyWork,
    heavy: BusyWork,
    report: Mutex<SubmitterReport>,
}

#[derive(Default)]
struct SubmitterReport {
    submitted: Tally,
    batches: u64,
    early_returns: u64,
}

impl<E: Executor> BalanceTrial<E> {
    fn new(setup: &BalanceSetup) -> Self {
        Self {
            executor: Mutex::new(Some(E::with_threads(setup.threads))),
            ledger: TaskLedger::new(),
            phases: Phases::default(),
            setup: *setup,
            ordinary: BusyWork::from_nanos(setup.cost_ns(u64::MAX)),
            heavy: BusyWork::from_nanos(setup.task_ns * setup.heavy_factor),
            report: Mutex::new(SubmitterReport::default()),
        }
    }

    fn work_of(&self, key: u64) -> BusyWork {
        if key < self.setup.heavy_keys {
            self.heavy
        } else {
            self.ordinary
        }
    }
}

/// The largest and smallest share of `busy` among `workers` workers (missing ones ran nothing).
fn busy_shares(busy: &[u64], workers: usize) -> (f64, f64) {
    let total: u64 = busy.iter().sum();
    if total == 0 {
        return (0.0, 0.0);
    }
    let share = |ns: u64| ns as f64 / total as f64;
    let max = busy.iter().copied().max().map_or(0.0, share);
    let min =
        if busy.len() < workers { 0.0 } else { busy.iter().copied().min().map_or(0.0, share) };
    (max, min)
}

impl<E: Executor + 'static> Trial for BalanceTrial<E> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        submitter_or_idle(index, &self.phases, || Box::new(Submitter::new(self)))
    }

    fn stop(&self) {
        self.phases.stop();
    }

    /// One call runs a whole batch: at worst every task at the heavy cost on one worker, plus a
    /// generous 200 µs per task for hand-over.
    fn slowest_op(&self) -> Option<Duration> {
        let setup = &self.setup;
        let heaviest = Duration::from_nanos(setup.task_ns * setup.heavy_factor);
        Some((heaviest + Duration::from_micros(200)) * setup.tasks as u32)
    }

    fn check(&self, _ops: u64) -> Check {
        if let Some(executor) = self.executor.lock().take() {
            executor.shutdown();
        }
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
        if !problems.is_empty() {
            return Check::Violated(problems.join("; "));
        }
        let (max, min) = busy_shares(&self.ledger.busy_ns(), self.setup.threads);
        Check::Held(format!(
            "{} tasks ({} batches) ran exactly once; busy share of the {} workers max {:.0}% / min {:.0}%",
            ran.count,
            report.batches,
            self.setup.threads,
            max * 100.0,
            min * 100.0
        ))
    }
}

/// Runner thread 0: submits keyed batches and waits for them.
struct Submitter<'a, E> {
    trial: &'a BalanceTrial<E>,
    ledger: LedgerId,
    keys: KeyStream,
    next_task: u64,
    submitted: Tally,
    batches: u64,
    early_returns: u64,
    /// Per batch of this window: lower bound of its makespan (ns), and the makespans.
    ideal_ns: Vec<u64>,
    makespans: Vec<u64>,
    /// Busy time per thread at the start of this window.
    busy_before: Vec<u64>,
    /// Logical CPUs: k workers run at most this many tasks at once.
    cpus: usize,
}

impl<'a, E: Executor + 'static> Submitter<'a, E> {
    fn new(trial: &'a BalanceTrial<E>) -> Self {
        let setup = &trial.setup;
        Self {
            trial,
            ledger: trial.ledger.id(),
            keys: setup.distribution.stream(setup.keys, setup.seed, 0),
            next_task: 0,
            submitted: Tally::default(),
            batches: 0,
            early_returns: 0,
            ideal_ns: Vec::new(),
            makespans: Vec::new(),
            busy_before: Vec::new(),
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }

    fn run_batch(&mut self) {
        let setup = self.trial.setup;
        let ledger = self.ledger;
        let keys: Vec<u64> = (0..setup.tasks).map(|_| self.keys.next_key()).collect();
        let costs = keys.iter().map(|&key| setup.cost_ns(key));
        let work_ns: u64 = costs.clone().sum();
        let longest_ns = costs.max().unwrap_or(0);
        let guard = self.trial.executor.lock();
        let executor = guard.as_ref().expect("shut down only after the submitter");
        let handed_over = Instant::now();
        for key in keys {
            let task = self.next_task;
            self.next_task += 1;
            self.submitted.add(task);
            let work = self.trial.work_of(key);
            let submitted = Instant::now();
            executor.execute_keyed(
                key,
                Box::new(move || {
                    let started = Instant::now();
                    work.run();
                    let finished = Instant::now();
                    ledger.record(|thread| {
                        thread.tally.add(task);
                        thread.busy_ns += (finished - started).as_nanos() as u64;
                        thread
                            .metrics
                            .record(SUBMIT_TO_FINISH, (finished - submitted).as_nanos() as u64);
                    });
                }),
            );
        }
        executor.wait_idle();
        let makespan = handed_over.elapsed().as_nanos() as u64;
        drop(guard);
        self.makespans.push(makespan);
        let parallel = setup.threads.min(self.cpus).max(1) as u64;
        self.ideal_ns.push((work_ns / parallel).max(longest_ns));
        self.batches += 1;
        if self.trial.ledger.ran().count != self.submitted.count {
            self.early_returns += 1;
        }
    }
}

impl<E: Executor + 'static> Worker for Submitter<'_, E> {
    fn run(&mut self, n: u64) -> u64 {
        whole_batches(n, self.trial.setup.tasks, || self.run_batch())
    }

    fn finish(&mut self) -> u64 {
        self.trial.phases.done();
        let mut report = self.trial.report.lock();
        report.submitted = self.submitted;
        report.batches = self.batches;
        report.early_returns = self.early_returns;
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        self.trial.phases.measuring();
        let mut metrics = self.trial.ledger.take_metrics();
        let busy = self.trial.ledger.busy_ns();
        let window: Vec<u64> = busy
            .iter()
            .enumerate()
            .map(|(i, &ns)| ns - self.busy_before.get(i).copied().unwrap_or(0))
            .collect();
        self.busy_before = busy;
        let (max, min) = busy_shares(&window, self.trial.setup.threads);
        metrics.count("busy_share_max_permille", (max * 1000.0).round() as u64);
        metrics.count("busy_share_min_permille", (min * 1000.0).round() as u64);
        let mut makespans = latency_histogram();
        for &makespan in &self.makespans {
            makespans.saturating_record(makespan);
            metrics.record(MAKESPAN, makespan);
        }
        if !self.makespans.is_empty() {
            let ideal = self.ideal_ns.iter().sum::<u64>() / self.ideal_ns.len() as u64;
            let median = makespans.value_at_quantile(0.5).max(1);
            metrics.count("makespan_ideal_us", ideal / 1000);
            metrics.count("makespan_efficiency_permille", ideal * 1000 / median);
        }
        self.makespans.clear();
        self.ideal_ns.clear();
        metrics
    }
}
