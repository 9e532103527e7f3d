//! A tally of results that were not possible, with the first few described.
//!
//! Counted rather than panicking, so a broken map still finishes its run and the report says how
//! often it failed; formatting happens only when something is wrong.

/// Described examples kept per tally.
const EXAMPLES: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct Violations {
    count: u64,
    examples: Vec<String>,
}

impl Violations {
    /// Counts one violation; `describe` says what happened (called only for the first few).
    #[cold]
    #[inline(never)]
    pub fn note(&mut self, describe: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(describe());
        }
    }

    /// Adds `other`'s count and as many of its examples as there is room for.
    pub fn merge(&mut self, other: &Violations) {
        self.count += other.count;
        let room = EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.iter().take(room).cloned());
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// `N impossible results, e.g. A; B; C`.
    pub fn summary(&self) -> String {
        format!("{} impossible results, e.g. {}", self.count, self.examples.join("; "))
    }
}
