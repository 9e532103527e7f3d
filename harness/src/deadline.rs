//! The last resort against a hang. The watchdog and the bounded phases (see `runner::phase`, and
//! `runner::prepare` for a workload's `prepare`) end a stuck trial with a finding and let the run
//! go on; what they cannot reach is a call that never returns on the coordinating thread itself —
//! anything a point does that no bound covers (and, under `stress`, a stuck `prepare`). A [`Deadline`] armed around each repeat of a
//! point watches the clock from a thread of its own; if the repeat is not over in time, it prints
//! one line naming the point and the step it was in, and ends the process with exit code 1. Every
//! row finished before it is already in `summary.csv` (rows are written as they finish).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::runner::{Settings, Stop};

/// A stuck point is a finding.
const EXIT_STUCK: i32 = 1;
/// Watchdog periods a repeat may take beyond its timed phases: preparation, and the bounded stop,
/// check and drop (at most one period each), with room to spare.
const SPARE_PERIODS: u32 = 20;

/// Armed on creation, disarmed on drop; see the module docs.
pub struct Deadline {
    /// Dropped to tell the watcher the repeat is over.
    done: Option<mpsc::Sender<()>>,
    step: Arc<Mutex<&'static str>>,
    watcher: Option<JoinHandle<()>>,
}

impl Deadline {
    /// Ends the process unless dropped within `limit`; `what` names the point (for the message).
    pub fn arm(what: String, limit: Duration) -> Self {
        let (done, finished) = mpsc::channel::<()>();
        let step = Arc::new(Mutex::new("preparing the trial"));
        let watched = step.clone();
        let watcher = std::thread::Builder::new()
            .name("syncbench-deadline".to_owned())
            .spawn(move || {
                if let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(limit) {
                    let step = *watched.lock().unwrap_or_else(|poison| poison.into_inner());
                    let limit = humantime::format_duration(limit);
                    eprintln!(
                        "syncbench: stuck: {what} did not finish within {limit} (while {step}); \
                         giving up: the rows finished before it are in summary.csv"
                    );
                    std::process::exit(EXIT_STUCK);
                }
            })
            .expect("a thread for the point's deadline");
        Self { done: Some(done), step, watcher: Some(watcher) }
    }

    /// Says which step of the repeat runs now, for the message.
    pub fn step(&self, step: &'static str) {
        *self.step.lock().unwrap_or_else(|poison| poison.into_inner()) = step;
    }

    /// How long a repeat under `settings` may take at most: a time-bounded repeat, its warm-up
    /// and measured time four times over plus [`SPARE_PERIODS`] watchdog periods; a count-bounded
    /// one (`--ops`), whose length nothing bounds in advance, an hour (the watchdog still ends
    /// its measured phase if progress stops).
    pub fn limit_for(settings: &Settings) -> Duration {
        let spare = settings.watchdog * SPARE_PERIODS;
        match settings.timing.stop {
            Stop::After(measured) => (settings.timing.warmup + measured) * 4 + spare,
            Stop::OpsPerThread(_) => Duration::from_secs(3600).max(spare),
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
    }
}
