//! Shuttle suites of the hand-rolled [`ThreadPool`] with several submitters: 2 workers and 2
//! submitting threads (5 threads with the model's own), beyond loom's reach. Every job must run
//! exactly once, `wait_idle` must not return before a submitter's jobs are done, and a finishing
//! shutdown straight after the submitters must lose nothing; a lost wake-up shows as a deadlock,
//! which shuttle reports as a failure.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test -p primitives
//! --release --test 'shuttle*'`
#![cfg(shuttle)]

use std::sync::Arc;

use primitives::executor::Executor;
use primitives::model::{check, on_threads};
use primitives::thread_pool::{Shutdown, ThreadPool};
use shuttle::sync::atomic::{AtomicUsize, Ordering};

/// Jobs per submitter.
const JOBS: usize = 2;

/// One counter per job: a job adds 1 to its own, so each must end at exactly 1.
fn counters(jobs: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..jobs).map(|_| AtomicUsize::new(0)).collect())
}

fn ran_once(runs: &[AtomicUsize]) -> bool {
    runs.iter().all(|runs| runs.load(Ordering::SeqCst) == 1)
}

/// Two submitters hand [`JOBS`] jobs each (one by `execute`, one by `spawn`) to a pool of 2
/// workers; `wait_idle` in each submitter, then a finishing shutdown by the model's thread.
#[test]
fn thread_pool_two_submitters_then_shutdown() {
    check(|| {
        let pool = Arc::new(ThreadPool::new(2));
        let runs = counters(2 * JOBS);
        let (submitting_pool, submitted_runs) = (pool.clone(), runs.clone());
        on_threads(2, move |submitter| {
            let job = |index: usize| {
                let runs = submitted_runs.clone();
                move || {
                    runs[submitter * JOBS + index].fetch_add(1, Ordering::SeqCst);
                }
            };
            submitting_pool.execute(Box::new(job(0)));
            let handle = submitting_pool.spawn(job(1));
            submitting_pool.wait_idle();
            let own = &submitted_runs[submitter * JOBS..(submitter + 1) * JOBS];
            assert!(ran_once(own), "wait_idle returned before the submitter's jobs ran");
            handle.join().unwrap();
        });
        let pool = Arc::into_inner(pool).expect("the submitters are done");
        assert_eq!(pool.shutdown_with(Shutdown::Finish), 0);
        assert!(ran_once(&runs), "a job ran twice or never");
    });
}

/// Two submitters hand 2 jobs each to a pool of 2 workers and leave at once; the finishing
/// shutdown that follows still runs every job, exactly once, and joins the workers.
#[test]
fn thread_pool_shutdown_right_after_two_submitters() {
    check(|| {
        let pool = Arc::new(ThreadPool::new(2));
        let runs = counters(2 * JOBS);
        let (submitting_pool, submitted_runs) = (pool.clone(), runs.clone());
        on_threads(2, move |submitter| {
            for index in 0..JOBS {
                let runs = submitted_runs.clone();
                submitting_pool.execute(Box::new(move || {
                    runs[submitter * JOBS + index].fetch_add(1, Ordering::SeqCst);
                }));
            }
        });
        Arc::into_inner(pool).expect("the submitters are done").shutdown();
        assert!(ran_once(&runs), "shutdown lost a job, or a job ran twice");
    });
}

/// A cancelling shutdown racing 2 workers: every job ran, or was reported cancelled, never both.
#[test]
fn thread_pool_cancel_accounts_for_every_job() {
    check(|| {
        let pool = ThreadPool::new(2);
        let runs = counters(3);
        for index in 0..3 {
            let runs = runs.clone();
            pool.execute(Box::new(move || {
                runs[index].fetch_add(1, Ordering::SeqCst);
            }));
        }
        let cancelled = pool.shutdown_with(Shutdown::Cancel);
        let ran: usize = runs.iter().map(|runs| runs.load(Ordering::SeqCst)).sum();
        assert!(runs.iter().all(|runs| runs.load(Ordering::SeqCst) <= 1), "a job ran twice");
        assert_eq!(ran + cancelled, 3, "{ran} ran and {cancelled} were cancelled of 3");
    });
}
