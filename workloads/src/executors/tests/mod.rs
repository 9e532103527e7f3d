//! The executor workloads against correct executors and deliberately broken ones, driven by hand
//! (the harness's runner lives in another crate): thread 0 submits, as under the runner.

mod balance;
mod pool;
mod sleep;

use crate::params::{ParamSpec, Params};
use crate::workload::{Check, Trial, TrialSetup, Workload};

/// Runs `batches` batches of the submitter of `implementation` (each `run(1)` finishes one whole
/// batch), handing over its metrics as the runner does (after a warm-up batch, and at the end),
/// then checks.
fn run(
    workload: &dyn Workload,
    implementation: &str,
    threads: usize,
    sets: &[(&str, &str)],
    batches: u64,
) -> (Check, crate::Metrics) {
    let specs: &[ParamSpec] = workload.params();
    let overrides: Vec<_> = sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let params = Params::resolve(workload.name(), specs, &overrides).unwrap();
    let setup = TrialSetup { threads, seed: 7, params: &params };
    let trial: Box<dyn Trial> = workload.prepare(implementation, &setup).unwrap();
    let metrics = {
        let mut submitter = trial.worker(0);
        let batch = submitter.run(1);
        assert!(batch >= 1, "a batch has tasks");
        drop(submitter.take_metrics());
        for _ in 0..batches {
            assert_eq!(submitter.run(1), batch, "one run(1) is one whole batch of tasks");
        }
        submitter.finish();
        submitter.take_metrics()
    };
    trial.stop();
    (trial.check(0), metrics)
}

#[test]
fn idle_threads_wait_for_the_submitter_then_the_stop() {
    use super::submitter::{Idle, Phases};
    use crate::workload::Worker;
    use std::sync::atomic::{AtomicBool, Ordering};

    let phases = Phases::default();
    let stopped = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let idle = scope.spawn(|| {
            let mut idle = Idle(&phases);
            let mut naps = 0;
            while !stopped.load(Ordering::Relaxed) {
                naps += idle.run(1);
            }
            naps
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        phases.measuring();
        std::thread::sleep(std::time::Duration::from_millis(20));
        phases.done();
        stopped.store(true, Ordering::Relaxed);
        phases.stop();
        let naps = idle.join().unwrap();
        // About 4 warm-up naps of 5 ms, one long wait while measuring, and a last one or two.
        assert!((2..20).contains(&naps), "{naps} naps");
    });
}
