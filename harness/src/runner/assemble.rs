//! Turns the threads' reports into one [`Measurement`]: after a normal end, or after a stall.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use workloads::metrics::latency_histogram;
use workloads::{Check, Metrics, Role};

use super::coordinator::Halt;
use super::op_timer::TimingTally;
use super::worker_thread::ThreadReport;
use super::{Measurement, Settings, Shared, Stop, STALL_EXIT_GRACE};

/// Sums what the threads that returned recorded.
#[derive(Default)]
struct Totals {
    latency: Option<hdrhistogram::Histogram<u64>>,
    metrics: Metrics,
    tally: TimingTally,
    ops_per_thread: Vec<u64>,
    main_threads: usize,
}

impl Totals {
    fn add(&mut self, report: &ThreadReport) {
        self.latency
            .get_or_insert_with(latency_histogram)
            .add(&report.latency)
            .expect("histograms share their bounds");
        self.metrics.merge(&report.metrics);
        if report.role == Role::Main {
            self.ops_per_thread.push(report.ops);
            self.tally.add(&report.tally);
            self.main_threads += 1;
        }
    }

    fn into_measurement(
        self,
        elapsed: Duration,
        settings: &Settings,
        check: Check,
        stall: Option<crate::watchdog::StallKind>,
    ) -> Measurement {
        Measurement {
            ops_per_thread: self.ops_per_thread,
            main_threads: self.main_threads.max(1),
            elapsed,
            latency: self.latency.unwrap_or_else(latency_histogram),
            tally: self.tally,
            method: settings.latency,
            metrics: self.metrics,
            check,
            stall,
        }
    }
}

/// The measurement of a run whose workers all returned.
pub(super) fn assemble(reports: &[ThreadReport], settings: &Settings, check: Check) -> Measurement {
    let main: Vec<&ThreadReport> = reports.iter().filter(|r| r.role == Role::Main).collect();
    let elapsed = match settings.timing.stop {
        Stop::After(_) => overlap(reports),
        Stop::OpsPerThread(_) => span(&main),
    };
    let mut totals = Totals::default();
    reports.iter().for_each(|report| totals.add(report));
    totals.into_measurement(elapsed, settings, check, None)
}

/// The measurement of a stalled run: the threads that returned after the stop flag give their
/// figures, the stuck ones what they published; the time is the measured phase up to the stall.
pub(super) fn stalled(
    shared: &Shared,
    handles: Vec<JoinHandle<ThreadReport>>,
    halt: &Halt,
    measure_start: Option<Instant>,
    settings: &Settings,
    check: Check,
) -> Measurement {
    // Threads that were only waiting for the stop flag leave within a cycle.
    std::thread::sleep(STALL_EXIT_GRACE);
    let mut totals = Totals::default();
    for (index, handle) in handles.into_iter().enumerate() {
        let progress = shared.board.thread(index);
        if handle.is_finished() {
            if let Ok(report) = handle.join() {
                totals.add(&report);
                continue;
            }
        }
        // Dropping the handle abandons the thread: it stays blocked or spinning until the
        // process exits, keeping the trial alive through its `Arc`.
        if !progress.is_side() {
            totals.ops_per_thread.push(progress.measured_ops());
            totals.main_threads += 1;
        }
    }
    let elapsed =
        measure_start.map_or(Duration::ZERO, |start| halt.since().saturating_duration_since(start));
    totals.into_measurement(elapsed, settings, check, Some(halt.kind()))
}

/// The time every thread was measuring: latest start to earliest finish. If they never all ran
/// at once (a starved thread began only after the straggler grace, when others had finished),
/// the span from the first start to the last finish instead.
fn overlap(reports: &[ThreadReport]) -> Duration {
    let last_start = reports.iter().map(|r| r.started).max().expect("at least one thread");
    let first_finish = reports.iter().map(|r| r.finished).min().expect("at least one thread");
    match first_finish.saturating_duration_since(last_start) {
        Duration::ZERO => span(&reports.iter().collect::<Vec<_>>()),
        overlap => overlap,
    }
}

/// First start to last finish.
fn span(reports: &[&ThreadReport]) -> Duration {
    let first_start = reports.iter().map(|r| r.started).min().expect("at least one thread");
    let last_finish = reports.iter().map(|r| r.finished).max().expect("at least one thread");
    last_finish.saturating_duration_since(first_start)
}
