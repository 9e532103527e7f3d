//! Models of an executor: a job's effects are published by `wait_idle` and by `shutdown`, and a
//! shutdown runs every job submitted before it.

use super::cell::ModelCell;
use super::check::check;
use crate::executor::Executor;
use crate::sync::{Arc, AtomicUsize, Ordering};

/// The models of [`executor_wait_idle_publishes`] and [`executor_shutdown_runs_every_job`].
pub fn executor<E: Executor + 'static>() {
    executor_wait_idle_publishes::<E>();
    executor_shutdown_runs_every_job::<E>();
}

/// Two workers, one job that writes plain data; after `wait_idle` the submitter reads it.
pub fn executor_wait_idle_publishes<E: Executor + 'static>() {
    check(|| {
        let pool = E::with_threads(2);
        let written = Arc::new(ModelCell::new(0));
        let job = written.clone();
        pool.execute(Box::new(move || job.add_one()));
        pool.wait_idle();
        assert_eq!(written.read(), 1, "wait_idle returned before the job's effect");
        pool.shutdown();
    });
}

/// One worker, two jobs writing plain data, then two workers, two jobs counting: a shutdown
/// right after the submissions runs both, and publishes what they did.
pub fn executor_shutdown_runs_every_job<E: Executor + 'static>() {
    check(|| {
        let pool = E::with_threads(1);
        let written = Arc::new(ModelCell::new(0));
        for _ in 0..2 {
            let job = written.clone();
            pool.execute(Box::new(move || job.add_one()));
        }
        pool.shutdown();
        assert_eq!(written.read(), 2, "a job lost, or its effect unpublished, by the shutdown");
    });
    check(|| {
        let pool = E::with_threads(2);
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let ran = ran.clone();
            pool.execute(Box::new(move || {
                ran.fetch_add(1, Ordering::Relaxed);
            }));
        }
        pool.shutdown();
        assert_eq!(ran.load(Ordering::Relaxed), 2, "a job lost by the shutdown");
    });
}
