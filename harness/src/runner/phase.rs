//! The parts of a trial's life, and the bound on those that run outside the watchdog's sight.
//!
//! The workload's `prepare` runs before any worker exists (see `runner::prepare`). The watchdog
//! sees the warm-up, the measured phase and the workers' `finish` through the
//! progress the threads publish. The trial's `stop`, its `check` (which for executor workloads
//! shuts the executor down) and its drop run on the coordinating thread, where a stuck call would
//! hang the run for good: each runs instead on a thread of its own, waited for at most a limit,
//! and abandoned with a finding that names the phase if it has not returned by then.

use std::fmt;
use std::sync::mpsc;
use std::time::Duration;

/// A part of a trial's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The workload's `prepare`: building the trial (a user's constructor).
    Prepare,
    WarmUp,
    Measure,
    /// After the stop flag: workers leave their loop and run `Worker::finish`.
    Finish,
    /// `Trial::stop`, which wakes workers blocked where the stop flag cannot reach them.
    Stop,
    /// `Trial::check`, and any shutdown it performs.
    Check,
    /// Dropping the trial and everything it owns.
    Drop,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Prepare => "preparing the trial (the workload's prepare)",
            Phase::WarmUp => "the warm-up",
            Phase::Measure => "the measured phase",
            Phase::Finish => "finish (after the stop flag)",
            Phase::Stop => "the trial's stop",
            Phase::Check => "the invariant check (and any shutdown it does)",
            Phase::Drop => "the trial's drop",
        })
    }
}

/// A bounded call that did not return in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    pub phase: Phase,
    pub waited: Duration,
}

impl Stuck {
    /// One line for the invariant column (after `violated: `).
    pub fn describe(&self, waits: Option<String>) -> String {
        let waited =
            humantime::format_duration(Duration::from_millis(self.waited.as_millis() as u64));
        let head = format!(
            "stuck: {} did not return within {waited}; the thread was abandoned",
            self.phase
        );
        match waits {
            Some(waits) => format!("{head}; {waits}"),
            None => head,
        }
    }
}

/// Runs `call` on a thread of its own and waits at most `limit` for it. A panic in `call` is
/// resumed here; a call still running at the limit is abandoned (its thread keeps what it holds
/// until the process exits) and reported as [`Stuck`].
pub fn bounded<T: Send + 'static>(
    phase: Phase,
    limit: Duration,
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Stuck> {
    let (done, result) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(format!("syncbench-{phase:?}").to_lowercase())
        .spawn(move || {
            let _ = done.send(call());
        })
        .expect("a thread for a bounded phase");
    match result.recv_timeout(limit) {
        Ok(value) => Ok(value),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the call returned without sending its result"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Stuck { phase, waited: limit }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_that_returns_gives_its_value() {
        assert_eq!(bounded(Phase::Check, Duration::from_secs(5), || 7), Ok(7));
    }

    #[test]
    fn a_call_that_never_returns_is_reported_with_its_phase() {
        let stuck = bounded(Phase::Drop, Duration::from_millis(50), || loop {
            std::thread::park();
        })
        .unwrap_err();
        assert_eq!(stuck.phase, Phase::Drop);
        assert!(stuck
            .describe(None)
            .starts_with("stuck: the trial's drop did not return within 50ms"));
    }

    #[test]
    #[should_panic(expected = "the check's own panic")]
    fn a_panic_in_the_call_is_resumed() {
        let _ = bounded(Phase::Check, Duration::from_secs(5), || panic!("the check's own panic"));
    }
}
