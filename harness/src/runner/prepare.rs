//! A workload's `prepare`, bounded like the trial's other phases outside the watchdog's sight: a
//! user's constructor that never returns ends its point with a finding, not the run.
//!
//! `prepare` runs on a thread of its own, with its own copy of what it reads (the workload is
//! shared, the parameters cloned), so a call still running at the limit can be abandoned: its
//! thread keeps what it holds until the process exits, and the run goes on to the next point.
//! (`stress` still prepares on its coordinating thread, under the last-resort deadline.)

use std::sync::Arc;
use std::time::Duration;

use workloads::metrics::latency_histogram;
use workloads::{Check, Metrics, Params, Trial, TrialSetup, Workload};

use super::phase::{bounded, Phase, Stuck};
use super::{Measurement, Settings, TimingTally};
use crate::watchdog::StallKind;

/// What one trial of a point is prepared from, owned so the preparing thread can keep it.
pub struct Preparation {
    pub workload: Arc<dyn Workload>,
    pub implementation: String,
    pub threads: usize,
    pub seed: u64,
    pub params: Params,
}

impl Preparation {
    /// The trial, or [`Stuck`] if `prepare` has not returned within `limit` (its thread is then
    /// abandoned).
    pub fn run(self, limit: Duration) -> Result<Box<dyn Trial>, Stuck> {
        bounded(Phase::Prepare, limit, move || {
            let Preparation { workload, implementation, threads, seed, params } = self;
            let setup = TrialSetup { threads, seed, params: &params };
            workload.prepare(&implementation, &setup).expect("validated impl")
        })
    }
}

/// The measurement of a point whose `prepare` was stuck: no operations, and a stuck finding
/// naming the phase.
pub fn unprepared(stuck: &Stuck, settings: &Settings) -> Measurement {
    Measurement {
        ops_per_thread: Vec::new(),
        main_threads: 1,
        elapsed: Duration::ZERO,
        latency: latency_histogram(),
        tally: TimingTally::default(),
        method: settings.latency,
        metrics: Metrics::default(),
        check: Check::Violated(stuck.describe(None)),
        stall: Some(StallKind::Stuck),
    }
}
