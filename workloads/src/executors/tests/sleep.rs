use std::sync::Arc;
use std::time::Duration;

use super::run;
use crate::executors::sleep::{lpt_makespan, Expectation, RunMarks, SleepStrategy, SleepWorkload};
use crate::workload::{Check, ImplKind};

/// Broken on purpose: starts a thread per task and returns without waiting for them.
struct FireAndForget;

impl SleepStrategy for FireAndForget {
    fn with_workers(_workers: usize) -> Self {
        FireAndForget
    }
    fn run_all(&self, durations: &[Duration], marks: &Arc<RunMarks>) {
        for (index, &duration) in durations.iter().enumerate() {
            let marks = marks.clone();
            std::thread::spawn(move || {
                std::thread::sleep(duration);
                marks.mark(index);
            });
        }
    }
    fn shutdown(self) {}
}

fn workload() -> SleepWorkload {
    SleepWorkload::standard().with_strategy::<FireAndForget>(
        "fire-and-forget",
        ImplKind::Demonstration,
        "does not wait",
        Expectation::Max,
    )
}

#[test]
fn lpt_packs_as_expected() {
    let ms = Duration::from_millis;
    assert_eq!(lpt_makespan(&[ms(1); 10], 3), ms(4));
    let mixed: Vec<Duration> = (1..=10).map(ms).collect();
    assert_eq!(lpt_makespan(&mixed, 1), ms(55));
    assert_eq!(lpt_makespan(&mixed, 2), ms(28));
    assert_eq!(lpt_makespan(&mixed, 16), ms(10));
    assert_eq!(Expectation::Sum.of(&mixed, 4), ms(55));
    assert_eq!(Expectation::Max.of(&mixed, 4), ms(10));
    assert_eq!(Expectation::MaxOnTicks.of(&mixed, 4), ms(10) + Duration::from_micros(500));
}

#[test]
fn every_strategy_runs_each_task_once_and_reports_its_expectation() {
    let sets = [("tasks", "6"), ("durations", "mixed"), ("sleep_us", "200")];
    for (strategy, expected) in [
        ("sequential", "4.20 ms (sum of d)"),
        ("thread-per-task", "1.20 ms (max of d)"),
        ("thread-pool", "2.20 ms (LPT packing into k)"),
        ("rayon-pool", "2.20 ms (LPT packing into k)"),
        ("tokio", "1.70 ms (max of d + half a 1 ms timer tick)"),
    ] {
        let (check, metrics) = run(&workload(), strategy, 2, &sets, 2);
        let Check::Held(summary) = &check else { panic!("{strategy}: {check:?}") };
        assert!(summary.contains("3 batches of 6 tasks, each task ran exactly once"), "{summary}");
        assert!(summary.contains(&format!("expected {expected}")), "{summary}");
        assert!(metrics.counter("expected_us") > 0 && metrics.counter("wall_p50_us") > 0);
    }
}

#[test]
fn a_strategy_that_does_not_wait_is_caught() {
    let (check, _) = run(&workload(), "fire-and-forget", 1, &[("tasks", "5")], 1);
    let Check::Violated(problem) = check else { panic!("fire-and-forget passed") };
    assert!(problem.contains("had not run"), "{problem}");
}

#[test]
fn ten_thousand_tasks_work_on_a_pool() {
    let sets = [("tasks", "10000"), ("sleep_us", "1")];
    let (check, _) = run(&workload(), "thread-pool", 4, &sets, 0);
    assert!(matches!(check, Check::Held(_)), "{check:?}");
}
