//! `semaphore`: threads contend for a few permits, as requests contend for a connection pool.
//!
//! Each operation acquires a permit, holds it for `hold_ns` of busy work and releases it. The
//! time spent waiting for the permit is kept as the `wait` histogram; the per-thread counts give
//! the fairness. Invariant, checked on every run: never more holders at once than permits
//! (measured by a counter the holders move, not assumed), and after the run every permit can be
//! taken again and not one more (none lost, none made up).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use primitives::adapters::semaphores::{CondvarSemaphore, StdCondvarSemaphore, TokenPoolSemaphore};
use primitives::semaphore::Semaphore;
use primitives::AtomicSemaphore;

use crate::busy_work::{BusyWork, BUSY_NS};
use crate::catalog::Catalog;
use crate::metrics::Metrics;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// Histogram of the time from asking for a permit to holding it.
pub const WAIT: &str = "wait";

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "permits",
        kind: ParamKind::Count(Range::new(1, 1 << 16).drawn_to(64)),
        default: "2",
        help: "permits the semaphore starts with (K)",
    },
    ParamSpec {
        name: "hold_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "1000",
        help: "busy work while holding a permit (ns)",
    },
    ParamSpec {
        name: "outside_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "0",
        help: "busy work between releasing a permit and asking again (ns)",
    },
];

/// What one trial is built from.
#[derive(Debug, Clone, Copy)]
struct SemaphoreSetup {
    permits: usize,
    hold: BusyWork,
    outside: BusyWork,
}

/// The semaphore workload over any set of [`Semaphore`] implementations.
pub struct SemaphoreWorkload {
    catalog: Catalog<SemaphoreSetup>,
}

impl SemaphoreWorkload {
    /// A workload with no implementations yet; add them with [`SemaphoreWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every semaphore this project ships: hand-rolled and library.
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        Self::empty()
            .with::<AtomicSemaphore>(
                "atomic-semaphore",
                HandRolled,
                "atomic permit count; waiters spin, then park on a condvar",
            )
            .with::<CondvarSemaphore>(
                "parking-lot-condvar-semaphore",
                Library,
                "parking_lot Mutex<usize> + Condvar",
            )
            .with::<StdCondvarSemaphore>(
                "std-condvar-semaphore",
                Library,
                "the textbook one, std only: Mutex<usize> + Condvar, notified when a waiter counts",
            )
            .with::<TokenPoolSemaphore>(
                "crossbeam-token-pool",
                Library,
                "a crossbeam channel pre-filled with one token per permit",
            )
    }

    /// Adds the semaphore type `S` under `name`.
    pub fn with<S: Semaphore + 'static>(mut self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.catalog.add(name, kind, about, |setup: &SemaphoreSetup| {
            Box::new(SemaphoreTrial {
                semaphore: S::new(setup.permits),
                setup: *setup,
                holders: AtomicUsize::new(0),
                most_holders: AtomicUsize::new(0),
            })
        });
        self
    }
}

impl Workload for SemaphoreWorkload {
    fn name(&self) -> &str {
        "semaphore"
    }

    fn about(&self) -> &str {
        "threads contend for K permits and hold each for a while"
    }

    fn invariant(&self) -> &str {
        "never more than K holders at once (measured); all K permits back after the run"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let params = setup.params;
        let semaphore_setup = SemaphoreSetup {
            permits: params.number("permits") as usize,
            hold: BusyWork::from_nanos(params.number("hold_ns")),
            outside: BusyWork::from_nanos(params.number("outside_ns")),
        };
        self.catalog.make(implementation, &semaphore_setup)
    }
}

struct SemaphoreTrial<S> {
    semaphore: S,
    setup: SemaphoreSetup,
    /// Threads between acquiring and releasing right now.
    holders: AtomicUsize,
    /// The most holders any thread saw at once, published as each worker finishes.
    most_holders: AtomicUsize,
}

impl<S: Semaphore> Trial for SemaphoreTrial<S> {
    fn worker(&self, _index: usize) -> Box<dyn Worker + '_> {
        Box::new(SemaphoreWorker { trial: self, most_holders: 0, metrics: Metrics::default() })
    }

    fn check(&self, _ops: u64) -> Check {
        let permits = self.setup.permits;
        let most = self.most_holders.load(Ordering::Relaxed);
        if most > permits {
            return Check::Violated(format!("{most} holders at once, with {permits} permits"));
        }
        match permits_left(&self.semaphore, permits) {
            Ok(()) => Check::Held(format!(
                "at most {most} holders at once, with {permits} permits; all {permits} returned"
            )),
            Err(problem) => Check::Violated(problem),
        }
    }
}

/// Checks that exactly `permits` permits can be taken now that nobody holds one.
fn permits_left<S: Semaphore>(semaphore: &S, permits: usize) -> Result<(), String> {
    let mut held = Vec::with_capacity(permits + 1);
    while held.len() <= permits {
        match semaphore.try_acquire() {
            Some(permit) => held.push(permit),
            None => break,
        }
    }
    match held.len() {
        n if n < permits => {
            Err(format!("only {n} of {permits} permits could be taken after the run"))
        }
        n if n > permits => {
            Err(format!("more than {permits} permits could be taken after the run"))
        }
        _ => Ok(()),
    }
}

struct SemaphoreWorker<'a, S> {
    trial: &'a SemaphoreTrial<S>,
    most_holders: usize,
    metrics: Metrics,
}

impl<S: Semaphore> Worker for SemaphoreWorker<'_, S> {
    fn run(&mut self, n: u64) -> u64 {
        let trial = self.trial;
        for _ in 0..n {
            let asked = Instant::now();
            let permit = trial.semaphore.acquire();
            self.metrics.record(WAIT, asked.elapsed().as_nanos() as u64);
            // Relaxed is enough: a correct semaphore orders one holder's decrement before the next
            // holder's increment (release, then acquire); a broken one lets the count overshoot.
            let holders = trial.holders.fetch_add(1, Ordering::Relaxed) + 1;
            self.most_holders = self.most_holders.max(holders);
            trial.setup.hold.run();
            trial.holders.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            trial.setup.outside.run();
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.trial.most_holders.fetch_max(self.most_holders, Ordering::Relaxed);
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        std::mem::take(&mut self.metrics)
    }
}

#[cfg(test)]
mod tests;
