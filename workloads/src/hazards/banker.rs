//! `banker`: threads are processes that run jobs needing several kinds of resources from a
//! resource manager: each job asks for half its declared maximum claim, works, asks for the rest,
//! works, and gives everything back — hold and wait, the ingredient of a deadlock.
//!
//! `banker` is the project's [`Banker`] (Dijkstra's banker's algorithm): a request is granted only
//! if a safe sequence remains, so the jobs can never deadlock. `grant-if-available` grants
//! whatever fits in what is free right now: jobs end up each holding part of their claim and
//! waiting for units the others hold, a deadlock the watchdog reports.
//!
//! A user's manager plugs in as a [`ResourceManager`] ([`BankerWorkload::with`]).
//!
//! Invariant, checked on every grant on the workload's own copy of the books (not the manager's):
//! the state after the grant is safe. The copy records a grant after `request` returns and a
//! release before `release` is called, so it never shows more allocated than the manager has
//! granted; a state with less allocated (and as much more free) is at least as safe, so an unsafe
//! copy means the manager really was in an unsafe state, whatever it reports.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use primitives::banker::{safe_sequence, Books};
use primitives::Banker;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::variants::{infos, variant, Variant};
use crate::busy_work::{BusyWork, BUSY_NS};
use crate::catalog::Catalog;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// Kinds of resource (the textbook's three).
const KINDS: usize = 3;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "units",
        kind: ParamKind::Count(Range::new(1, 1 << 16).drawn_to(16)),
        default: "4",
        help: "units of each of the 3 resources (at least 1)",
    },
    ParamSpec {
        name: "hold_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "1000",
        help: "busy work after each grant (ns)",
    },
];

const IMPLEMENTATIONS: &[Variant<bool>] = &[
    (
        "banker",
        ImplKind::HandRolled,
        "primitives::Banker: grants only requests that leave a safe sequence",
        true,
    ),
    (
        "grant-if-available",
        ImplKind::Demonstration,
        "grants whatever is free, safe or not: jobs deadlock holding parts",
        false,
    ),
];

/// The banker workload: the built-in managers, then any user managers.
#[derive(Default)]
pub struct BankerWorkload {
    users: Catalog<BankerSetup>,
}

impl BankerWorkload {
    pub fn standard() -> Self {
        Self::default()
    }

    /// Adds a user's manager: `M` is built fresh for each trial.
    pub fn with<M: ResourceManager + 'static>(
        mut self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        self.users.add(name, kind, about, |setup: &BankerSetup| {
            let manager = M::new(setup.total.clone(), setup.maximum.clone());
            Box::new(BankerTrial::new(Box::new(manager), setup))
        });
        self
    }
}

/// A trial's resources: the units of each kind, each process's claim, the work after a grant.
#[derive(Debug, Clone)]
pub struct BankerSetup {
    pub total: Vec<u64>,
    pub maximum: Vec<Vec<u64>>,
    pub hold: BusyWork,
}

impl Workload for BankerWorkload {
    fn name(&self) -> &str {
        "banker"
    }

    fn about(&self) -> &str {
        "jobs take 3 kinds of resources in two steps from a manager: deadlock avoidance"
    }

    fn invariant(&self) -> &str {
        "never in an unsafe state: every grant leaves a safe sequence (checked on each grant)"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        let mut all = infos(IMPLEMENTATIONS);
        all.extend(self.users.infos());
        all
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let units = setup.params.number("units");
        let mut rng = SmallRng::seed_from_u64(setup.seed);
        let maximum: Vec<Vec<u64>> = (0..setup.threads)
            .map(|_| (0..KINDS).map(|_| rng.random_range(1..=units)).collect())
            .collect();
        let resources = BankerSetup {
            total: vec![units; KINDS],
            maximum,
            hold: BusyWork::from_nanos(setup.params.number("hold_ns")),
        };
        let Some(avoids) = variant(IMPLEMENTATIONS, implementation) else {
            return self.users.make(implementation, &resources);
        };
        let (total, maximum) = (resources.total.clone(), resources.maximum.clone());
        let manager: Box<dyn ResourceManager> = if avoids {
            Box::new(Banker::new(total, maximum))
        } else {
            Box::new(GrantIfAvailable::new(total, maximum))
        };
        Some(Box::new(BankerTrial::new(manager, &resources)))
    }
}

/// A resource manager as the workload drives it: implement it to plug one into `banker`.
pub trait ResourceManager: Send + Sync {
    /// A manager of `total` units of each kind, for processes with these maximum claims.
    fn new(total: Vec<u64>, maximum: Vec<Vec<u64>>) -> Self
    where
        Self: Sized;
    /// Grants `request` to `process`, waiting as long as it takes.
    fn request(&self, process: usize, request: &[u64]);
    /// Takes back `release` from `process`.
    fn release(&self, process: usize, release: &[u64]);
    /// The books, if they can be read without waiting (for the watchdog's report).
    fn peek(&self) -> Option<Books> {
        None
    }
}

impl ResourceManager for Banker {
    fn new(total: Vec<u64>, maximum: Vec<Vec<u64>>) -> Self {
        Banker::new(total, maximum)
    }

    fn request(&self, process: usize, request: &[u64]) {
        Banker::request(self, process, request);
    }

    fn release(&self, process: usize, release: &[u64]) {
        Banker::release(self, process, release);
    }

    fn peek(&self) -> Option<Books> {
        Some(self.books_snapshot())
    }
}

/// No avoidance: a request waits only until it fits in what is free.
struct GrantIfAvailable {
    books: Mutex<Books>,
    released: Condvar,
}

impl GrantIfAvailable {
    fn new(total: Vec<u64>, maximum: Vec<Vec<u64>>) -> Self {
        let allocation = vec![vec![0; total.len()]; maximum.len()];
        Self {
            books: Mutex::new(Books { available: total, allocation, maximum }),
            released: Condvar::new(),
        }
    }
}

impl ResourceManager for GrantIfAvailable {
    fn new(total: Vec<u64>, maximum: Vec<Vec<u64>>) -> Self {
        GrantIfAvailable::new(total, maximum)
    }

    fn request(&self, process: usize, request: &[u64]) {
        let books = self.books.lock().unwrap_or_else(PoisonError::into_inner);
        let too_little_free = |books: &mut Books| {
            request.iter().zip(&books.available).any(|(want, free)| want > free)
        };
        let mut books = self
            .released
            .wait_while(books, too_little_free)
            .unwrap_or_else(PoisonError::into_inner);
        for (r, &units) in request.iter().enumerate() {
            books.available[r] -= units;
            books.allocation[process][r] += units;
        }
    }

    fn release(&self, process: usize, release: &[u64]) {
        self.books.lock().unwrap_or_else(PoisonError::into_inner).release(process, release);
        self.released.notify_all();
    }

    fn peek(&self) -> Option<Books> {
        self.books.try_lock().ok().map(|books| books.clone())
    }
}

struct BankerTrial {
    manager: Box<dyn ResourceManager>,
    maximum: Vec<Vec<u64>>,
    hold: BusyWork,
    /// The workload's own books: grants recorded after they return, releases before they start.
    copy: Mutex<Books>,
    grants: AtomicU64,
    unsafe_grants: AtomicU64,
    /// Grants of more than was free, as the copy of the books saw them.
    over_grants: AtomicU64,
}

impl BankerTrial {
    fn new(manager: Box<dyn ResourceManager>, setup: &BankerSetup) -> Self {
        let allocation = vec![vec![0; setup.total.len()]; setup.maximum.len()];
        let books =
            Books { available: setup.total.clone(), allocation, maximum: setup.maximum.clone() };
        Self {
            manager,
            maximum: setup.maximum.clone(),
            hold: setup.hold,
            copy: Mutex::new(books),
            grants: AtomicU64::new(0),
            unsafe_grants: AtomicU64::new(0),
            over_grants: AtomicU64::new(0),
        }
    }

    fn grant(&self, process: usize, request: &[u64]) {
        self.manager.request(process, request);
        self.grants.fetch_add(1, Ordering::Relaxed);
        let mut books = self.copy.lock().unwrap_or_else(PoisonError::into_inner);
        let mut over = false;
        for (r, &units) in request.iter().enumerate() {
            match books.available[r].checked_sub(units) {
                Some(left) => books.available[r] = left,
                None => over = true,
            }
            books.allocation[process][r] += units;
        }
        if over {
            self.over_grants.fetch_add(1, Ordering::Relaxed);
        } else if !books.is_safe() {
            self.unsafe_grants.fetch_add(1, Ordering::Relaxed);
        }
        drop(books);
        self.hold.run();
    }

    fn release(&self, process: usize, release: &[u64]) {
        let mut books = self.copy.lock().unwrap_or_else(PoisonError::into_inner);
        for (r, &units) in release.iter().enumerate() {
            books.available[r] += units;
            books.allocation[process][r] -= units;
        }
        drop(books);
        self.manager.release(process, release);
    }
}

impl Trial for BankerTrial {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(Job { trial: self, index })
    }

    fn diagnose_stall(&self) -> Option<String> {
        let books = self.manager.peek()?;
        let holds: Vec<String> = (0..books.allocation.len())
            .map(|p| {
                format!("P{p} holds {:?} of its claim {:?}", books.allocation[p], books.maximum[p])
            })
            .collect();
        let safe = safe_sequence(&books.available, &books.allocation, &books.maximum).is_some();
        Some(format!(
            "every job holds part of its claim and waits for units the others hold: granted without checking for a safe sequence (state now {}); available {:?}; {}",
            if safe { "safe" } else { "unsafe" },
            books.available,
            holds.join("; ")
        ))
    }

    fn check(&self, ops: u64) -> Check {
        let grants = self.grants.load(Ordering::Relaxed);
        let over = self.over_grants.load(Ordering::Relaxed);
        if over > 0 {
            return Check::Violated(format!(
                "{over} of {grants} grants gave out more units than were free"
            ));
        }
        match self.unsafe_grants.load(Ordering::Relaxed) {
            0 => Check::Held(format!("{ops} jobs; all {grants} grants left a safe state")),
            bad => Check::Violated(format!(
                "{bad} of {grants} grants left an unsafe state (no order in which every job could still finish): granted without the banker's check"
            )),
        }
    }
}

/// One process: its jobs take the first half of its claim, then the rest, then give all back.
struct Job<'a> {
    trial: &'a BankerTrial,
    index: usize,
}

impl Worker for Job<'_> {
    fn run(&mut self, n: u64) -> u64 {
        let trial = self.trial;
        let claim = &trial.maximum[self.index];
        let first: Vec<u64> = claim.iter().map(|c| c.div_ceil(2)).collect();
        let rest: Vec<u64> = claim.iter().zip(&first).map(|(c, f)| c - f).collect();
        for _ in 0..n {
            trial.grant(self.index, &first);
            trial.grant(self.index, &rest);
            trial.release(self.index, claim);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_trial;

    #[test]
    fn the_banker_never_grants_into_an_unsafe_state() {
        for threads in [1, 3, 6] {
            let check = run_trial(
                &BankerWorkload::standard(),
                "banker",
                threads,
                5,
                &[("hold_ns", "200")],
                |_, w| w.run(2_000),
            );
            assert!(matches!(check, Check::Held(_)), "t{threads}: {check:?}");
        }
    }

    #[test]
    fn unsafe_grants_are_counted() {
        let setup = BankerSetup {
            total: vec![2],
            maximum: vec![vec![2], vec![2]],
            hold: BusyWork::from_nanos(0),
        };
        let manager = GrantIfAvailable::new(setup.total.clone(), setup.maximum.clone());
        let trial = BankerTrial::new(Box::new(manager), &setup);
        trial.grant(0, &[1]);
        trial.grant(1, &[1]);
        assert!(matches!(trial.check(0), Check::Violated(m) if m.starts_with("1 of 2 grants")));
        let report = trial.diagnose_stall().unwrap();
        assert!(
            report.contains("(state now unsafe); available [0]; P0 holds [1] of its claim [2]"),
            "{report}"
        );
    }
}
