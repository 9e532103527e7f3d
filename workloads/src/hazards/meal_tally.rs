//! What every `philosophers` trial counts and checks, built-in manners and user tables alike:
//! meals per philosopher, and meals eaten with a fork someone else held.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::workload::Check;

pub struct MealTally {
    /// Meals of each philosopher, published when it finishes.
    meals: Vec<AtomicU64>,
    /// Times a philosopher ate with a fork someone else held: must stay 0.
    shared_forks: AtomicU64,
}

impl MealTally {
    pub fn new(philosophers: usize) -> Self {
        Self {
            meals: (0..philosophers).map(|_| AtomicU64::new(0)).collect(),
            shared_forks: AtomicU64::new(0),
        }
    }

    /// Philosopher `p` has finished, after `meals` meals.
    pub fn finished(&self, p: usize, meals: u64) {
        self.meals[p].store(meals, Ordering::Relaxed);
    }

    /// A meal found `shared` of its forks already held.
    pub fn shared(&self, shared: u64) {
        if shared > 0 {
            self.shared_forks.fetch_add(shared, Ordering::Relaxed);
        }
    }

    /// Held when no fork was ever shared; the meals per philosopher either way.
    pub fn check(&self) -> Check {
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
