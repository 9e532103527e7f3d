//! The model of lazy initialisation: every thread sees one initialiser run's value, complete.

use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::Relaxed};

use super::check::{check, check_bounded};
use crate::cache::LazyInit;
use crate::sync::{thread, Arc, UnsafeCell};

/// The value a modelled lazy cell holds: the number of the initialiser run that made it, in a
/// cell the checker tracks, so a thread that could read it without happening after its
/// construction fails the model.
pub struct Published(UnsafeCell<usize>);

// SAFETY: the cell is written only when created, before the value is shared; every later access
// is a read, and loom checks that each read happens after the creation.
unsafe impl Sync for Published {}

impl Published {
    /// The number of the initialiser run that built this value.
    pub fn run(&self) -> usize {
        // SAFETY: only reads follow the creation (see the `Sync` impl); loom checks the ordering.
        self.0.with(|value| unsafe { *value })
    }
}

impl Clone for Published {
    fn clone(&self) -> Self {
        Self(UnsafeCell::new(self.run()))
    }
}

/// A fresh number per initialiser run, process-wide (a real atomic: the checkers run one thread at
/// a time, and tests on other OS threads draw numbers of their own).
fn initialise() -> Published {
    static RUNS: StdAtomicUsize = StdAtomicUsize::new(0);
    Published(UnsafeCell::new(RUNS.fetch_add(1, Relaxed)))
}

/// Two threads, then three (within one preemption), race to get the value: all see the value of
/// one initialiser run. A second run whose value reaches any thread (a missing second check under
/// the lock), or a value read before its construction is visible (a `Relaxed` ready flag), fails.
pub fn lazy_init<L: LazyInit<Published> + 'static>() {
    check(|| race::<L>(2));
    check_bounded(1, || race::<L>(3));
}

fn race<L: LazyInit<Published> + 'static>(threads: usize) {
    let lazy = Arc::new(L::new(initialise));
    let others: Vec<_> = (1..threads)
        .map(|_| {
            let lazy = lazy.clone();
            thread::spawn(move || lazy.get().run())
        })
        .collect();
    let mine = lazy.get().run();
    for other in others {
        let theirs = other.join().unwrap();
        assert_eq!(theirs, mine, "threads saw the values of two initialiser runs");
    }
    assert_eq!(lazy.get().run(), mine, "the value changed after it was published");
}
