//! `counter`: every thread increments one shared counter as fast as it can.
//!
//! The classic contention test. Busy work inside the update (`inside_ns`) lengthens the critical
//! section; busy work outside it (`outside_ns`) lowers the pressure on it. Invariant: once the
//! threads are joined, the counter equals the number of increments they made — so the racy
//! counter's lost updates are counted on every run, and any lock that lets two threads in at once
//! shows up the same way.
//!
//! `cas-counter` (a compare-and-swap loop) sits beside `atomic-counter` (`fetch_add`): both are
//! exact and lock-free, but the CAS can be refused, and its retries are reported (`cas_retries`
//! in the extras, per increment in the check).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use primitives::counters::{
    AtomicCounter, CasCounter, Counter, LockedCounter, RacyCounter, ReentrantCounter,
    ShardedCounter,
};
use primitives::{
    Lock, ParkingTicketLock, ReentrantLock, SpinLock, StrictParkingTicketLock, TicketLock,
};

use crate::busy_work::BusyWork;
use crate::busy_work::BUSY_NS;
use crate::catalog::Catalog;
use crate::claims::Claim;
use crate::fifo_fairness::check_fifo_fairness;
use crate::metrics::Metrics;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "inside_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "0",
        help: "busy work inside the critical section, per increment (ns)",
    },
    ParamSpec {
        name: "outside_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "0",
        help: "busy work outside the critical section, per increment (ns)",
    },
    ParamSpec {
        name: "depth",
        kind: ParamKind::Count(Range::new(1, 1024).drawn_to(16)),
        default: "1",
        help: "how many times reentrant locks are taken, nested, per increment",
    },
];

/// What a counter implementation is built from for one trial.
#[derive(Debug, Clone, Copy)]
pub struct CounterSetup {
    pub threads: usize,
    /// Nesting depth for reentrant locks (at least 1).
    pub depth: usize,
}

/// The counter workload over any set of [`Counter`] implementations.
pub struct CounterWorkload {
    catalog: Catalog<(CounterSetup, Work)>,
}

impl CounterWorkload {
    /// A workload with no implementations yet; add them with [`CounterWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every counter this project ships: hand-rolled, library and the racy demonstration.
    pub fn standard() -> Self {
        Self::standard_list().0
    }

    /// The project's own counters, registered by factory: several are built from the setup.
    fn standard_list() -> Factories {
        use ImplKind::{Demonstration, HandRolled, Library};
        Factories(Self::empty())
            .with("spin-lock", HandRolled, "test-and-test-and-set spin lock with backoff", |_| {
                LockedCounter::<SpinLock<u64>>::new()
            })
            .with_info(
                ImplInfo::new("ticket-lock", HandRolled, "FIFO-fair ticket lock")
                    .claiming(&[Claim::FifoFair]),
                |_| LockedCounter::<TicketLock<u64>>::new(),
            )
            .with(
                "parking-ticket-lock",
                HandRolled,
                "ticket lock, FIFO turns of up to 256 acquisitions; far waiters park by ticket",
                |_| LockedCounter::<ParkingTicketLock<u64>>::new(),
            )
            .with(
                "strict-parking-ticket-lock",
                HandRolled,
                "the same with turns of one acquisition: FIFO per acquisition",
                |_| LockedCounter::<StrictParkingTicketLock<u64>>::new(),
            )
            .with("std-mutex", Library, "std::sync::Mutex (futex)", |_| {
                LockedCounter::<std::sync::Mutex<u64>>::new()
            })
            .with("parking-lot-mutex", Library, "parking_lot::Mutex (eventually fair)", |_| {
                LockedCounter::<parking_lot::Mutex<u64>>::new()
            })
            .with_info(
                // Unlock hands the lock to the first thread parked in parking_lot's FIFO queue.
                ImplInfo::new(
                    "parking-lot-fair-mutex",
                    Library,
                    "parking_lot::FairMutex (always hands off)",
                )
                .claiming(&[Claim::FifoFair]),
                |_| LockedCounter::<parking_lot::FairMutex<u64>>::new(),
            )
            .with("atomic-counter", HandRolled, "one atomic fetch_add", |_| AtomicCounter::new())
            .with(
                "cas-counter",
                HandRolled,
                "a compare_exchange loop, retried until no other thread got in first",
                |_| CasCounter::new(),
            )
            .with(
                "sharded-counter",
                HandRolled,
                "a cache-padded atomic per thread, summed on read",
                |s| ShardedCounter::new(s.threads),
            )
            .with(
                "reentrant-lock",
                HandRolled,
                "owner id + depth over a spin lock, nested `depth` times",
                |s| ReentrantCounter::<ReentrantLock<Cell<u64>>>::new(s.depth),
            )
            .with(
                "parking-lot-reentrant-mutex",
                Library,
                "parking_lot::ReentrantMutex, nested `depth` times",
                |s| ReentrantCounter::<parking_lot::ReentrantMutex<Cell<u64>>>::new(s.depth),
            )
            .with(
                "racy-counter",
                Demonstration,
                "separate atomic load and store: loses updates",
                |_| RacyCounter::new(),
            )
    }

    /// Adds the counter type `C`, built afresh for each trial by [`NewCounter::new`].
    pub fn with<C: NewCounter>(self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.with_info::<C>(ImplInfo::new(name, kind, about))
    }

    /// Adds the counter type `C` that `info` describes, checking its claims (FIFO fairness).
    pub fn with_info<C: NewCounter>(self, info: ImplInfo) -> Self {
        self.with_factory_info(info, C::new)
    }

    /// Adds an implementation built by a closure: `make` builds a fresh counter for each trial
    /// (for a counter that needs more than [`NewCounter`] gives it).
    pub fn with_factory<C: Counter + 'static>(
        self,
        name: &str,
        kind: ImplKind,
        about: &str,
        make: impl Fn(&CounterSetup) -> C + Send + Sync + 'static,
    ) -> Self {
        self.with_factory_info(ImplInfo::new(name, kind, about), make)
    }

    /// [`CounterWorkload::with_factory`] for the implementation `info` describes, checking its
    /// claims (FIFO fairness).
    pub fn with_factory_info<C: Counter + 'static>(
        mut self,
        info: ImplInfo,
        make: impl Fn(&CounterSetup) -> C + Send + Sync + 'static,
    ) -> Self {
        let claims_fifo = info.claims(Claim::FifoFair);
        self.catalog.add_info(info, move |(setup, work): &(CounterSetup, Work)| {
            Box::new(CounterTrial {
                counter: make(setup),
                work: *work,
                retries: AtomicU64::new(0),
                claims_fifo,
            })
        });
        self
    }
}

/// A counter the workload builds afresh for each trial: implement it once for your counter type
/// to plug it in with [`CounterWorkload::with`]. A lock needs no code of its own:
/// `with::<LockedCounter<YourLock<u64>>>(name, kind, about)`.
pub trait NewCounter: Counter + Sized + 'static {
    /// A zeroed counter for a trial of `setup.threads` threads.
    fn new(setup: &CounterSetup) -> Self;
}

impl<L: Lock<u64> + 'static> NewCounter for LockedCounter<L> {
    fn new(_setup: &CounterSetup) -> Self {
        LockedCounter::new()
    }
}

impl NewCounter for AtomicCounter {
    fn new(_setup: &CounterSetup) -> Self {
        AtomicCounter::new()
    }
}

impl NewCounter for CasCounter {
    fn new(_setup: &CounterSetup) -> Self {
        CasCounter::new()
    }
}

impl NewCounter for ShardedCounter {
    fn new(setup: &CounterSetup) -> Self {
        ShardedCounter::new(setup.threads)
    }
}

/// The standard list's builder: `with` and `with_info` take a factory closure there, as most of
/// the project's counters are built from the setup (shards per thread, nesting depth).
struct Factories(CounterWorkload);

impl Factories {
    fn with<C: Counter + 'static>(
        self,
        name: &str,
        kind: ImplKind,
        about: &str,
        make: impl Fn(&CounterSetup) -> C + Send + Sync + 'static,
    ) -> Self {
        Self(self.0.with_factory(name, kind, about, make))
    }

    fn with_info<C: Counter + 'static>(
        self,
        info: ImplInfo,
        make: impl Fn(&CounterSetup) -> C + Send + Sync + 'static,
    ) -> Self {
        Self(self.0.with_factory_info(info, make))
    }
}

impl Default for CounterWorkload {
    fn default() -> Self {
        Self::standard()
    }
}

impl Workload for CounterWorkload {
    fn name(&self) -> &str {
        "counter"
    }

    fn about(&self) -> &str {
        "every thread increments one shared counter"
    }

    fn invariant(&self) -> &str {
        "final count = total increments of all threads"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let counter_setup =
            CounterSetup { threads: setup.threads, depth: setup.params.number("depth") as usize };
        let work = Work {
            inside: BusyWork::from_nanos(setup.params.number("inside_ns")),
            outside: BusyWork::from_nanos(setup.params.number("outside_ns")),
        };
        self.catalog.make(implementation, &(counter_setup, work))
    }
}

/// The busy work around each increment.
#[derive(Debug, Clone, Copy)]
pub struct Work {
    inside: BusyWork,
    outside: BusyWork,
}

struct CounterTrial<C> {
    counter: C,
    work: Work,
    /// CAS retries of every thread, warm-up included, added by each as it finishes.
    retries: AtomicU64,
    /// Whether `check` probes the order threads enter in ([`Claim::FifoFair`]).
    claims_fifo: bool,
}

impl<C: Counter> Trial for CounterTrial<C> {
    fn worker(&self, _index: usize) -> Box<dyn Worker + '_> {
        Box::new(CounterWorker { trial: self, retries: 0, measured_retries: 0 })
    }

    fn check(&self, ops: u64) -> Check {
        match check_count(self.counter.value(), ops) {
            Check::Held(summary) if C::COUNTS_RETRIES => {
                let retries = self.retries.load(Ordering::Relaxed);
                let per_op = retries as f64 / ops.max(1) as f64;
                Check::Held(format!("{summary}; {per_op:.4} CAS retries per increment"))
            }
            // The probe's own increments come after the count was read, so they change nothing.
            Check::Held(summary) if self.claims_fifo => {
                match check_fifo_fairness(&|f| self.counter.increment(f)) {
                    Ok(()) => Check::Held(format!("{summary}; FIFO order held")),
                    Err(broken) => Check::Violated(format!("{summary}; {broken}")),
                }
            }
            check => check,
        }
    }
}

/// The counter invariant: `value` must equal the `increments` made.
pub fn check_count(value: u64, increments: u64) -> Check {
    if value == increments {
        Check::Held(format!("count {value} = {increments} increments"))
    } else if value < increments {
        let lost = increments - value;
        let percent = 100.0 * lost as f64 / increments as f64;
        Check::Violated(format!("lost {lost} of {increments} updates ({percent:.2}%)"))
    } else {
        Check::Violated(format!("count {value} exceeds the {increments} increments made"))
    }
}

struct CounterWorker<'a, C> {
    trial: &'a CounterTrial<C>,
    /// All of this thread's CAS retries, for the check.
    retries: u64,
    /// Those since the last `take_metrics`, for the extras (`cas_retries`).
    measured_retries: u64,
}

impl<C: Counter> Worker for CounterWorker<'_, C> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        let CounterTrial { counter, work, .. } = self.trial;
        for _ in 0..n {
            if C::COUNTS_RETRIES {
                let retries = u64::from(counter.increment_counted(|| work.inside.run()));
                self.retries += retries;
                self.measured_retries += retries;
            } else {
                counter.increment(|| work.inside.run());
            }
            work.outside.run();
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.trial.retries.fetch_add(self.retries, Ordering::Relaxed);
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        let mut metrics = Metrics::default();
        if C::COUNTS_RETRIES {
            metrics.count("cas_retries", std::mem::take(&mut self.measured_retries));
        }
        metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;

    #[test]
    fn count_check_reports_lost_and_phantom_updates() {
        assert!(matches!(check_count(10, 10), Check::Held(_)));
        assert_eq!(check_count(9, 10), Check::Violated("lost 1 of 10 updates (10.00%)".to_owned()));
        assert!(matches!(check_count(11, 10), Check::Violated(m) if m.contains("exceeds")));
    }

    #[test]
    fn every_implementation_counts_exactly_on_one_thread() {
        let workload = CounterWorkload::standard();
        let params = Params::resolve("counter", PARAMS, &[("depth".into(), "3".into())]).unwrap();
        let setup = TrialSetup { threads: 1, seed: 0, params: &params };
        for info in workload.implementations() {
            let trial = workload.prepare(&info.name, &setup).unwrap();
            assert_eq!(trial.worker(0).run(1000), 1000);
            assert!(matches!(trial.check(1000), Check::Held(_)), "{}", info.name);
        }
    }

    #[test]
    fn the_cas_counter_counts_exactly_and_reports_its_retries() {
        let workload = CounterWorkload::standard();
        for threads in [1, 2, 4] {
            let check =
                crate::testing::run_trial(&workload, "cas-counter", threads, 0, &[], |_, w| {
                    w.run(20_000)
                });
            let Check::Held(summary) = check else { panic!("t{threads}: {check:?}") };
            assert!(summary.contains("CAS retries per increment"), "{summary}");
        }
        let params = Params::resolve("counter", PARAMS, &[]).unwrap();
        let setup = TrialSetup { threads: 1, seed: 0, params: &params };
        let trial = workload.prepare("cas-counter", &setup).unwrap();
        let mut worker = trial.worker(0);
        worker.run(100);
        assert_eq!(worker.take_metrics().counter("cas_retries"), 0, "alone it never retries");
        let fetch_add = workload.prepare("atomic-counter", &setup).unwrap();
        let mut worker = fetch_add.worker(0);
        worker.run(100);
        assert!(worker.take_metrics().counters().is_empty(), "fetch_add reports no retries");
    }

    #[test]
    fn names_are_unique_kebab_case() {
        let names: Vec<String> =
            CounterWorkload::standard().implementations().into_iter().map(|i| i.name).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    }
}
