//! The executor workloads: [`pool`] (throughput and latency of tiny to heavy-tailed tasks),
//! [`balance`] (dispatch strategies on skewed keyed work) and [`sleep`] (sleeping tasks against
//! their analytic wall time).
//!
//! How they fit the runner: `--threads` is the executor's worker count k, not a number of
//! clients. The trial owns one executor built with `with_threads(k)`; runner thread 0 is the one
//! submitter (the main worker, whose op is a task, handed over in batches and waited for), and
//! the other runner threads idle (see [`submitter`]). One submitter measures the pool, not a fight
//! between submitters; and while it waits for its batch it leaves the CPU to the k workers.
//! Which thread ran each task is tallied by [`ledger`], without a shared write per task, so that
//! "every task ran exactly once" is checked on every run.

pub mod balance;
pub mod ledger;
pub mod pool;
pub mod sleep;
pub mod submitter;

pub use balance::BalanceWorkload;
pub use pool::PoolWorkload;
pub use sleep::SleepWorkload;

#[cfg(test)]
mod tests;
