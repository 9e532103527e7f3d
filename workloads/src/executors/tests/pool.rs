use primitives::executor::{Executor, Job};
use primitives::thread_pool::ThreadPool;

use super::run;
use crate::executors::pool::{PoolWorkload, SUBMIT_TO_FINISH, SUBMIT_TO_START, TINY_SAMPLE};
use crate::workload::{Check, ImplKind};

/// Broken on purpose: shutdown cancels the queued tasks instead of running them.
struct CancelsOnShutdown(ThreadPool);

impl Executor for CancelsOnShutdown {
    fn with_threads(threads: usize) -> Self {
        Self(ThreadPool::new(threads))
    }
    fn execute(&self, job: Job) {
        self.0.execute(job)
    }
    fn wait_idle(&self) {
        self.0.wait_idle()
    }
    fn panicked_jobs(&self) -> usize {
        self.0.panicked_jobs()
    }
    fn shutdown(self) {
        self.0.shutdown_now();
    }
}

/// Broken on purpose: `wait_idle` returns at once.
struct DoesNotWait(ThreadPool);

impl Executor for DoesNotWait {
    fn with_threads(threads: usize) -> Self {
        Self(ThreadPool::new(threads))
    }
    fn execute(&self, job: Job) {
        self.0.execute(job)
    }
    fn wait_idle(&self) {}
    fn panicked_jobs(&self) -> usize {
        self.0.panicked_jobs()
    }
    fn shutdown(self) {
        self.0.shutdown()
    }
}

fn workload() -> PoolWorkload {
    PoolWorkload::standard()
        .with::<CancelsOnShutdown>("cancels", ImplKind::Demonstration, "drops queued tasks")
        .with::<DoesNotWait>("does-not-wait", ImplKind::Demonstration, "wait_idle returns at once")
}

#[test]
fn correct_executors_hold_for_every_task_size() {
    for implementation in ["thread-pool", "rayon-pool", "rayon-scope", "crossbeam-channel-pool"] {
        for task in ["tiny", "medium", "heavy"] {
            let sets = [("task", task), ("batch", "300")];
            let (check, _) = run(&workload(), implementation, 2, &sets, 3);
            let Check::Held(summary) = &check else { panic!("{implementation} {task}: {check:?}") };
            assert!(summary.contains("1500 tasks"), "{summary}"); // 5 batches of 300
            assert!(summary.contains("shutdown under load lost none"), "{summary}");
        }
    }
}

#[test]
fn thread_per_task_batches_are_capped() {
    let (check, _) = run(&workload(), "thread-per-task", 1, &[("batch", "1200")], 0);
    let Check::Held(summary) = check else { panic!("violated") };
    assert!(summary.contains("batches of 1000 (capped"), "{summary}");
}

#[test]
fn tiny_tasks_are_sampled_and_rates_reported() {
    let (check, metrics) = run(&workload(), "thread-pool", 2, &[("batch", "3200")], 2);
    assert!(matches!(check, Check::Held(_)), "{check:?}");
    let sampled = 2 * 3200 / TINY_SAMPLE;
    assert_eq!(metrics.histograms()[SUBMIT_TO_START].len(), sampled);
    assert_eq!(metrics.histograms()[SUBMIT_TO_FINISH].len(), sampled);
    assert_eq!(metrics.counter("tasks"), 6400);
    assert!(metrics.counter("tasks_per_s") > 0);
}

#[test]
fn a_shutdown_that_drops_queued_tasks_is_caught() {
    let (check, _) = run(&workload(), "cancels", 1, &[("batch", "20000")], 1);
    let Check::Violated(problem) = check else { panic!("the cancelling shutdown passed") };
    assert!(problem.contains("never ran"), "{problem}");
}

#[test]
fn a_wait_idle_that_does_not_wait_is_caught() {
    let (check, _) = run(&workload(), "does-not-wait", 1, &[("task", "medium")], 2);
    let Check::Violated(problem) = check else { panic!("the non-waiting pool passed") };
    assert!(problem.contains("wait_idle returned before"), "{problem}");
}

#[test]
fn bad_parameters_are_refused() {
    let workload = PoolWorkload::standard();
    let resolve = |batch: &str| {
        let overrides = [("batch".to_owned(), batch.to_owned())];
        crate::Params::resolve("pool", crate::Workload::params(&workload), &overrides)
    };
    assert!(resolve("2000000").is_err());
    assert!(resolve("1000000").is_ok());
}
