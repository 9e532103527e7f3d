//! `starvation`: who waits how long for a lock. Thread starvation under unfair mutexes (the spin
//! lock and parking_lot's, which let a running thread barge in ahead of waiters) against the FIFO
//! ticket lock; writer starvation under the reader-preferring RW lock (readers keep passing a
//! waiting writer) against the writer-preferring one.
//!
//! An operation takes the lock, holds it for `hold_ns` of busy work and lets go. The time from
//! asking to holding is recorded per operation (`wait`, or `read_wait` and `write_wait`), so the
//! longest wait is in the run's extras and in the check; the per-thread op counts give Jain's
//! fairness index and the min/max share, which is where starvation shows. Starvation is measured,
//! not a violation: the invariant is mutual exclusion (the count under a mutex equals the
//! operations; a reader never sees a half-done write).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use primitives::rwlock_reader_pref::ReaderPrefRwLock;
use primitives::rwlock_writer_pref::WriterPrefRwLock;
use primitives::{Lock, RwLock, SpinLock, TicketLock};

use super::starvation_lock::StarvationLock;
use super::writer_preference::check_writer_preference;
use crate::busy_work::{BusyWork, BUSY_NS};
use crate::catalog::Catalog;
use crate::claims::Claim;
use crate::fifo_fairness::check_fifo_fairness;
use crate::metrics::Metrics;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// Histograms of the time from asking for the lock to holding it.
pub const WAIT: &str = "wait";
pub const READ_WAIT: &str = "read_wait";
pub const WRITE_WAIT: &str = "write_wait";

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "hold_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "500",
        help: "busy work while holding the lock (ns)",
    },
    ParamSpec {
        name: "outside_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "500",
        help: "busy work between two operations (ns)",
    },
    ParamSpec {
        name: "writers",
        kind: ParamKind::Count(Range::new(1, 1024).drawn_to(8)),
        default: "1",
        help: "RW locks: threads that write (the first ones; the others read; at least 1)",
    },
];

/// What one trial is built from.
#[derive(Debug, Clone, Copy)]
struct StarvationSetup {
    hold: BusyWork,
    outside: BusyWork,
    writers: usize,
}

/// The starvation workload over mutexes and RW locks.
pub struct StarvationWorkload {
    catalog: Catalog<StarvationSetup>,
}

impl StarvationWorkload {
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Unfair and fair mutexes, reader- and writer-preferring RW locks.
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        Self::empty()
            .with_mutex::<SpinLock<u64>>(
                "spin-lock",
                HandRolled,
                "TTAS spin lock: unfair, whoever sees it free first",
            )
            .with_mutex::<parking_lot::Mutex<u64>>(
                "parking-lot-mutex",
                Library,
                "parking_lot::Mutex: barging, fair every ~0.5 ms",
            )
            .with_mutex_info::<TicketLock<u64>>(
                ImplInfo::new("ticket-lock", HandRolled, "FIFO ticket lock: nobody starves")
                    .claiming(&[Claim::FifoFair]),
            )
            .with_rwlock::<ReaderPrefRwLock<[u64; 2]>>(
                "reader-pref-rwlock",
                HandRolled,
                "readers pass a waiting writer: writers starve",
            )
            .with_rwlock_info::<WriterPrefRwLock<[u64; 2]>>(
                ImplInfo::new(
                    "writer-pref-rwlock",
                    HandRolled,
                    "a waiting writer stops new readers",
                )
                .claiming(&[Claim::WriterPreferring]),
            )
    }

    /// Adds the lock `L` ([`AsMutex`] or [`AsRwLock`] around your type): the one plug-in shape.
    ///
    /// [`AsMutex`]: super::starvation_lock::AsMutex
    /// [`AsRwLock`]: super::starvation_lock::AsRwLock
    pub fn with<L: StarvationLock>(self, name: &str, kind: ImplKind, about: &str) -> Self {
        L::add_to(self, ImplInfo::new(name, kind, about))
    }

    /// Adds the lock `L` that `info` describes, checking its claims (FIFO fairness for a mutex,
    /// writer preference for an RW lock).
    pub fn with_info<L: StarvationLock>(self, info: ImplInfo) -> Self {
        L::add_to(self, info)
    }

    /// Adds a mutex `L`: every thread takes it in turn.
    pub fn with_mutex<L: Lock<u64> + 'static>(
        self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        self.with_mutex_info::<L>(ImplInfo::new(name, kind, about))
    }

    /// Adds the mutex `L` that `info` describes, checking its claims (FIFO fairness).
    pub fn with_mutex_info<L: Lock<u64> + 'static>(mut self, info: ImplInfo) -> Self {
        // A mutex has no readers and writers: every thread takes it alike.
        let info = info.ignoring(&["writers"]);
        let claims_fifo = info.claims(Claim::FifoFair);
        self.catalog.add_info(info, move |setup: &StarvationSetup| {
            Box::new(MutexTrial {
                lock: L::new(0),
                setup: *setup,
                longest: Longest::default(),
                claims_fifo,
            })
        });
        self
    }

    /// Adds an RW lock `L`: the first `writers` threads write, the others read.
    pub fn with_rwlock<L: RwLock<[u64; 2]> + 'static>(
        self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        self.with_rwlock_info::<L>(ImplInfo::new(name, kind, about))
    }

    /// Adds the RW lock `L` that `info` describes, checking its claims (writer preference).
    pub fn with_rwlock_info<L: RwLock<[u64; 2]> + 'static>(mut self, info: ImplInfo) -> Self {
        let claims_writer_preference = info.claims(Claim::WriterPreferring);
        self.catalog.add_info(info, move |setup: &StarvationSetup| {
            Box::new(RwTrial {
                lock: L::new([0, 0]),
                setup: *setup,
                writes: AtomicU64::new(0),
                torn: AtomicU64::new(0),
                longest: Longest::default(),
                claims_writer_preference,
            })
        });
        self
    }
}

impl Workload for StarvationWorkload {
    fn name(&self) -> &str {
        "starvation"
    }

    fn about(&self) -> &str {
        "who waits how long: unfair vs FIFO mutexes, reader- vs writer-preferring RW locks"
    }

    fn invariant(&self) -> &str {
        "mutual exclusion (count = operations; no torn read); the longest wait is reported"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let params = setup.params;
        let starvation_setup = StarvationSetup {
            hold: BusyWork::from_nanos(params.number("hold_ns")),
            outside: BusyWork::from_nanos(params.number("outside_ns")),
            writers: params.number("writers") as usize,
        };
        self.catalog.make(implementation, &starvation_setup)
    }
}

/// The longest wait of any thread (ns) and who waited it, published as each worker finishes.
#[derive(Debug, Default)]
struct Longest {
    ns: AtomicU64,
    /// Thread index + 1 of the longest waiter, 0 for none.
    thread: AtomicU64,
}

impl Longest {
    fn publish(&self, ns: u64, thread: usize) {
        if self.ns.fetch_max(ns, Ordering::Relaxed) < ns {
            self.thread.store(thread as u64 + 1, Ordering::Relaxed);
        }
    }

    fn describe(&self) -> String {
        let ns = self.ns.load(Ordering::Relaxed);
        match self.thread.load(Ordering::Relaxed) {
            0 => "no wait recorded".to_owned(),
            t => format!("longest wait {:.3} ms (thread {})", ns as f64 / 1e6, t - 1),
        }
    }
}

/// Times a lock acquisition: runs `take` and returns its result with the wait in ns.
#[inline]
fn timed<R>(take: impl FnOnce() -> R) -> (R, u64) {
    let asked = Instant::now();
    let taken = take();
    (taken, asked.elapsed().as_nanos() as u64)
}

struct MutexTrial<L> {
    lock: L,
    setup: StarvationSetup,
    longest: Longest,
    /// Whether `check` probes the order threads enter in ([`Claim::FifoFair`]).
    claims_fifo: bool,
}

impl<L: Lock<u64>> Trial for MutexTrial<L> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(MutexWorker { trial: self, index, metrics: Metrics::default(), longest: 0 })
    }

    fn check(&self, ops: u64) -> Check {
        let count = self.lock.with(|count| *count);
        let longest = self.longest.describe();
        if count != ops {
            return Check::Violated(format!(
                "count {count} after {ops} operations: two holders at once; {longest}"
            ));
        }
        match self.claims_fifo.then(|| check_fifo_fairness(&|f| self.lock.with(|_| f()))) {
            Some(Err(broken)) => Check::Violated(format!("{broken}; {longest}")),
            Some(Ok(())) => {
                Check::Held(format!("count {count} = operations; FIFO order held; {longest}"))
            }
            None => Check::Held(format!("count {count} = operations; {longest}")),
        }
    }
}

struct MutexWorker<'a, L> {
    trial: &'a MutexTrial<L>,
    index: usize,
    metrics: Metrics,
    longest: u64,
}

impl<L: Lock<u64>> Worker for MutexWorker<'_, L> {
    fn run(&mut self, n: u64) -> u64 {
        let MutexTrial { lock, setup, .. } = self.trial;
        for _ in 0..n {
            let ((), waited) = timed(|| {
                lock.with(|count| {
                    *count += 1;
                    setup.hold.run();
                })
            });
            // The wait includes the hold: the lock's own cost, the same for every implementation.
            self.metrics.record(WAIT, waited);
            self.longest = self.longest.max(waited);
            setup.outside.run();
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.trial.longest.publish(self.longest, self.index);
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        std::mem::take(&mut self.metrics)
    }
}

struct RwTrial<L> {
    lock: L,
    setup: StarvationSetup,
    writes: AtomicU64,
    /// Reads that saw the two words differ: a reader let in during a write.
    torn: AtomicU64,
    longest: Longest,
    /// Whether `check` probes for writer preference ([`Claim::WriterPreferring`]).
    claims_writer_preference: bool,
}

impl<L: RwLock<[u64; 2]>> Trial for RwTrial<L> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        let writer = index < self.setup.writers;
        Box::new(RwWorker {
            trial: self,
            index,
            writer,
            metrics: Metrics::default(),
            longest: 0,
            writes: 0,
            torn: 0,
        })
    }

    fn check(&self, _ops: u64) -> Check {
        let [first, second] = self.lock.read(|words| *words);
        let writes = self.writes.load(Ordering::Relaxed);
        let torn = self.torn.load(Ordering::Relaxed);
        let longest = self.longest.describe();
        if torn != 0 || first != writes || second != writes {
            return Check::Violated(format!(
                "{torn} torn reads; words {first}/{second} after {writes} writes; {longest}"
            ));
        }
        match self.claims_writer_preference.then(|| check_writer_preference(&self.lock)) {
            Some(Err(broken)) => Check::Violated(format!("{broken}; {longest}")),
            Some(Ok(())) => Check::Held(format!(
                "{writes} writes, no torn read; writer preference held; {longest}"
            )),
            None => Check::Held(format!("{writes} writes, no torn read; {longest}")),
        }
    }
}

struct RwWorker<'a, L> {
    trial: &'a RwTrial<L>,
    index: usize,
    writer: bool,
    metrics: Metrics,
    longest: u64,
    writes: u64,
    torn: u64,
}

impl<L: RwLock<[u64; 2]>> Worker for RwWorker<'_, L> {
    fn run(&mut self, n: u64) -> u64 {
        let RwTrial { lock, setup, .. } = self.trial;
        for _ in 0..n {
            let waited = if self.writer {
                let ((), waited) = timed(|| {
                    lock.write(|words| {
                        words[0] += 1;
                        setup.hold.run();
                        words[1] += 1;
                    })
                });
                self.writes += 1;
                self.metrics.record(WRITE_WAIT, waited);
                waited
            } else {
                let (torn, waited) = timed(|| {
                    lock.read(|words| {
                        setup.hold.run();
                        words[0] != words[1]
                    })
                });
                self.torn += u64::from(torn);
                self.metrics.record(READ_WAIT, waited);
                waited
            };
            self.longest = self.longest.max(waited);
            setup.outside.run();
        }
        n
    }

    fn finish(&mut self) -> u64 {
        let trial = self.trial;
        trial.longest.publish(self.longest, self.index);
        trial.writes.fetch_add(self.writes, Ordering::Relaxed);
        trial.torn.fetch_add(self.torn, Ordering::Relaxed);
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        std::mem::take(&mut self.metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_trial;

    #[test]
    fn every_lock_excludes_and_reports_its_longest_wait() {
        let workload = StarvationWorkload::standard();
        for info in workload.implementations() {
            for threads in [1, 3] {
                let check =
                    run_trial(&workload, &info.name, threads, 0, &[("hold_ns", "100")], |_, w| {
                        assert_eq!(w.run(2_000), 2_000);
                        let metrics = w.take_metrics();
                        assert_eq!(
                            metrics.histograms().values().map(|h| h.len()).sum::<u64>(),
                            2_000
                        );
                        2_000
                    });
                let Check::Held(text) = &check else {
                    panic!("{} t{threads}: {check:?}", info.name)
                };
                assert!(text.contains("longest wait "), "{text}");
            }
        }
    }

    /// A "RW lock" that lets a reader in during a write: it publishes a write one word at a time.
    struct NoExclusion([AtomicU64; 2]);

    impl RwLock<[u64; 2]> for NoExclusion {
        fn new(value: [u64; 2]) -> Self {
            Self(value.map(AtomicU64::new))
        }
        fn read<R>(&self, f: impl FnOnce(&[u64; 2]) -> R) -> R {
            f(&[0, 1].map(|i| self.0[i].load(Ordering::SeqCst)))
        }
        fn write<R>(&self, f: impl FnOnce(&mut [u64; 2]) -> R) -> R {
            let mut words = [0, 1].map(|i| self.0[i].load(Ordering::SeqCst));
            let result = f(&mut words);
            self.0[0].store(words[0], Ordering::SeqCst);
            std::thread::yield_now();
            self.0[1].store(words[1], Ordering::SeqCst);
            result
        }
    }

    #[test]
    fn a_reader_let_in_during_a_write_is_caught() {
        let workload = StarvationWorkload::empty().with_rwlock::<NoExclusion>(
            "none",
            ImplKind::Demonstration,
            "",
        );
        let caught = (0..5).any(|_| {
            let check =
                run_trial(&workload, "none", 3, 0, &[("hold_ns", "2000")], |_, w| w.run(3_000));
            matches!(check, Check::Violated(m) if m.contains("torn reads"))
        });
        assert!(caught, "no torn read in 5 runs");
    }

    #[test]
    fn what_a_lock_ignores_follows_its_kind_not_its_name() {
        // A mutex named like an RW lock, and an RW lock named like neither.
        let workload = StarvationWorkload::empty()
            .with_mutex::<SpinLock<u64>>("my-rwlock", ImplKind::User, "")
            .with_rwlock::<ReaderPrefRwLock<[u64; 2]>>("my-rw", ImplKind::User, "");
        let ignores: Vec<bool> =
            workload.implementations().iter().map(|info| info.ignores("writers")).collect();
        assert_eq!(ignores, [true, false]);
    }
}
