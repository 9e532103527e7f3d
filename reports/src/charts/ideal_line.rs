//! The ideal linear scaling line of a throughput-vs-threads chart.

use super::scaling::ThroughputSeries;
use super::style::Kind;

/// What perfect scaling would give: the best one-thread throughput times the thread count. One
/// line, not one per implementation, so that eight implementations stay readable.
pub(super) struct IdealLine {
    /// The series it extrapolates.
    pub(super) label: String,
    /// M ops/s at one thread.
    pub(super) one_thread: f64,
}

impl IdealLine {
    /// From the fastest series at one thread, demonstrations aside (a racy counter is fast
    /// because it is wrong). `None` without a one-thread point.
    pub(super) fn of(series: &[ThroughputSeries]) -> Option<Self> {
        series
            .iter()
            .filter(|s| s.style.kind != Kind::Demonstration)
            .filter_map(|s| s.points.iter().find(|p| p.x == 1.0).map(|p| (s, p.median)))
            .filter(|(_, median)| median.is_finite() && *median > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, one_thread)| Self { label: s.key.label(), one_thread })
    }

    /// The line's points `(threads, M ops/s)` from one thread to `most`, cut where it leaves the
    /// chart at `top` M ops/s.
    pub(super) fn points(&self, most: f64, top: f64) -> Vec<(f64, f64)> {
        let end = most.min(top / self.one_thread);
        if end <= 1.0 {
            return Vec::new();
        }
        let mut points: Vec<(f64, f64)> = std::iter::successors(Some(1.0), |t| Some(t * 2.0))
            .take_while(|&t| t < end)
            .map(|t| (t, t * self.one_thread))
            .collect();
        points.push((end, end * self.one_thread));
        points
    }
}
