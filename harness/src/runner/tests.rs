//! The runner's tests: phases, roles, counts, and what the latency histogram may and may not hide.

use super::*;
use hdrhistogram::Histogram;
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
    let timing =
        Timing { stop: Stop::After(Duration::from_millis(30)), warmup: Duration::from_millis(10) };
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
        let counted = self.side_ops.load(Ordering::Relaxed) + self.main_ops.load(Ordering::Relaxed);
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

/// One worker per thread incrementing a shared counter; every `stall_every`-th operation of a
/// thread sleeps `stall` (0: never).
struct Stalling {
    ops: std::sync::atomic::AtomicU64,
    stall_every: u64,
    stall: Duration,
    stalls: std::sync::atomic::AtomicU64,
}

impl Stalling {
    fn new(stall_every: u64, stall: Duration) -> Arc<Self> {
        Arc::new(Self { ops: Default::default(), stall_every, stall, stalls: Default::default() })
    }
}

struct StallingWorker<'a>(&'a Stalling, u64);

impl workloads::Worker for StallingWorker<'_> {
    fn run(&mut self, n: u64) -> u64 {
        for _ in 0..n {
            self.1 += 1;
            if self.0.stall_every > 0 && self.1.is_multiple_of(self.0.stall_every) {
                std::thread::sleep(self.0.stall);
                self.0.stalls.fetch_add(1, Ordering::Relaxed);
            }
            self.0.ops.fetch_add(1, Ordering::Relaxed);
        }
        n
    }
}

impl Trial for Stalling {
    fn worker(&self, _index: usize) -> Box<dyn workloads::Worker + '_> {
        Box::new(StallingWorker(self, 0))
    }
    fn check(&self, ops: u64) -> Check {
        let counted = self.ops.load(Ordering::Relaxed);
        if counted == ops {
            Check::Held(format!("{counted} ops"))
        } else {
            Check::Violated(format!("{counted} counted, {ops} reported"))
        }
    }
}

/// Operations of at least `ns` in the histogram (its counts are estimated operations).
fn ops_at_least(latency: &Histogram<u64>, ns: u64) -> u64 {
    latency
        .iter_recorded()
        .filter(|v| v.value_iterated_to() >= ns)
        .map(|v| v.count_at_value())
        .sum()
}

fn stalling_run(method: LatencyMethod) -> (Measurement, u64) {
    // 5 ms in every 20 000th operation: a few dozen stalls among fast operations, longer than
    // most preemptions of a busy machine.
    let trial = Stalling::new(20_000, Duration::from_millis(5));
    let timing = Timing { stop: Stop::OpsPerThread(600_000), warmup: Duration::ZERO };
    let m = measure(trial.clone() as Arc<dyn Trial>, 1, Settings::from(timing).latency(method));
    (m, trial.stalls.load(Ordering::Relaxed))
}

#[test]
fn sampling_lets_no_stall_hide_in_a_batch() {
    let (m, stalls) = stalling_run(LatencyMethod::Sampled);
    assert!(m.latency.max() >= 5_000_000, "max {} ns: a 5 ms stall was hidden", m.latency.max());
    // Each of the measured phase's 30 stalls is found, as one operation, whether it was sampled
    // or inside a batch (the warm-up's few are not in the histogram; a rare preemption as long
    // may add one; counting a stall twice would give about 60).
    let slow = ops_at_least(&m.latency, 5_000_000);
    assert!(
        (27..=stalls + 2).contains(&slow),
        "{slow} operations of 5 ms or more, {stalls} stalls"
    );
    assert_eq!(m.latency.len(), m.total_ops(), "counts are operations");
    assert!(matches!(m.timing(), LatencyTiming::Sampled { .. }), "{}", m.timing());
    assert!(m.tally.timed_calls < m.total_ops() / 4, "fast operations are sampled, not all timed");
}

#[test]
fn batch_means_hide_the_same_stalls() {
    // The broken twin of the test above: dividing a stalled batch by its size hides the stall.
    let (m, stalls) = stalling_run(LatencyMethod::BatchMean);
    assert!(stalls >= 30);
    assert!(m.latency.max() < 5_000_000, "max {} ns", m.latency.max());
    assert!(matches!(m.timing(), LatencyTiming::BatchMean { .. }), "{}", m.timing());
}

#[test]
fn slow_operations_are_each_timed_alone() {
    let trial = Stalling::new(1, Duration::from_micros(50));
    let timing = Timing { stop: Stop::OpsPerThread(200), warmup: Duration::ZERO };
    let m = measure(trial as Arc<dyn Trial>, 2, timing);
    assert!(matches!(m.timing(), LatencyTiming::PerOp { clock: Some(_) }), "{}", m.timing());
    assert_eq!(m.tally.timed_calls, 400);
    assert!(m.latency.min() >= 50_000, "a sleep of 50 µs timed at {} ns", m.latency.min());
}

#[test]
fn the_exact_mean_is_busy_time_over_operations() {
    let trial = counter_trial("atomic-counter", 2);
    let timing = Timing { stop: Stop::After(Duration::from_millis(20)), warmup: Duration::ZERO };
    let m = measure(trial, 2, timing);
    let expected = 2.0 * m.elapsed.as_nanos() as f64 / m.total_ops() as f64;
    assert!((m.mean_ns() - expected).abs() < 1e-9, "{} against {expected}", m.mean_ns());
}

/// A trial that counts, and blocks for good in one phase of its life.
struct StuckIn {
    phase: Option<Phase>,
    ops: std::sync::atomic::AtomicU64,
}

fn block_for_good() -> ! {
    loop {
        std::thread::park();
    }
}

struct StuckWorker<'a>(&'a StuckIn);

impl workloads::Worker for StuckWorker<'_> {
    fn run(&mut self, n: u64) -> u64 {
        self.0.ops.fetch_add(n, Ordering::Relaxed);
        n
    }
    fn finish(&mut self) -> u64 {
        if self.0.phase == Some(Phase::Finish) {
            block_for_good();
        }
        0
    }
}

impl Trial for StuckIn {
    fn worker(&self, _index: usize) -> Box<dyn workloads::Worker + '_> {
        Box::new(StuckWorker(self))
    }
    fn stop(&self) {
        if self.phase == Some(Phase::Stop) {
            block_for_good();
        }
    }
    fn check(&self, ops: u64) -> Check {
        if self.phase == Some(Phase::Check) {
            block_for_good();
        }
        let counted = self.ops.load(Ordering::Relaxed);
        if counted == ops {
            Check::Held(format!("{counted} ops"))
        } else {
            Check::Violated(format!("{counted} counted, {ops} reported"))
        }
    }
}

impl Drop for StuckIn {
    fn drop(&mut self) {
        if self.phase == Some(Phase::Drop) {
            block_for_good();
        }
    }
}

fn stuck_in(phase: Option<Phase>) -> Check {
    let trial = Arc::new(StuckIn { phase, ops: Default::default() });
    let timing = Timing { stop: Stop::After(Duration::from_millis(20)), warmup: Duration::ZERO };
    let settings = Settings::from(timing).watchdog(Duration::from_millis(300));
    measure(trial as Arc<dyn Trial>, 2, settings).check
}

#[test]
fn a_stuck_phase_ends_the_trial_with_a_finding_that_names_it() {
    for (phase, says) in [
        (Phase::Finish, "in finish (after the stop flag)"),
        (Phase::Stop, "stuck: the trial's stop did not return"),
        (Phase::Check, "stuck: the invariant check (and any shutdown it does) did not return"),
        (Phase::Drop, "stuck: the trial's drop did not return"),
    ] {
        match stuck_in(Some(phase)) {
            Check::Violated(message) => assert!(message.contains(says), "{phase:?}: {message}"),
            held => panic!("{phase:?}: a stuck phase passed: {held:?}"),
        }
    }
}

#[test]
fn a_trial_stuck_nowhere_holds() {
    assert!(matches!(stuck_in(None), Check::Held(_)));
}
