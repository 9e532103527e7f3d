//! Bare loop of the pool: one submitter hands batches of 10 000 tiny tasks (100 ns of the suite's
//! `BusyWork`) to a dedicated rayon pool of k workers as one `scope`, and waits for each batch:
//! the suite's `rayon-scope` at `task=tiny`. The figure is the time per task.

use std::sync::atomic::{AtomicU64, Ordering};

use workloads::busy_work::BusyWork;

use crate::point::{Point, Tolerance};
use crate::suite::SuitePoint;

const BATCH: u64 = 10_000;
const BATCHES: u64 = 20;
const TASK_NS: u64 = 100;

/// Nanoseconds per task with a pool of `workers`; the submitter runs on `cpus[0]`, and the pool's
/// workers wherever the scheduler puts them, as in the suite.
fn rayon_scope(workers: usize, cpus: &[usize]) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(workers).build().expect("a pool");
    let work = BusyWork::from_nanos(TASK_NS);
    let ran = AtomicU64::new(0);
    let (ns, _) = crate::timed::on_threads(1, &cpus[..1], |_| {
        for _ in 0..BATCHES {
            pool.scope(|scope| {
                for _ in 0..BATCH {
                    let ran = &ran;
                    scope.spawn(move |_| {
                        work.run();
                        ran.fetch_add(1, Ordering::Relaxed);
                    });
                }
            });
        }
    });
    assert_eq!(ran.load(Ordering::Relaxed), BATCH * BATCHES);
    ns / (BATCH * BATCHES) as f64
}

pub fn points() -> Vec<Point> {
    [1, 2]
        .into_iter()
        .map(|workers| {
            let suite = SuitePoint::new("pool", "rayon-scope", workers)
                .set("task", "tiny")
                .ops(BATCH * BATCHES);
            // Each batch ends in `wait_idle`, where the submitter parks and is woken.
            Point::new("pool", format!("rayon-scope tiny, k={workers}"), suite, move |cpus| {
                rayon_scope(workers, cpus)
            })
            .within(Tolerance::SCHEDULER_BOUND)
        })
        .collect()
}
