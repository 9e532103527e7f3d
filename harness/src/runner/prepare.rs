//! A workload's `prepare`, bounded like the trial's other phases outside the watchdog's sight: a
//! user's constructor that never returns ends its point with a finding, not the run.
//!
//! `prepare` runs on a thread of its own, with its own copy of what it reads (the workload is
//! shared, the parameters cloned), so a call still running at the limit can be abandoned: its
//! thread keeps what it holds until the process exits, and the run goes on to the next point.

use std::sync::Arc;
use std::time::Duration;

use workloads::metrics::latency_histogram;
use workloads::{Check, Metrics, Params, Trial, TrialSetup, Workload};

use super::phase::{bounded, Phase};
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
    /// The trial, or — if `prepare` has not returned within `limit` — the measurement of a point
    /// that never started: no operations, and a stuck finding naming the phase.
    pub fn run(self, limit: Duration, settings: &Settings) -> Result<Box<dyn Trial>, Measurement> {
        let prepare = move || {
            let Preparation { workload, implementation, threads, seed, params } = self;
            let setup = TrialSetup { threads, seed, params: &params };
            workload.prepare(&implementation, &setup).expect("validated impl")
        };
        bounded(Phase::Prepare, limit, prepare).map_err(|stuck| Measurement {
            ops_per_thread: Vec::new(),
            main_threads: 1,
            elapsed: Duration::ZERO,
            latency: latency_histogram(),
            tally: TimingTally::default(),
            method: settings.latency,
            metrics: Metrics::default(),
            check: Check::Violated(stuck.describe(None)),
            stall: Some(StallKind::Stuck),
        })
    }
}
