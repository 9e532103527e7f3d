//! The suite's side of a fidelity point: a workload from the registry, run through the library
//! API (`harness::runner::measure_pinned`) exactly as `syncbench run` runs it, for a fixed count
//! of operations per main thread.

use std::time::Duration;

use harness::runner::{measure_pinned, Stop, Timing};
use harness::slowdown::slowed;
use workloads::{Check, Params, Registry, TrialSetup};

/// One point of one workload, as the suite measures it.
#[derive(Debug, Clone)]
pub struct SuitePoint {
    pub workload: &'static str,
    pub implementation: &'static str,
    pub threads: usize,
    /// `--set` overrides of the workload's defaults.
    pub params: Vec<(String, String)>,
    pub ops_per_thread: u64,
    /// Share of extra busy work added to every worker call: 0 for the real suite, more for the
    /// broken twin that the suite must catch.
    pub slow: f64,
}

impl SuitePoint {
    pub fn new(workload: &'static str, implementation: &'static str, threads: usize) -> Self {
        Self {
            workload,
            implementation,
            threads,
            params: Vec::new(),
            ops_per_thread: 1_000_000,
            slow: 0.0,
        }
    }

    pub fn set(mut self, key: &str, value: impl ToString) -> Self {
        self.params.push((key.to_owned(), value.to_string()));
        self
    }

    pub fn ops(mut self, ops_per_thread: u64) -> Self {
        self.ops_per_thread = ops_per_thread;
        self
    }

    /// Nanoseconds per operation, all main threads together (1 / throughput), with worker `i` on
    /// `cpus[i % cpus.len()]`. Panics if the workload's invariant broke: a fidelity figure of a
    /// broken run means nothing.
    pub fn ns_per_op(&self, registry: &Registry, cpus: &[usize]) -> f64 {
        let workload = registry.get(self.workload).expect("a registered workload");
        let params = Params::resolve(self.workload, workload.params(), &self.params)
            .unwrap_or_else(|e| panic!("parameters of {}: {e}", self.workload));
        let setup = TrialSetup { threads: self.threads, seed: 42, params: &params };
        let trial = workload
            .prepare(self.implementation, &setup)
            .unwrap_or_else(|| panic!("{} has no {}", self.workload, self.implementation));
        let timing = Timing {
            stop: Stop::OpsPerThread(self.ops_per_thread),
            warmup: Duration::from_millis(20),
        };
        let pins = if crate::timed::pinning() { cpus } else { &[] };
        let measurement = measure_pinned(slowed(trial, self.slow), self.threads, timing, pins);
        if let Check::Violated(why) = &measurement.check {
            panic!("{} {}: invariant violated: {why}", self.workload, self.implementation);
        }
        1e9 / measurement.throughput()
    }
}
