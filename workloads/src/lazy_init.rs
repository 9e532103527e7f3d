//! `lazy-init`: threads race to initialise a row of lazily initialised cells, then keep reading them.
//!
//! Every thread walks the same `cells` cells in the same order, round and round, calling `get` on
//! each. On the first round the threads pile up on each cell as it is initialised (the
//! initialiser takes about [`INIT_NS`]); afterwards every `get` is the fast path that
//! double-checked locking exists for. The initialiser returns a ticket from a process-wide
//! counter, so each run knows how many times it ran and what every thread must have seen.
//!
//! Invariant, checked on every run: the initialiser ran exactly once per cell, and every thread
//! saw the same value in each cell, every time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock};

use primitives::adapters::caches::OnceLockLazy;
use primitives::cache::LazyInit;
use primitives::DoubleCheckedLazy;

use crate::busy_work::BusyWork;
use crate::catalog::Catalog;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// How long the initialiser works before returning its ticket.
pub const INIT_NS: u64 = 1_000;

/// Initialiser runs in this process. Trials take its difference across their run, so only one
/// lazy-init trial may run at a time in a process (the runner runs one trial at a time).
static INIT_RUNS: AtomicU64 = AtomicU64::new(0);

/// The initialiser: some work, then a ticket no other run of it returns.
fn init_ticket() -> u64 {
    static WORK: OnceLock<BusyWork> = OnceLock::new();
    WORK.get_or_init(|| BusyWork::from_nanos(INIT_NS)).run();
    INIT_RUNS.fetch_add(1, Ordering::SeqCst) + 1
}

const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "cells",
    kind: ParamKind::Count(Range::new(1, 1 << 24).drawn_to(1 << 16)),
    default: "1024",
    help: "lazily initialised cells, walked round and round by every thread",
}];

/// The lazy-init workload over any set of [`LazyInit`] implementations.
pub struct LazyInitWorkload {
    catalog: Catalog<usize>,
}

impl LazyInitWorkload {
    /// A workload with no implementations yet; add them with [`LazyInitWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every lazy cell this project ships: hand-rolled and library.
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        Self::empty()
            .with::<DoubleCheckedLazy<u64>>(
                "double-checked",
                HandRolled,
                "double-checked locking: Acquire flag on the fast path, mutex on the slow path",
            )
            .with::<OnceLockLazy<u64>>("std-once-lock", Library, "std::sync::OnceLock")
            .with::<LazyLock<u64, fn() -> u64>>("std-lazy-lock", Library, "std::sync::LazyLock")
    }

    /// Adds the lazy cell type `L` under `name`.
    pub fn with<L: LazyInit<u64> + 'static>(
        mut self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        self.catalog.add(name, kind, about, |&cells: &usize| {
            Box::new(LazyInitTrial {
                cells: (0..cells).map(|_| L::new(init_ticket)).collect::<Vec<L>>(),
                runs_before: INIT_RUNS.load(Ordering::SeqCst),
                cells_reached: AtomicU64::new(0),
                seen: Mutex::new(vec![0; cells]),
                disagreements: AtomicU64::new(0),
            })
        });
        self
    }
}

impl Workload for LazyInitWorkload {
    fn name(&self) -> &str {
        "lazy-init"
    }

    fn about(&self) -> &str {
        "threads race to initialise lazy cells, then read them"
    }

    fn invariant(&self) -> &str {
        "the initialiser runs exactly once per cell; every thread sees the same value"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        self.catalog.make(implementation, &(setup.params.number("cells") as usize))
    }
}

struct LazyInitTrial<L> {
    cells: Vec<L>,
    /// [`INIT_RUNS`] when the trial was prepared.
    runs_before: u64,
    /// How many cells, from the first, some thread has read.
    cells_reached: AtomicU64,
    /// The value each cell held, as the first worker to finish saw it (0: not seen).
    seen: Mutex<Vec<u64>>,
    disagreements: AtomicU64,
}

impl<L: LazyInit<u64>> Trial for LazyInitTrial<L> {
    fn worker(&self, _index: usize) -> Box<dyn Worker + '_> {
        Box::new(LazyInitWorker {
            trial: self,
            next: 0,
            reached: 0,
            seen: vec![0; self.cells.len()],
            disagreements: 0,
        })
    }

    fn check(&self, _ops: u64) -> Check {
        let runs = INIT_RUNS.load(Ordering::SeqCst) - self.runs_before;
        let cells = self.cells_reached.load(Ordering::Relaxed);
        let disagreements = self.disagreements.load(Ordering::Relaxed);
        if runs != cells || disagreements > 0 {
            Check::Violated(format!(
                "initialiser ran {runs} times for {cells} cells; {disagreements} reads disagreed"
            ))
        } else {
            Check::Held(format!("initialiser ran once for each of {cells} cells; all reads agreed"))
        }
    }
}

struct LazyInitWorker<'a, L> {
    trial: &'a LazyInitTrial<L>,
    next: usize,
    /// Cells read at least once, from the first.
    reached: usize,
    /// The value this thread saw in each cell (0: not yet read).
    seen: Vec<u64>,
    disagreements: u64,
}

impl<L: LazyInit<u64>> Worker for LazyInitWorker<'_, L> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        // The walk's state in locals, and the wrap a compare: a read of an initialised cell costs
        // about a nanosecond, so a division per step or fields stored back on every step would
        // cost the check several times the operation it checks.
        let (cells, seen) = (&self.trial.cells, &mut self.seen[..]);
        let (mut next, mut disagreements) = (self.next, 0);
        for _ in 0..n {
            let value = *cells[next].get();
            let seen = &mut seen[next];
            if *seen == 0 {
                *seen = value;
                self.reached = self.reached.max(next + 1);
            } else {
                disagreements += u64::from(*seen != value);
            }
            next += 1;
            if next == cells.len() {
                next = 0;
            }
        }
        self.next = next;
        self.disagreements += disagreements;
        n
    }

    fn finish(&mut self) -> u64 {
        let trial = self.trial;
        trial.cells_reached.fetch_max(self.reached as u64, Ordering::Relaxed);
        let mut agreed = trial.seen.lock().expect("a worker panicked");
        for (agreed, &mine) in agreed.iter_mut().zip(&self.seen) {
            if *agreed == 0 {
                *agreed = mine;
            } else if mine != 0 && mine != *agreed {
                self.disagreements += 1;
            }
        }
        trial.disagreements.fetch_add(self.disagreements, Ordering::Relaxed);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_trial;

    impl LazyInit<u64> for OnceLockCell {
        fn new(init: fn() -> u64) -> Self {
            Self(OnceLock::new(), init)
        }
        fn get(&self) -> &u64 {
            self.0.get_or_init(self.1)
        }
    }
    /// A correct lazy cell on std's `OnceLock`.
    struct OnceLockCell(OnceLock<u64>, fn() -> u64);

    /// Broken on purpose: checks, then runs the initialiser outside any lock, so racing threads
    /// all run it (one value wins, but the initialiser ran more than once).
    struct CheckThenInit(OnceLock<u64>, fn() -> u64);

    impl LazyInit<u64> for CheckThenInit {
        fn new(init: fn() -> u64) -> Self {
            Self(OnceLock::new(), init)
        }
        fn get(&self) -> &u64 {
            if let Some(value) = self.0.get() {
                return value;
            }
            // Widens the window between the check and the publication, so that the race shows
            // even when other tests keep the cores busy.
            std::thread::sleep(std::time::Duration::from_micros(50));
            let value = (self.1)();
            self.0.get_or_init(|| value)
        }
    }

    fn run(name: &str, threads: usize) -> Check {
        let workload = LazyInitWorkload::empty()
            .with::<OnceLockCell>("once-lock", ImplKind::Library, "std")
            .with::<CheckThenInit>("check-then-init", ImplKind::Demonstration, "races");
        run_trial(&workload, name, threads, 0, &[("cells", "64")], |_, worker| worker.run(200))
    }

    /// One test, so no two lazy-init trials share the process-wide counter at once.
    #[test]
    fn a_correct_cell_holds_and_a_racy_one_is_caught() {
        for threads in [1, 4] {
            let check = run("once-lock", threads);
            assert_eq!(
                check,
                Check::Held("initialiser ran once for each of 64 cells; all reads agreed".into())
            );
        }
        let caught = (0..20).any(|_| matches!(run("check-then-init", 4), Check::Violated(_)));
        assert!(caught, "the check-then-init cell passed 20 runs");
    }
}
