//! A user's dining table for `philosophers`: the protocol by which philosopher `p` takes forks
//! `p` and `p + 1` (mod n), plugged in with [`PhilosophersWorkload::with`].
//!
//! The workload keeps its own count of who holds each fork, inside the meal it hands the table, so
//! a table that lets two neighbours eat at once is caught by the same invariant as the built-in
//! manners, and one that deadlocks or livelocks by the watchdog.
//!
//! [`PhilosophersWorkload::with`]: super::philosophers::PhilosophersWorkload::with

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crossbeam_utils::CachePadded;

use crate::busy_work::BusyWork;
use crate::workload::{Check, Trial, Worker};

/// How philosophers take their forks: implement it to plug a protocol into `philosophers`.
pub trait DiningTable: Send + Sync {
    /// A table for `philosophers` philosophers, with a fork between each pair (two forks for one
    /// philosopher).
    fn new(philosophers: usize) -> Self
    where
        Self: Sized;

    /// Philosopher `philosopher` takes forks `philosopher` and `philosopher + 1` (mod the number
    /// of forks), calls `eat` once while holding both, and puts them down.
    fn dine(&self, philosopher: usize, eat: &mut dyn FnMut());
}

/// What a user table's trial needs from the workload's parameters.
#[derive(Debug, Clone, Copy)]
pub struct DiningSetup {
    pub philosophers: usize,
    pub eat: BusyWork,
    pub think: BusyWork,
}

/// A trial of a user's table.
pub struct UserDining<T> {
    table: T,
    setup: DiningSetup,
    /// Philosophers eating with each fork right now, counted inside the meal.
    holders: Vec<CachePadded<AtomicUsize>>,
    meals: Vec<AtomicU64>,
    /// Meals during which a fork was already someone else's: must stay 0.
    shared_forks: AtomicU64,
}

impl<T: DiningTable> UserDining<T> {
    pub fn new(setup: &DiningSetup) -> Self {
        let forks = setup.philosophers.max(2);
        Self {
            table: T::new(setup.philosophers),
            setup: *setup,
            holders: (0..forks).map(|_| CachePadded::new(AtomicUsize::new(0))).collect(),
            meals: (0..setup.philosophers).map(|_| AtomicU64::new(0)).collect(),
            shared_forks: AtomicU64::new(0),
        }
    }

    /// The meal handed to the table: both forks marked held, the eating, both released.
    fn eat(&self, philosopher: usize) {
        let forks = [philosopher, (philosopher + 1) % self.holders.len()];
        let shared = forks
            .iter()
            .filter(|&&fork| self.holders[fork].fetch_add(1, Ordering::SeqCst) > 0)
            .count();
        self.setup.eat.run();
        forks.iter().for_each(|&fork| {
            self.holders[fork].fetch_sub(1, Ordering::SeqCst);
        });
        if shared > 0 {
            self.shared_forks.fetch_add(shared as u64, Ordering::Relaxed);
        }
    }
}

impl<T: DiningTable> Trial for UserDining<T> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(UserPhilosopher { dining: self, index, meals: 0 })
    }

    fn check(&self, _ops: u64) -> Check {
        let meals: Vec<String> =
            self.meals.iter().map(|m| m.load(Ordering::Relaxed).to_string()).collect();
        let meals = meals.join(", ");
        match self.shared_forks.load(Ordering::Relaxed) {
            0 => Check::Held(format!("no fork shared; meals per philosopher: {meals}")),
            shared => Check::Violated(format!(
                "{shared} times a philosopher ate with a fork a neighbour held; meals: {meals}"
            )),
        }
    }
}

struct UserPhilosopher<'a, T> {
    dining: &'a UserDining<T>,
    index: usize,
    meals: u64,
}

impl<T: DiningTable> Worker for UserPhilosopher<'_, T> {
    fn run(&mut self, n: u64) -> u64 {
        let (dining, index) = (self.dining, self.index);
        for _ in 0..n {
            dining.table.dine(index, &mut || dining.eat(index));
            self.meals += 1;
            dining.setup.think.run();
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.dining.meals[self.index].store(self.meals, Ordering::Relaxed);
        0
    }
}
