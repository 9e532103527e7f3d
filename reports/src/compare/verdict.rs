//! The verdict on one metric of one point: unchanged, faster, slower, or noise.
//!
//! Significance comes from the Mann–Whitney U test, the size of the change and its uncertainty
//! from the bootstrap interval of the ratio of medians. In order:
//!
//! 1. **noise (too few repeats)**: even complete separation of the two samples could not reach a
//!    p-value below alpha (`2 / C(n1 + n2, n1) ≥ alpha`; at alpha 0.05 that is 3 repeats or fewer
//!    on a side, unless the other side has 5 or more).
//! 2. **noise (no ratio)**: the baseline median is 0, so there is no relative change.
//! 3. **~** (unchanged): p < alpha but the medians differ by no more than the column's
//!    resolution (p99 is a whole number of nanoseconds: 9 ns -> 10 ns is +11% but one step of the
//!    scale, so it is not called a change).
//! 4. **faster / slower**: p < alpha, the change of the median is beyond the threshold, and so is
//!    the whole confidence interval of the change. Asking the interval too (not only the median)
//!    keeps false alarms rare when a gate compares many points: on identical synthetic samples
//!    with a 10% spread it flagged 0.6% of 480 points, against 5.6% for the median alone.
//!    When the interval reaches back inside the threshold: **noise (interval too wide)**.
//! 5. Otherwise (not significant, or significant but within the threshold): **~** when the
//!    interval of the change is at most twice the threshold wide — the run could have seen a
//!    change of the threshold's size and did not — else **noise (interval too wide)**: it cannot
//!    tell "unchanged" from such a change. More repeats (or a quieter machine) would decide it.
//!
//! "Faster" and "slower" keep their plain meaning for both metrics: more throughput is faster, a
//! higher p99 latency is slower.

use super::stats::{smallest_p_value, RatioInterval};

/// What is compared at each point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// `throughput_ops_s`: higher is better.
    Throughput,
    /// `p99_ns`: lower is better.
    P99Latency,
}

impl Metric {
    pub const ALL: [Metric; 2] = [Metric::Throughput, Metric::P99Latency];

    pub fn higher_is_better(self) -> bool {
        matches!(self, Metric::Throughput)
    }

    /// The `summary.csv` column the samples come from.
    pub fn column(self) -> &'static str {
        match self {
            Metric::Throughput => "throughput_ops_s",
            Metric::P99Latency => "p99_ns",
        }
    }

    pub fn sample(self, row: &crate::SummaryRow) -> f64 {
        match self {
            Metric::Throughput => row.throughput_ops_s,
            Metric::P99Latency => row.p99_ns,
        }
    }

    /// The smallest step the column can show: `p99_ns` holds whole nanoseconds (HDR histogram
    /// values), so a change of the median by 1 ns or less is below what it resolves.
    pub fn resolution(self) -> f64 {
        match self {
            Metric::Throughput => 0.0,
            Metric::P99Latency => 1.0,
        }
    }

    /// How the tables title the metric.
    pub fn title(self) -> &'static str {
        match self {
            Metric::Throughput => "throughput, ops/s (higher is better)",
            Metric::P99Latency => "p99 latency (lower is better)",
        }
    }

    /// A short name for summaries.
    pub fn short_name(self) -> &'static str {
        match self {
            Metric::Throughput => "throughput",
            Metric::P99Latency => "p99",
        }
    }
}

/// The verdict on one metric of one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointVerdict {
    /// No significant change beyond the threshold ("~").
    Unchanged,
    /// Significantly better beyond the threshold: more throughput, or a lower p99.
    Faster,
    /// Significantly worse beyond the threshold: a regression.
    Slower,
    /// The data cannot decide.
    Noise(NoiseReason),
}

/// Why a point is "noise".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseReason {
    /// Too few repeats for the U test to reach alpha at all.
    TooFewRepeats,
    /// The baseline median is 0: no ratio.
    NoRatio,
    /// The interval of the change cannot place it on one side of the threshold.
    WideInterval,
}

impl PointVerdict {
    /// The verdict as the tables print it.
    pub fn label(self) -> &'static str {
        match self {
            PointVerdict::Unchanged => "~",
            PointVerdict::Faster => "faster",
            PointVerdict::Slower => "slower",
            PointVerdict::Noise(NoiseReason::TooFewRepeats) => "noise (too few repeats)",
            PointVerdict::Noise(NoiseReason::NoRatio) => "noise (baseline is 0)",
            PointVerdict::Noise(NoiseReason::WideInterval) => "noise (interval too wide)",
        }
    }
}

/// What [`decide`] weighs.
#[derive(Debug, Clone, Copy)]
pub struct Evidence {
    pub metric: Metric,
    pub baseline_n: usize,
    pub current_n: usize,
    pub p_value: f64,
    /// `current median / baseline median - 1`; `None` when the baseline median is 0.
    pub change: Option<f64>,
    /// `current median - baseline median`, in the metric's unit.
    pub absolute_change: f64,
    /// The interval of `current median / baseline median`.
    pub interval: Option<RatioInterval>,
}

/// The verdict, by the rules in this module's header. `threshold` is a fraction (0.05 for 5%).
pub fn decide(evidence: &Evidence, threshold: f64, alpha: f64) -> PointVerdict {
    if smallest_p_value(evidence.baseline_n, evidence.current_n) >= alpha {
        return PointVerdict::Noise(NoiseReason::TooFewRepeats);
    }
    let (Some(change), Some(interval)) = (evidence.change, evidence.interval) else {
        return PointVerdict::Noise(NoiseReason::NoRatio);
    };
    let significant = evidence.p_value < alpha;
    if significant && evidence.absolute_change.abs() <= evidence.metric.resolution() {
        return PointVerdict::Unchanged;
    }
    if significant && change.abs() > threshold {
        let interval_beyond = if change > 0.0 {
            interval.low - 1.0 > threshold
        } else {
            interval.high - 1.0 < -threshold
        };
        if !interval_beyond {
            return PointVerdict::Noise(NoiseReason::WideInterval);
        }
        let better = (change > 0.0) == evidence.metric.higher_is_better();
        return if better { PointVerdict::Faster } else { PointVerdict::Slower };
    }
    if interval.high - interval.low > 2.0 * threshold {
        PointVerdict::Noise(NoiseReason::WideInterval)
    } else {
        PointVerdict::Unchanged
    }
}

/// The verdict on paired samples (see [`super::paired`]): the interval of the paired change
/// against the threshold, nothing else. Slower or faster when the whole interval lies beyond the
/// threshold on that side; unchanged when it rules out a regression of the threshold's size
/// (the whole interval on the better side of `-threshold`); noise while it still holds a
/// regression of exactly the threshold — more pairs would decide. `absolute_change` (of the
/// medians) keeps the whole-nanosecond rule of [`decide`].
pub fn decide_paired(
    metric: Metric,
    interval: Option<(f64, f64)>,
    absolute_change: f64,
    threshold: f64,
) -> PointVerdict {
    let Some((low, high)) = interval else {
        return PointVerdict::Noise(NoiseReason::TooFewRepeats);
    };
    // Work in "better" terms: positive is better for both metrics.
    let (worst, best) = if metric.higher_is_better() { (low, high) } else { (-high, -low) };
    if best < -threshold {
        if absolute_change.abs() <= metric.resolution() {
            return PointVerdict::Unchanged;
        }
        return PointVerdict::Slower;
    }
    if worst > threshold {
        return PointVerdict::Faster;
    }
    if worst > -threshold {
        return PointVerdict::Unchanged;
    }
    PointVerdict::Noise(NoiseReason::WideInterval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_verdicts_place_the_interval_against_the_threshold() {
        let decide = |low, high| decide_paired(Metric::Throughput, Some((low, high)), 5.0, T);
        assert_eq!(decide(-0.09, -0.06), PointVerdict::Slower);
        assert_eq!(decide(0.06, 0.09), PointVerdict::Faster);
        assert_eq!(decide(-0.04, 0.02), PointVerdict::Unchanged);
        // A slowdown of 5% is still possible: undecided.
        assert_eq!(decide(-0.07, -0.01), PointVerdict::Noise(NoiseReason::WideInterval));
        assert_eq!(decide(-0.07, 0.01), PointVerdict::Noise(NoiseReason::WideInterval));
        // Latency: higher is worse.
        let latency = |low, high| decide_paired(Metric::P99Latency, Some((low, high)), 5.0, T);
        assert_eq!(latency(0.06, 0.09), PointVerdict::Slower);
        assert_eq!(latency(-0.02, 0.04), PointVerdict::Unchanged);
        assert_eq!(latency(-0.01, 0.07), PointVerdict::Noise(NoiseReason::WideInterval));
        let one_step = decide_paired(Metric::P99Latency, Some((0.08, 0.12)), 1.0, T);
        assert_eq!(one_step, PointVerdict::Unchanged);
        assert_eq!(
            decide_paired(Metric::Throughput, None, 5.0, T),
            PointVerdict::Noise(NoiseReason::TooFewRepeats)
        );
    }

    /// Evidence of a `change` from a baseline median of 100.
    fn evidence(metric: Metric, n: usize, p_value: f64, change: f64, half_width: f64) -> Evidence {
        let ratio = 1.0 + change;
        Evidence {
            metric,
            baseline_n: n,
            current_n: n,
            p_value,
            change: Some(change),
            absolute_change: 100.0 * change,
            interval: Some(RatioInterval { low: ratio - half_width, high: ratio + half_width }),
        }
    }

    const T: f64 = 0.05;
    const A: f64 = 0.05;

    #[test]
    fn significant_changes_beyond_the_threshold_have_a_direction() {
        let slower = evidence(Metric::Throughput, 10, 0.001, -0.2, 0.03);
        assert_eq!(decide(&slower, T, A), PointVerdict::Slower);
        let faster = evidence(Metric::Throughput, 10, 0.001, 0.2, 0.03);
        assert_eq!(decide(&faster, T, A), PointVerdict::Faster);
        // Latency: higher is worse.
        let worse = evidence(Metric::P99Latency, 10, 0.001, 0.2, 0.03);
        assert_eq!(decide(&worse, T, A), PointVerdict::Slower);
        let better = evidence(Metric::P99Latency, 10, 0.001, -0.2, 0.03);
        assert_eq!(decide(&better, T, A), PointVerdict::Faster);
    }

    #[test]
    fn small_or_insignificant_changes_are_unchanged() {
        let small = evidence(Metric::Throughput, 10, 0.001, -0.03, 0.01);
        assert_eq!(decide(&small, T, A), PointVerdict::Unchanged);
        let insignificant = evidence(Metric::Throughput, 10, 0.4, -0.02, 0.04);
        assert_eq!(decide(&insignificant, T, A), PointVerdict::Unchanged);
        // p99 from 9 ns to 10 ns: +11%, significant, but one step of a whole-nanosecond column.
        let one_step = Evidence {
            absolute_change: 1.0,
            ..evidence(Metric::P99Latency, 10, 0.004, 0.11, 0.02)
        };
        assert_eq!(decide(&one_step, T, A), PointVerdict::Unchanged);
        let two_steps = Evidence { absolute_change: 2.0, ..one_step };
        assert_eq!(decide(&two_steps, T, A), PointVerdict::Slower);
    }

    #[test]
    fn noise_when_the_data_cannot_decide() {
        let wide = evidence(Metric::Throughput, 10, 0.3, -0.1, 0.2);
        assert_eq!(decide(&wide, T, A), PointVerdict::Noise(NoiseReason::WideInterval));
        // Significant, median within the threshold, but the interval allows -21%.
        let small_but_unsure = evidence(Metric::Throughput, 10, 0.01, -0.03, 0.18);
        assert_eq!(decide(&small_but_unsure, T, A), PointVerdict::Noise(NoiseReason::WideInterval));
        // Significant, median 10% down, but the interval [-16%, -4%] reaches inside 5%.
        let straddling = evidence(Metric::Throughput, 10, 0.01, -0.1, 0.06);
        assert_eq!(decide(&straddling, T, A), PointVerdict::Noise(NoiseReason::WideInterval));
        let straddling_up = evidence(Metric::P99Latency, 10, 0.01, 0.1, 0.06);
        assert_eq!(decide(&straddling_up, T, A), PointVerdict::Noise(NoiseReason::WideInterval));
        let few = evidence(Metric::Throughput, 3, 0.1, -0.5, 0.01);
        assert_eq!(decide(&few, T, A), PointVerdict::Noise(NoiseReason::TooFewRepeats));
        // 4 against 4 can reach p = 0.029 < 0.05.
        let four = evidence(Metric::Throughput, 4, 0.029, -0.5, 0.01);
        assert_eq!(decide(&four, T, A), PointVerdict::Slower);
        let zero = Evidence { change: None, interval: None, ..few };
        let zero = Evidence { baseline_n: 10, current_n: 10, ..zero };
        assert_eq!(decide(&zero, T, A), PointVerdict::Noise(NoiseReason::NoRatio));
    }
}
