//! A user's executor whose shutdown never returns (its workers are never woken), plugged into
//! `balance` through the library API and run by `syncbench run`: the run reports the stuck
//! shutdown as a finding (exit 1) and goes on, instead of hanging. Its twin, the project's own
//! pool behind the same wrapper with a shutdown that returns, passes.

use std::process::ExitCode;

use primitives::thread_pool::ThreadPool;
use primitives::{Executor, Job};
use reports::record::Outcome;
use reports::SummaryRow;
use workloads::executors::balance::BalanceWorkload;
use workloads::{ImplKind, Registry};

mod support;
use support::run_registry;

/// The project's pool, with a shutdown that waits for good when `STUCK`.
struct UserPool<const STUCK: bool>(ThreadPool);

impl<const STUCK: bool> Executor for UserPool<STUCK> {
    fn with_threads(threads: usize) -> Self {
        Self(ThreadPool::with_threads(threads))
    }
    fn execute(&self, job: Job) {
        self.0.execute(job);
    }
    fn wait_idle(&self) {
        self.0.wait_idle();
    }
    fn panicked_jobs(&self) -> usize {
        self.0.panicked_jobs()
    }
    fn shutdown(self) {
        if STUCK {
            // As a shutdown that forgets to wake its sleeping workers waits for their exit.
            loop {
                std::thread::park();
            }
        }
        self.0.shutdown();
    }
}

fn run(implementation: &str) -> (ExitCode, Vec<SummaryRow>) {
    let balance = BalanceWorkload::standard()
        .with::<UserPool<true>>("stuck-shutdown-pool", ImplKind::User, "shutdown never returns")
        .with::<UserPool<false>>("user-pool", ImplKind::User, "the same wrapper, shutdown returns");
    let registry = Registry::standard().with(balance);
    let args = ["balance", "--impls", implementation, "--threads", "1", "--repeats", "1"];
    let timing = ["--duration", "30ms", "--warmup", "5ms", "--watchdog", "200ms"];
    run_registry(&registry, &[&args[..], &timing[..]].concat())
}

#[test]
fn a_stuck_shutdown_is_a_finding_not_a_hang() {
    let (code, rows) = run("stuck-shutdown-pool");
    assert_eq!(code, ExitCode::from(1));
    assert!(!rows.is_empty());
    for row in rows {
        let text = row.invariant.to_string();
        assert!(
            text.starts_with("violated: stuck: the invariant check (and any shutdown it does)"),
            "{text}"
        );
    }
}

#[test]
fn the_same_pool_with_a_working_shutdown_passes() {
    let (code, rows) = run("user-pool");
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(rows.iter().all(|row| row.invariant.outcome == Outcome::Held), "{rows:?}");
}
