//! Measures one trial: the threads start together, warm up, run for a fixed time or a fixed
//! number of operations, and report per-thread counts and a merged latency histogram.
//!
//! Timing: each thread times its operations in batches. A batch grows (doubling) while a single
//! operation takes under [`PER_OP_THRESHOLD`] and the batch under [`BATCH_TARGET`], and shrinks
//! when a batch runs long, so a clock read (~25 ns) never weighs on fast operations and the stop
//! flag is seen within microseconds. A batch of `n` ops taking `t` is recorded as `n` samples of
//! `t / n`; operations slower than the threshold stay at batches of one and are timed one by one.
//!
//! Watchdog: after every batch a thread publishes its running op count; the coordinator checks
//! them every few milliseconds, and when no thread has completed an operation for the watchdog
//! period it ends the trial as a deadlock or livelock (see [`crate::watchdog`]). The worker
//! threads are therefore plain (not scoped) threads that own the trial through an `Arc`, so that
//! stuck ones can be abandoned.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use workloads::metrics::latency_histogram;
use workloads::{Check, Metrics, Role, Trial};

use crate::watchdog::{
    ExitGuard, ProgressBoard, Stall, StallKind, ThreadProgress, Watchdog, DEFAULT_WATCHDOG,
};

/// An operation at least this slow is timed alone.
pub const PER_OP_THRESHOLD: Duration = Duration::from_micros(1);
/// Batches of fast operations aim at about this long.
pub const BATCH_TARGET: Duration = Duration::from_micros(5);
/// Batches never grow past this, which bounds how long a thread can miss the stop flag.
pub const MAX_BATCH: u64 = 1 << 16;

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

/// How one trial is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub stop: Stop,
    /// Run (and discard) this long before measuring; the batch size settles here too.
    pub warmup: Duration,
}

/// What one measured run produced.
#[derive(Debug)]
pub struct Measurement {
    /// Operations each thread completed in the measured phase.
    pub ops_per_thread: Vec<u64>,
    /// For fixed-duration runs the time all threads were running at once; for fixed-count runs the
    /// time from the first thread's start to the last one's finish.
    pub elapsed: Duration,
    /// Latency per operation, all threads merged.
    pub latency: Histogram<u64>,
    /// Batches timed, all threads together: `ops / batches` is the mean batch size.
    pub batches: u64,
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

    /// Mean operations per timed sample: 1 when every operation was timed alone.
    pub fn mean_batch(&self) -> f64 {
        self.total_ops() as f64 / self.batches.max(1) as f64
    }
}

/// One thread's results.
struct ThreadReport {
    role: Role,
    warmup_ops: u64,
    ops: u64,
    /// Operations of [`workloads::Worker::finish`]: after the measured phase.
    finish_ops: u64,
    metrics: Metrics,
    batches: u64,
    started: Instant,
    finished: Instant,
    latency: Histogram<u64>,
}

/// What the coordinator and the worker threads share. Owned through an `Arc` by every thread,
/// so that a thread stuck for good can be abandoned with everything it uses.
struct Shared {
    trial: Arc<dyn Trial>,
    stop: AtomicBool,
    start: Barrier,
    main_workers: AtomicUsize,
    main_done: AtomicUsize,
    warmed_up: AtomicUsize,
    go: AtomicBool,
    measuring: AtomicUsize,
    board: ProgressBoard,
}

/// Runs `trial` on `threads` threads and checks its invariant, under a watchdog of
/// [`DEFAULT_WATCHDOG`]; see [`measure_watched`].
pub fn measure(trial: impl Into<Arc<dyn Trial>>, threads: usize, timing: Timing) -> Measurement {
    measure_watched(trial.into(), threads, timing, DEFAULT_WATCHDOG)
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
/// `watchdog`, the run ends there. The check is the stall (a deadlock or a livelock, with what
/// the trial says its threads wait for), the invariant is not checked (its check could block on
/// the locks the stuck threads hold), and threads that do not return at once are abandoned.
pub fn measure_watched(
    trial: Arc<dyn Trial>,
    threads: usize,
    timing: Timing,
    watchdog: Duration,
) -> Measurement {
    measure_supervised(trial, threads, timing, Supervision { watchdog, pad_share: 0.0 })
}

/// How a trial is watched over, beyond its [`Timing`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Supervision {
    /// No operation completed by any thread for this long is a stall.
    pub watchdog: Duration,
    /// Share of every timed batch's own time to busy-wait on top of it (0.2: 20 % longer), 0
    /// normally. Test-only: it makes an implementation slower by a known amount, so the
    /// regression gate's validation can check that the gate catches it.
    pub pad_share: f64,
}

/// [`measure_watched`] with every [`Supervision`] setting.
pub fn measure_supervised(
    trial: Arc<dyn Trial>,
    threads: usize,
    timing: Timing,
    supervision: Supervision,
) -> Measurement {
    let Supervision { watchdog, pad_share } = supervision;
    assert!(threads > 0, "a trial needs at least one thread");
    let shared = Arc::new(Shared {
        trial,
        stop: AtomicBool::new(false),
        start: Barrier::new(threads + 1),
        main_workers: AtomicUsize::new(0),
        main_done: AtomicUsize::new(0),
        warmed_up: AtomicUsize::new(0),
        go: AtomicBool::new(false),
        measuring: AtomicUsize::new(0),
        board: ProgressBoard::new(threads),
    });
    let handles: Vec<_> = (0..threads)
        .map(|index| {
            let shared = shared.clone();
            std::thread::spawn(move || worker_thread(&shared, index, timing, pad_share))
        })
        .collect();
    // A trial whose single operations can take long gets a watchdog that outwaits them.
    let watchdog = shared.trial.slowest_op().map_or(watchdog, |slowest| watchdog.max(2 * slowest));
    let mut coordinator = Coordinator { shared: &shared, watchdog: Watchdog::new(watchdog) };
    match coordinator.run(threads, timing) {
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
            let check = shared.trial.check(all_ops);
            assemble(&reports, timing, check)
        }
        Err((stall, measure_start)) => {
            // Asked before the stop, which may release some of the stuck threads.
            let check = Check::Violated(stall.describe(shared.trial.diagnose_stall()));
            shared.stop.store(true, Ordering::Relaxed);
            shared.trial.stop();
            stalled(&shared, handles, &stall, measure_start, check)
        }
    }
}

/// The body of worker thread `index`.
fn worker_thread(shared: &Shared, index: usize, timing: Timing, pad_share: f64) -> ThreadReport {
    let progress = shared.board.thread(index);
    let _exit = ExitGuard(progress);
    let mut worker = shared.trial.worker(index);
    let role = worker.role();
    progress.started(role != Role::Main);
    if role == Role::Main {
        shared.main_workers.fetch_add(1, Ordering::Relaxed);
    }
    let mut timer = BatchTimer::new(progress, pad_share);
    shared.start.wait();
    let warmup_end = Instant::now() + timing.warmup;
    let mut warmup_ops = timer.run_until(&mut *worker, || Instant::now() >= warmup_end);
    // Keep going, unmeasured, until every thread has warmed up.
    shared.warmed_up.fetch_add(1, Ordering::AcqRel);
    warmup_ops += timer.run_until(&mut *worker, || shared.go.load(Ordering::Acquire));
    timer.reset_samples();
    drop(worker.take_metrics());
    let started = Instant::now();
    progress.measuring();
    shared.measuring.fetch_add(1, Ordering::AcqRel);
    let ops = match (role, timing.stop) {
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
        batches: timer.batches,
        started,
        finished,
        latency: timer.latency,
    }
}

/// The coordinating thread's side of a trial: it paces the phases and runs the watchdog.
struct Coordinator<'a> {
    shared: &'a Shared,
    watchdog: Watchdog,
}

/// A stall, and when the measured phase began (if it did).
type Stalled = (Stall, Option<Instant>);

impl Coordinator<'_> {
    /// Paces the trial until every thread has left its worker, or a stall.
    fn run(&mut self, threads: usize, timing: Timing) -> Result<(), Stalled> {
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
        // A thread sees the flag between two batches; the clock starts when all have.
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

/// The measurement of a run whose workers all returned.
fn assemble(reports: &[ThreadReport], timing: Timing, check: Check) -> Measurement {
    let main: Vec<&ThreadReport> = reports.iter().filter(|r| r.role == Role::Main).collect();
    let elapsed = match timing.stop {
        Stop::After(_) => overlap(reports),
        Stop::OpsPerThread(_) => span(&main),
    };
    let mut latency = latency_histogram();
    let mut metrics = Metrics::default();
    for report in reports {
        latency.add(&report.latency).expect("histograms share their bounds");
        metrics.merge(&report.metrics);
    }
    Measurement {
        ops_per_thread: main.iter().map(|r| r.ops).collect(),
        elapsed,
        latency,
        batches: main.iter().map(|r| r.batches).sum(),
        metrics,
        check,
        stall: None,
    }
}

/// The measurement of a stalled run: the threads that returned after the stop flag give their
/// figures, the stuck ones what they published; the time is the measured phase up to the stall.
fn stalled(
    shared: &Shared,
    handles: Vec<std::thread::JoinHandle<ThreadReport>>,
    stall: &Stall,
    measure_start: Option<Instant>,
    check: Check,
) -> Measurement {
    // Threads that were only waiting for the stop flag leave within a batch.
    std::thread::sleep(STALL_EXIT_GRACE);
    let mut latency = latency_histogram();
    let mut metrics = Metrics::default();
    let mut ops_per_thread = Vec::new();
    let mut batches = 0;
    for (index, handle) in handles.into_iter().enumerate() {
        let progress = shared.board.thread(index);
        if handle.is_finished() {
            if let Ok(report) = handle.join() {
                latency.add(&report.latency).expect("histograms share their bounds");
                metrics.merge(&report.metrics);
                if report.role == Role::Main {
                    ops_per_thread.push(report.ops);
                    batches += report.batches;
                }
                continue;
            }
        }
        // Dropping the handle abandons the thread: it stays blocked or spinning until the
        // process exits, keeping the trial alive through its `Arc`.
        if !progress.is_side() {
            ops_per_thread.push(progress.measured_ops());
        }
    }
    let elapsed =
        measure_start.map_or(Duration::ZERO, |start| stall.since.saturating_duration_since(start));
    let stall = Some(stall.kind);
    Measurement { ops_per_thread, elapsed, latency, batches, metrics, check, stall }
}

/// The time every thread was measuring: latest start to earliest finish. If they never all ran
/// at once (a starved thread began only after the straggler grace, when others had finished),
/// the span from the first start to the last finish instead.
fn overlap(reports: &[ThreadReport]) -> Duration {
    let last_start = reports.iter().map(|r| r.started).max().expect("at least one thread");
    let first_finish = reports.iter().map(|r| r.finished).min().expect("at least one thread");
    match first_finish.saturating_duration_since(last_start) {
        Duration::ZERO => span(&reports.iter().collect::<Vec<_>>()),
        overlap => overlap,
    }
}

/// First start to last finish.
fn span(reports: &[&ThreadReport]) -> Duration {
    let first_start = reports.iter().map(|r| r.started).min().expect("at least one thread");
    let last_finish = reports.iter().map(|r| r.finished).max().expect("at least one thread");
    last_finish.saturating_duration_since(first_start)
}

/// Times a worker in adaptive batches (see the module docs) and records the samples.
struct BatchTimer<'a> {
    batch: u64,
    batches: u64,
    latency: Histogram<u64>,
    /// Operations completed so far, published to the watchdog after every batch.
    completed: u64,
    progress: &'a ThreadProgress,
    /// See [`Supervision::pad_share`].
    pad_share: f64,
}

impl<'a> BatchTimer<'a> {
    fn new(progress: &'a ThreadProgress, pad_share: f64) -> Self {
        let latency = latency_histogram();
        Self { batch: 1, batches: 0, latency, completed: 0, progress, pad_share }
    }

    /// Forgets the samples (the warm-up's) but keeps the batch size it settled on.
    fn reset_samples(&mut self) {
        self.batches = 0;
        self.latency.reset();
    }

    /// Moves the samples into `metrics` as histogram `name`: a side worker's latencies are not
    /// the workload's op latency.
    fn move_samples_to(&mut self, metrics: &mut Metrics, name: &'static str) {
        let mut samples = Metrics::default();
        for value in self.latency.iter_recorded() {
            samples.record_n(name, value.value_iterated_to(), value.count_at_value());
        }
        metrics.merge(&samples);
        self.latency.reset();
    }

    /// Runs batches until `done(ops so far)` or the worker runs out of work; returns the ops.
    fn run_until(&mut self, worker: &mut dyn workloads::Worker, done: impl Fn() -> bool) -> u64 {
        let mut ops = 0;
        while !done() {
            let (completed, exhausted) = self.timed_batch(worker, self.batch);
            ops += completed;
            if exhausted {
                break;
            }
        }
        ops
    }

    /// Runs exactly `limit` operations (fewer if the worker runs out); returns the ops.
    fn run_count(&mut self, worker: &mut dyn workloads::Worker, limit: u64) -> u64 {
        let mut ops = 0;
        while ops < limit {
            let (completed, exhausted) = self.timed_batch(worker, self.batch.min(limit - ops));
            ops += completed;
            if exhausted {
                break;
            }
        }
        ops
    }

    /// Times one batch of `size`, records it, adapts the batch size. Returns the ops completed and
    /// whether the worker ran out of work.
    #[inline]
    fn timed_batch(&mut self, worker: &mut dyn workloads::Worker, size: u64) -> (u64, bool) {
        let began = Instant::now();
        let completed = worker.run(size);
        let mut took = began.elapsed();
        if self.pad_share > 0.0 {
            let padded = took.mul_f64(1.0 + self.pad_share);
            while began.elapsed() < padded {
                std::hint::spin_loop();
            }
            took = began.elapsed();
        }
        self.completed += completed;
        self.progress.publish(self.completed);
        if let Some(per_op) = (took.as_nanos() as u64).checked_div(completed) {
            self.latency.saturating_record_n(per_op, completed);
            self.batches += 1;
            self.adapt(took, completed);
        }
        (completed, completed < size)
    }

    fn adapt(&mut self, took: Duration, completed: u64) {
        let per_op_fast = took < PER_OP_THRESHOLD * completed as u32;
        if per_op_fast && took < BATCH_TARGET / 2 && self.batch < MAX_BATCH {
            self.batch *= 2;
        } else if (!per_op_fast || took > BATCH_TARGET * 4) && self.batch > 1 {
            self.batch /= 2;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::counter::CounterWorkload;
    use workloads::{Params, TrialSetup, Workload};

    #[test]
    fn jain_index_bounds() {
        assert!((jain_fairness(&[5, 5, 5, 5]) - 1.0).abs() < 1e-12);
        assert!((jain_fairness(&[8, 0, 0, 0]) - 0.25).abs() < 1e-12);
        assert!((jain_fairness(&[0, 0]) - 1.0).abs() < 1e-12);
    }

    fn counter_trial(name: &str, threads: usize) -> Box<dyn Trial> {
        let workload = CounterWorkload::standard();
        let params = Params::resolve("counter", workload.params(), &[]).unwrap();
        workload.prepare(name, &TrialSetup { threads, seed: 1, params: &params }).unwrap()
    }

    #[test]
    fn fixed_count_runs_exactly_that_many_ops_and_checks_them() {
        let trial = counter_trial("atomic-counter", 3);
        let timing = Timing { stop: Stop::OpsPerThread(10_000), warmup: Duration::ZERO };
        let m = measure(trial, 3, timing);
        assert_eq!(m.ops_per_thread, vec![10_000; 3]);
        assert_eq!(m.latency.len(), 30_000, "every op is a sample");
        assert!(matches!(m.check, Check::Held(_)), "{:?}", m.check);
    }

    #[test]
    fn fixed_duration_counts_warmup_in_the_invariant() {
        let trial = counter_trial("spin-lock", 2);
        let timing = Timing {
            stop: Stop::After(Duration::from_millis(30)),
            warmup: Duration::from_millis(10),
        };
        let m = measure(trial, 2, timing);
        assert!(m.total_ops() > 0);
        assert_eq!(m.latency.len(), m.total_ops());
        assert!(matches!(m.check, Check::Held(_)), "{:?}", m.check);
    }

    #[test]
    fn a_broken_counter_is_caught() {
        // The racy counter loses updates under contention; over a few tries it must show.
        let lost = (0..20).any(|_| {
            let trial = counter_trial("racy-counter", 4);
            let timing = Timing { stop: Stop::OpsPerThread(200_000), warmup: Duration::ZERO };
            matches!(measure(trial, 4, timing).check, Check::Violated(_))
        });
        assert!(lost, "the racy counter never lost an update in 20 runs");
    }

    /// A trial whose thread 0 is a side worker and the others main workers, which wait for the
    /// side worker's first op (as consumers wait for a producer).
    #[derive(Default)]
    struct SideAndMain {
        side_ops: std::sync::atomic::AtomicU64,
        main_ops: std::sync::atomic::AtomicU64,
    }

    struct Counting<'a>(&'a SideAndMain, Role);

    impl workloads::Worker for Counting<'_> {
        fn run(&mut self, n: u64) -> u64 {
            let counter = match self.1 {
                Role::Main => {
                    while self.0.side_ops.load(Ordering::Relaxed) == 0 {
                        std::hint::spin_loop();
                    }
                    &self.0.main_ops
                }
                Role::Side(_) | Role::Idle => &self.0.side_ops,
            };
            counter.fetch_add(n, Ordering::Relaxed);
            n
        }
        fn role(&self) -> Role {
            self.1
        }
    }

    impl Trial for SideAndMain {
        fn worker(&self, index: usize) -> Box<dyn workloads::Worker + '_> {
            let role = if index == 0 { Role::Side("push") } else { Role::Main };
            Box::new(Counting(self, role))
        }
        fn check(&self, ops: u64) -> Check {
            let counted =
                self.side_ops.load(Ordering::Relaxed) + self.main_ops.load(Ordering::Relaxed);
            if counted == ops {
                Check::Held(format!("{counted} ops"))
            } else {
                Check::Violated(format!("{counted} counted, {ops} reported"))
            }
        }
    }

    #[test]
    fn side_workers_count_for_the_invariant_only() {
        let trial = Arc::new(SideAndMain::default());
        let timing = Timing { stop: Stop::OpsPerThread(5_000), warmup: Duration::ZERO };
        let m = measure(trial.clone() as Arc<dyn Trial>, 3, timing);
        assert_eq!(m.ops_per_thread, vec![5_000; 2], "only the main workers' ops");
        assert_eq!(m.latency.len(), 10_000, "only main ops in the op histogram");
        // The side worker's measured batches (it may have done all its work in the warm-up).
        let pushes = m.metrics.histograms().get("push").map_or(0, |h| h.len());
        assert!(pushes <= trial.side_ops.load(Ordering::Relaxed));
        assert!(matches!(m.check, Check::Held(_)), "{:?}", m.check);
    }

    /// Thread 0 completes whole batches of [`BATCH_OF_TEN`] ops whatever it is asked; the others
    /// idle, napping briefly so they never block the stop.
    #[derive(Default)]
    struct BatchesAndIdlers {
        main_ops: std::sync::atomic::AtomicU64,
    }

    const BATCH_OF_TEN: u64 = 10;

    struct Batches<'a>(&'a BatchesAndIdlers);
    struct Idler;

    impl workloads::Worker for Batches<'_> {
        fn run(&mut self, n: u64) -> u64 {
            let done = n.div_ceil(BATCH_OF_TEN) * BATCH_OF_TEN;
            self.0.main_ops.fetch_add(done, Ordering::Relaxed);
            done
        }
    }

    impl workloads::Worker for Idler {
        fn run(&mut self, n: u64) -> u64 {
            std::thread::sleep(Duration::from_micros(100));
            n
        }
        fn role(&self) -> Role {
            Role::Idle
        }
    }

    impl Trial for BatchesAndIdlers {
        fn worker(&self, index: usize) -> Box<dyn workloads::Worker + '_> {
            if index == 0 {
                Box::new(Batches(self))
            } else {
                Box::new(Idler)
            }
        }
        fn check(&self, ops: u64) -> Check {
            let counted = self.main_ops.load(Ordering::Relaxed);
            if counted == ops {
                Check::Held(format!("{counted} ops"))
            } else {
                Check::Violated(format!("{counted} counted, {ops} reported"))
            }
        }
    }

    #[test]
    fn whole_batches_count_every_op_and_idle_threads_count_nothing() {
        let trial = Arc::new(BatchesAndIdlers::default());
        let timing = Timing { stop: Stop::OpsPerThread(1_005), warmup: Duration::ZERO };
        let m = measure(trial as Arc<dyn Trial>, 3, timing);
        assert_eq!(m.ops_per_thread.len(), 1, "only the main worker is counted");
        let ops = m.ops_per_thread[0];
        assert!(ops >= 1_005 && ops.is_multiple_of(BATCH_OF_TEN), "whole batches: {ops}");
        assert_eq!(m.latency.len(), ops, "every op of a batch is a sample");
        assert!(m.metrics.histograms().is_empty(), "idle threads leave no histogram");
        assert!(matches!(m.check, Check::Held(_)), "idle ops are not reported: {:?}", m.check);
    }
    #[test]
    fn a_padded_trial_still_counts_every_op() {
        let trial = counter_trial("atomic-counter", 1);
        let timing = Timing { stop: Stop::OpsPerThread(100_000), warmup: Duration::ZERO };
        let supervision = Supervision { watchdog: DEFAULT_WATCHDOG, pad_share: 0.5 };
        let m = measure_supervised(trial.into(), 1, timing, supervision);
        assert_eq!(m.total_ops(), 100_000);
        assert!(matches!(m.check, Check::Held(_)), "{:?}", m.check);
    }
}
