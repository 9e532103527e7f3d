//! The classic hazards, each as a workload with its naive form (an [`ImplKind::Demonstration`]
//! that the runner's watchdog or the invariant catches) beside its fixes.
//!
//! | workload | naive form | fixes |
//! |---|---|---|
//! | [`bank`] | transfers lock payer then payee (deadlock); unlocked read-modify-write (lost updates) | global lock order; try-lock with timeout and random back-off |
//! | [`philosophers`] | everyone takes the left fork first (deadlock) | asymmetric order; a semaphore seating n − 1 |
//! | [`livelock`] | polite workers stepping back in lockstep (livelock) | random back-off |
//! | [`banker`] | grant whatever is free (unsafe states, deadlock) | the banker's algorithm |
//! | [`starvation`] | unfair locks and a reader-preferring RW lock (starvation, as max wait and fairness) | FIFO ticket lock; writer-preferring RW lock |
//!
//! Workloads that can block for good keep a [`wait_for::WaitForGraph`] and answer
//! [`Trial::diagnose_stall`](crate::Trial::diagnose_stall), so a deadlock is reported with who
//! waits for what, and the cycle.
//!
//! [`ImplKind::Demonstration`]: crate::ImplKind::Demonstration

pub mod audit_tally;
pub mod bank;
pub mod banker;
pub mod dining_table;
pub mod livelock;
pub mod meal_tally;
pub mod philosophers;
pub mod starvation;
pub mod starvation_lock;
pub mod step_back;
pub mod user_bank;
pub mod variants;
pub mod wait_for;
pub mod writer_preference;

pub use bank::BankWorkload;
pub use banker::BankerWorkload;
pub use livelock::LivelockWorkload;
pub use philosophers::PhilosophersWorkload;
pub use starvation::StarvationWorkload;
