//! What an implementation claims beyond its trait's contract, declared in its [`ImplInfo`] so
//! that the workloads able to see a claim check it under load.
//!
//! [`ImplInfo`]: crate::workload::ImplInfo

use std::fmt;

/// One property an implementation says it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Claim {
    /// An RW lock whose waiting writer stops new readers: once a writer waits, no reader enters
    /// twice before some writer has entered. Checked by `starvation`.
    WriterPreferring,
    /// A cache that evicts the least recently used entry of the whole cache (not of a shard).
    /// Checked by `lru`, with a probe against a model after the run.
    ExactLru,
    /// A mutex that admits threads in the order they asked: a thread that asked after another,
    /// once both wait, never enters first. Checked by `counter` and `starvation`.
    FifoFair,
}

impl Claim {
    /// The kebab-case name `syncbench list` shows.
    pub fn label(self) -> &'static str {
        match self {
            Claim::WriterPreferring => "writer-preferring",
            Claim::ExactLru => "exact-lru",
            Claim::FifoFair => "fifo-fair",
        }
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
