//! `philosophers`: Dijkstra's dining philosophers, one per thread, a fork between each pair.
//!
//! `left-first`: every philosopher picks up the left fork, then the right. When all hold their
//! left fork at once, each waits for a right fork its neighbour holds: a deadlock. Two fixes break
//! the cycle: `asymmetric` (each picks up the lower-numbered fork first, so the last philosopher
//! reaches right first) and `semaphore` (the project's [`AtomicSemaphore`] seats at most n − 1 at
//! the table, so one of them always gets both forks).
//!
//! An operation is a meal. Invariant: no fork is ever held by two philosophers (an occupancy count
//! per fork, measured). Meals per philosopher are the per-thread op counts, so the run's fairness
//! (Jain's index) and min/max share show whether anyone went hungry; the check lists them too.
//! At one thread there are two forks and no neighbour, so no deadlock can happen.
//!
//! A user's protocol plugs in as a [`DiningTable`] ([`PhilosophersWorkload::with`]), checked by the
//! same invariant and watchdog.

use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_utils::CachePadded;
use parking_lot::Mutex;
use primitives::semaphore::Semaphore;
use primitives::AtomicSemaphore;

use super::dining_table::{DiningSetup, DiningTable, UserDining};
use super::meal_tally::MealTally;
use super::variants::{infos, variant, Variant};
use super::wait_for::WaitForGraph;
use crate::busy_work::{BusyWork, BUSY_NS};
use crate::catalog::Catalog;
use crate::params::{ParamKind, ParamSpec};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "eat_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "500",
        help: "busy work while eating (ns)",
    },
    ParamSpec {
        name: "reach_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "100",
        help: "busy work between picking up the first fork and reaching for the second (ns)",
    },
    ParamSpec {
        name: "think_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "500",
        help: "busy work between meals (ns)",
    },
];

/// How a philosopher picks up the forks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manners {
    LeftFirst,
    Asymmetric,
    Semaphore,
}

const IMPLEMENTATIONS: &[Variant<Manners>] = &[
    (
        "left-first",
        ImplKind::Demonstration,
        "everyone takes the left fork, then the right: deadlocks",
        Manners::LeftFirst,
    ),
    (
        "asymmetric",
        ImplKind::HandRolled,
        "lower-numbered fork first: the last philosopher reaches right first",
        Manners::Asymmetric,
    ),
    (
        "semaphore",
        ImplKind::HandRolled,
        "AtomicSemaphore seats at most n-1, who then take left, right",
        Manners::Semaphore,
    ),
];

/// The dining philosophers workload: the built-in manners, then any user tables.
#[derive(Default)]
pub struct PhilosophersWorkload {
    tables: Catalog<DiningSetup>,
}

impl PhilosophersWorkload {
    pub fn standard() -> Self {
        Self::default()
    }

    /// Adds a user's protocol: `T` builds a fresh table for each trial.
    pub fn with<T: DiningTable + 'static>(
        mut self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        self.tables
            .add(name, kind, about, |setup: &DiningSetup| Box::new(UserDining::<T>::new(setup)));
        self
    }
}

impl Workload for PhilosophersWorkload {
    fn name(&self) -> &str {
        "philosophers"
    }

    fn about(&self) -> &str {
        "dining philosophers, one per thread: a fork between each pair"
    }

    fn invariant(&self) -> &str {
        "no fork held by two philosophers at once (measured); meals per philosopher reported"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        let mut all = infos(IMPLEMENTATIONS);
        all.extend(self.tables.infos());
        all
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let busy = |name| BusyWork::from_nanos(setup.params.number(name));
        let Some(manners) = variant(IMPLEMENTATIONS, implementation) else {
            let dining = DiningSetup {
                philosophers: setup.threads,
                eat: busy("eat_ns"),
                think: busy("think_ns"),
            };
            return self.tables.make(implementation, &dining);
        };
        let philosophers = setup.threads;
        // One philosopher still needs two forks.
        let forks = philosophers.max(2);
        Some(Box::new(Table {
            manners,
            forks: (0..forks).map(|_| CachePadded::new(Fork::default())).collect(),
            seats: AtomicSemaphore::new(philosophers.saturating_sub(1).max(1)),
            graph: WaitForGraph::new(philosophers, forks),
            eat: busy("eat_ns"),
            reach: busy("reach_ns"),
            think: busy("think_ns"),
            tally: MealTally::new(philosophers),
        }))
    }
}

#[derive(Default)]
struct Fork {
    lock: Mutex<()>,
    /// Philosophers holding this fork right now, counted by the holders themselves.
    holders: AtomicUsize,
}

struct Table {
    manners: Manners,
    forks: Vec<CachePadded<Fork>>,
    /// Used by `semaphore`: n − 1 seats.
    seats: AtomicSemaphore,
    graph: WaitForGraph,
    eat: BusyWork,
    reach: BusyWork,
    think: BusyWork,
    tally: MealTally,
}

impl Table {
    /// The forks philosopher `p` picks up, in its order.
    fn forks_of(&self, p: usize) -> (usize, usize) {
        let (left, right) = (p, (p + 1) % self.forks.len());
        match self.manners {
            Manners::Asymmetric => (left.min(right), left.max(right)),
            Manners::LeftFirst | Manners::Semaphore => (left, right),
        }
    }

    fn dine(&self, p: usize) {
        let _seat = (self.manners == Manners::Semaphore).then(|| self.seats.acquire());
        let (first, second) = self.forks_of(p);
        self.graph.waiting(p, first);
        let first_guard = self.forks[first].lock.lock();
        self.graph.acquired(p, first);
        self.reach.run();
        self.graph.waiting(p, second);
        let second_guard = self.forks[second].lock.lock();
        self.graph.acquired(p, second);
        let mut shared = 0;
        for fork in [first, second] {
            shared += u64::from(self.forks[fork].holders.fetch_add(1, Ordering::Relaxed) > 0);
        }
        self.eat.run();
        for fork in [first, second] {
            self.forks[fork].holders.fetch_sub(1, Ordering::Relaxed);
        }
        self.tally.shared(shared);
        self.graph.released(second);
        drop(second_guard);
        self.graph.released(first);
        drop(first_guard);
    }
}

impl Trial for Table {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(Philosopher { table: self, index, meals: 0 })
    }

    fn diagnose_stall(&self) -> Option<String> {
        let waits = self.graph.describe("philosopher", "fork")?;
        let why = match self.manners {
            Manners::LeftFirst => "every philosopher holds its left fork and waits for the right",
            _ => "unexpected: these manners cannot close a cycle",
        };
        Some(format!("{why}; {waits}"))
    }

    fn check(&self, _ops: u64) -> Check {
        self.tally.check()
    }
}

struct Philosopher<'a> {
    table: &'a Table,
    index: usize,
    meals: u64,
}

impl Worker for Philosopher<'_> {
    fn run(&mut self, n: u64) -> u64 {
        for _ in 0..n {
            self.table.dine(self.index);
            self.meals += 1;
            self.table.think.run();
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.table.tally.finished(self.index, self.meals);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_trial;

    #[test]
    fn the_fixed_manners_feed_everyone() {
        for name in ["asymmetric", "semaphore"] {
            for threads in [1, 2, 5] {
                let check =
                    run_trial(&PhilosophersWorkload::standard(), name, threads, 1, &[], |_, w| {
                        w.run(3_000)
                    });
                let Check::Held(text) = check else { panic!("{name} t{threads}: {check:?}") };
                let expected = vec!["3000"; threads].join(", ");
                assert!(text.ends_with(&expected), "{name} t{threads}: {text}");
            }
        }
    }

    #[test]
    fn the_asymmetric_order_takes_the_lower_fork_first() {
        let workload = PhilosophersWorkload::standard();
        let params = crate::Params::resolve("philosophers", PARAMS, &[]).unwrap();
        let setup = TrialSetup { threads: 3, seed: 0, params: &params };
        let trial = workload.prepare("asymmetric", &setup).unwrap();
        // Checked through the stall report's absence: nobody waits after a run.
        assert_eq!(trial.worker(2).run(10), 10);
        assert_eq!(trial.diagnose_stall(), None);
    }

    /// Left-first philosophers, each holding its left fork: the report names the cycle.
    #[test]
    fn a_deadlock_of_left_first_philosophers_is_described() {
        let table = Table {
            manners: Manners::LeftFirst,
            forks: (0..3).map(|_| CachePadded::new(Fork::default())).collect(),
            seats: AtomicSemaphore::new(2),
            graph: WaitForGraph::new(3, 3),
            eat: BusyWork::from_nanos(0),
            reach: BusyWork::from_nanos(0),
            think: BusyWork::from_nanos(0),
            tally: MealTally::new(3),
        };
        for p in 0..3 {
            table.graph.acquired(p, p);
            table.graph.waiting(p, (p + 1) % 3);
        }
        let report = table.diagnose_stall().unwrap();
        assert!(report.starts_with("every philosopher holds its left fork and waits for the right; philosopher 0 waits for fork 1, held by philosopher 1"), "{report}");
        assert!(report.ends_with("cycle: philosopher 0 → 1 → 2 → 0"), "{report}");
    }
}
