//! What `cargo bench` measures, kept here so the criterion files stay thin: one point of a
//! workload timed through the same runner as `syncbench run`, in the shape criterion's
//! `iter_custom` wants.
//!
//! One criterion iteration is one operation of the whole trial (all threads together), so the
//! time criterion reports per iteration is the inverse of the trial's throughput, and criterion's
//! `Throughput::Elements(1)` turns it back into operations per second.
//!
//! Each call runs a fresh trial for a fixed [`SAMPLE_RUN`], as `syncbench run` does, and returns
//! `iters` times the measured time per operation. Running exactly `iters` operations instead
//! would let one descheduled thread (a time slice is milliseconds) dominate every sample of a
//! fast operation at oversubscribed thread counts; criterion would then estimate a huge cost
//! per iteration and keep the samples too short to recover.
use std::time::Duration;

use workloads::{Check, ImplInfo, ImplKind, Params, TrialSetup, Workload};

use crate::runner::{measure, Stop, Timing};

/// Runner warm-up before each timed call: settles the batch size, and the threads are fresh.
pub const WARMUP: Duration = Duration::from_millis(5);
/// How long each call measures, whatever `iters` is.
pub const SAMPLE_RUN: Duration = Duration::from_millis(20);

/// The thread counts every benchmark runs at: 1, 2 and one oversubscribed count (twice the
/// logical CPUs, at least 3), where spin and FIFO-fair locks show their true cost.
pub fn thread_counts(logical_cpus: usize) -> Vec<usize> {
    let mut counts = vec![1, 2, (2 * logical_cpus).max(3)];
    counts.dedup();
    counts
}

/// The parameters a benchmark runs at: each default at its first value, as the tour does.
pub fn default_params(workload: &dyn Workload) -> Params {
    Params::resolve(workload.name(), workload.params(), &[])
        .expect("a workload's own defaults are valid")
}

/// Runs a fresh trial of `implementation` on `threads` threads for [`SAMPLE_RUN`] and returns
/// the time `iters` operations take at the measured rate.
///
/// # Panics
/// If the implementation is unknown, or it broke its workload's invariant and is not a
/// demonstration of exactly that: a benchmark is also a stress test.
pub fn time_ops(
    workload: &dyn Workload,
    implementation: &ImplInfo,
    params: &Params,
    threads: usize,
    iters: u64,
) -> Duration {
    let setup = TrialSetup { threads, seed: 1, params };
    let name = &implementation.name;
    let trial = workload
        .prepare(name, &setup)
        .unwrap_or_else(|| panic!("{} has no implementation {name}", workload.name()));
    let timing = Timing { stop: Stop::After(SAMPLE_RUN), warmup: WARMUP };
    let measurement = measure(trial, threads, timing);
    if let Check::Violated(why) = &measurement.check {
        let demonstration = implementation.kind == ImplKind::Demonstration;
        assert!(demonstration, "{}/{name}: invariant violated: {why}", workload.name());
    }
    let ops = measurement.total_ops().max(1);
    measurement.elapsed.mul_f64(iters as f64 / ops as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::Registry;

    #[test]
    fn thread_counts_include_one_oversubscribed_count() {
        assert_eq!(thread_counts(2), vec![1, 2, 4]);
        assert_eq!(thread_counts(1), vec![1, 2, 3]);
        assert_eq!(thread_counts(16), vec![1, 2, 32]);
    }

    #[test]
    fn a_timed_point_scales_to_the_iterations_asked_for() {
        let registry = Registry::standard();
        let counter = registry.get("counter").unwrap();
        let params = default_params(counter);
        let info = |w: &dyn Workload, name: &str| {
            w.implementations().into_iter().find(|i| i.name == name).unwrap()
        };
        let thousand = time_ops(counter, &info(counter, "atomic-counter"), &params, 2, 1_000);
        assert!(thousand > Duration::ZERO);
        let pool = registry.get("pool").unwrap();
        let one = time_ops(pool, &info(pool, "thread-pool"), &default_params(pool), 1, 1);
        assert!(one > Duration::ZERO);
    }

    #[test]
    #[should_panic(expected = "invariant violated")]
    fn a_broken_implementation_that_is_not_a_demonstration_fails_the_benchmark() {
        use primitives::counters::RacyCounter;
        use workloads::counter::CounterWorkload;
        let racy = CounterWorkload::empty().with_factory(
            "racy-but-claimed-correct",
            ImplKind::HandRolled,
            "a racy counter presented as correct",
            |_| RacyCounter::new(),
        );
        let params = default_params(&racy);
        let info = racy.implementations().remove(0);
        for _ in 0..50 {
            time_ops(&racy, &info, &params, 4, 1);
        }
    }
}
