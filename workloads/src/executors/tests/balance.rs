use primitives::dispatch::{DispatchPool, KeyHash};
use primitives::executor::{Executor, Job};

use super::run;
use crate::executors::balance::{BalanceWorkload, MAKESPAN};
use crate::workload::{Check, ImplKind};

/// Broken on purpose: `wait_idle` returns at once.
struct DoesNotWait(DispatchPool<KeyHash>);

impl Executor for DoesNotWait {
    fn with_threads(threads: usize) -> Self {
        Self(DispatchPool::new(threads))
    }
    fn execute(&self, job: Job) {
        self.0.execute(job)
    }
    fn execute_keyed(&self, key: u64, job: Job) {
        self.0.execute_keyed(key, job)
    }
    fn wait_idle(&self) {}
    fn panicked_jobs(&self) -> usize {
        self.0.panicked_jobs()
    }
    fn shutdown(self) {
        self.0.shutdown()
    }
}

fn workload() -> BalanceWorkload {
    BalanceWorkload::standard().with::<DoesNotWait>(
        "does-not-wait",
        ImplKind::Demonstration,
        "wait_idle returns at once",
    )
}

const SMALL: [(&str, &str); 2] = [("tasks", "200"), ("task_ns", "500")];

#[test]
fn every_strategy_holds_and_reports_busy_shares() {
    for strategy in primitives::Dispatch::ALL {
        let (check, metrics) = run(&workload(), strategy.name(), 2, &SMALL, 3);
        let Check::Held(summary) = &check else { panic!("{}: {check:?}", strategy.name()) };
        assert!(summary.contains("800 tasks (4 batches) ran exactly once"), "{summary}");
        assert!(summary.contains("busy share of the 2 workers"), "{summary}");
        let (max, min) = (
            metrics.counter("busy_share_max_permille"),
            metrics.counter("busy_share_min_permille"),
        );
        assert!(max >= 500 && min <= 500, "{}: {max} {min}", strategy.name());
        assert_eq!(metrics.histograms()[MAKESPAN].len(), 3);
        assert!(metrics.counter("makespan_ideal_us") > 0);
    }
}

#[test]
fn one_hot_key_loads_one_worker_under_key_hashing() {
    // Every task has key 0: key hashing puts them all on one of the 4 workers.
    let sets = [("tasks", "100"), ("task_ns", "500"), ("keys", "1")];
    let (check, metrics) = run(&workload(), "dispatch-key-hash", 4, &sets, 2);
    assert!(matches!(check, Check::Held(_)), "{check:?}");
    assert_eq!(metrics.counter("busy_share_max_permille"), 1000);
    assert_eq!(metrics.counter("busy_share_min_permille"), 0);
}

#[test]
fn a_wait_idle_that_does_not_wait_is_caught() {
    let (check, _) = run(&workload(), "does-not-wait", 2, &SMALL, 2);
    let Check::Violated(problem) = check else { panic!("the non-waiting pool passed") };
    assert!(problem.contains("wait_idle returned before"), "{problem}");
}
