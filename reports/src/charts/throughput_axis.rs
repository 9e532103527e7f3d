//! The throughput (y) axis of the scaling charts: linear from 0, or logarithmic for wide spreads.

use super::canvas::{log_ticks, KeyedAxis, ValueAxis};

/// The throughput axis: linear from 0, or logarithmic when the values span more than
/// [`LOG_SPREAD`] times (a fast demonstration or a sharded counter would otherwise flatten every
/// other line against the bottom).
pub(super) struct ThroughputAxis {
    /// `Some((low, high))` in log10 units when logarithmic.
    pub(super) log: Option<(f64, f64)>,
    pub(super) bold: Vec<f64>,
    pub(super) light: Vec<f64>,
    pub(super) linear: ValueAxis,
}

/// Largest ratio of the highest to the lowest throughput that a linear axis still shows well.
pub(super) const LOG_SPREAD: f64 = 30.0;

impl ThroughputAxis {
    pub(super) fn new(values: impl Iterator<Item = f64>) -> Self {
        let values: Vec<f64> = values.filter(|v| v.is_finite() && *v > 0.0).collect();
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(0.0, f64::max);
        let linear = ValueAxis::new(high, 10);
        if values.is_empty() || high / low <= LOG_SPREAD {
            return Self { log: None, bold: Vec::new(), light: Vec::new(), linear };
        }
        let (low, high) = (low.log10(), high.log10());
        let pad = (high - low) * 0.05;
        let (low, high) = (low - pad, high + pad);
        let (bold, light) = log_ticks(low, high);
        Self { log: Some((low, high)), bold, light, linear }
    }

    /// Bottom and top of the axis, in axis coordinates.
    pub(super) fn range(&self) -> (f64, f64) {
        self.log.unwrap_or((0.0, self.linear.top))
    }

    /// Whether `value` can be placed on the axis (a log axis has no place for 0).
    pub(super) fn shows(&self, value: f64) -> bool {
        value.is_finite() && (self.log.is_none() || value > 0.0)
    }

    /// The axis coordinate of a throughput (M ops/s); on a log axis, values at or below 0 sit on
    /// the bottom edge.
    pub(super) fn coordinate(&self, value: f64) -> f64 {
        match self.log {
            Some((low, _)) if value > 0.0 => value.log10().max(low),
            Some((low, _)) => low,
            None => value,
        }
    }

    pub(super) fn axis(&self) -> KeyedAxis {
        match self.log {
            Some((low, high)) => KeyedAxis::new(low..high, self.bold.clone(), self.light.clone()),
            None => self.linear.axis(),
        }
    }

    pub(super) fn label(&self, coordinate: f64) -> String {
        match self.log {
            Some(_) => significant(10f64.powf(coordinate)),
            None => self.linear.label(coordinate),
        }
    }

    pub(super) fn description(&self) -> &'static str {
        match self.log {
            Some(_) => "throughput (M ops/s, log scale)",
            None => "throughput (M ops/s)",
        }
    }
}

/// A tick value of a log axis with at most three significant digits and no trailing zeros:
/// "2000", "50", "0.2", "0.005".
pub(super) fn significant(value: f64) -> String {
    if value <= 0.0 || !value.is_finite() {
        return "0".to_owned();
    }
    let decimals = (2.0 - value.log10().floor()).clamp(0.0, 9.0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}
