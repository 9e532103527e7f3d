//! A user's dining table for `philosophers`: the protocol by which philosopher `p` takes forks
//! `p` and `p + 1` (mod n), plugged in with [`PhilosophersWorkload::with`].
//!
//! The workload keeps its own count of who holds each fork, inside the meal it hands the table, so
//! a table that lets two neighbours eat at once is caught by the same invariant as the built-in
//! manners, and one that deadlocks or livelocks by the watchdog.
//!
//! [`PhilosophersWorkload::with`]: super::philosophers::PhilosophersWorkload::with

use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_utils::CachePadded;

use super::meal_tally::MealTally;
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
    tally: MealTally,
}

impl<T: DiningTable> UserDining<T> {
    pub fn new(setup: &DiningSetup) -> Self {
        let forks = setup.philosophers.max(2);
        Self {
            table: T::new(setup.philosophers),
            setup: *setup,
            holders: (0..forks).map(|_| CachePadded::new(AtomicUsize::new(0))).collect(),
            tally: MealTally::new(setup.philosophers),
        }
    }

    /// The meal handed to the table: both forks marked held, the eating, both released.
    fn eat(&self, philosopher: usize) {
        let forks = [philosopher, (philosopher + 1) % self.holders.len()];
        let shared = forks
            .iter()
            .filter(|&&fork| self.holders[fork].fetch_add(1, Ordering::SeqCst) > 0)
            .count() as u64;
        self.setup.eat.run();
        forks.iter().for_each(|&fork| {
            self.holders[fork].fetch_sub(1, Ordering::SeqCst);
        });
        self.tally.shared(shared);
    }
}

impl<T: DiningTable> Trial for UserDining<T> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(UserPhilosopher { dining: self, index, meals: 0 })
    }

    fn check(&self, _ops: u64) -> Check {
        self.tally.check()
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
        self.dining.tally.finished(self.index, self.meals);
        0
    }
}
