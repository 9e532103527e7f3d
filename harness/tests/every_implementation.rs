//! Every implementation of every shipped workload, run briefly through the real runner at one
//! thread, two, and an oversubscribed four, on every declared parameter set's defaults: each must
//! hold its workload's invariant (demonstrations excepted), and the runner must finish.

use std::time::Duration;

use harness::runner::{measure, Stop, Timing};
use workloads::{Check, ImplKind, Params, Registry, TrialSetup};

#[test]
fn every_implementation_holds_its_invariant() {
    let registry = Registry::standard();
    let timing =
        Timing { stop: Stop::After(Duration::from_millis(5)), warmup: Duration::from_millis(1) };
    let mut failures = Vec::new();
    for workload in registry.iter() {
        let params = Params::resolve(workload.name(), workload.params(), &[]).unwrap();
        for info in workload.implementations() {
            for threads in [1, 2, 4] {
                let setup = TrialSetup { threads, seed: 1, params: &params };
                let trial = workload.prepare(&info.name, &setup).expect("a listed implementation");
                let measurement = measure(trial, threads, timing);
                let held = matches!(measurement.check, Check::Held(_));
                if !held && info.kind != ImplKind::Demonstration {
                    failures.push(format!(
                        "{} {} t{threads}: {:?}",
                        workload.name(),
                        info.name,
                        measurement.check
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
