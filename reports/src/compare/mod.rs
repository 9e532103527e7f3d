//! `syncbench compare`: is the current run slower than the baseline, point by point?
//!
//! A point is a (workload, params, impl, threads, cores) present in both runs; its samples are the
//! repeats' `throughput_ops_s` (and `p99_ns`). For each metric of each point:
//! [`stats::mann_whitney`] says whether the two samples differ (significance at `alpha`),
//! [`stats::bootstrap_ratio_ci`] how much (the ratio of medians with its confidence interval),
//! and [`verdict::decide`] turns both into "~", "faster", "slower" or "noise".
//!
//! Built as a library so a gate script (or a test) can use it without the binary:
//!
//! ```no_run
//! use reports::compare::{compare_folders, CompareSettings};
//! let comparison = compare_folders(
//!     "results/base".as_ref(),
//!     "results/head".as_ref(),
//!     &CompareSettings::default(),
//! )?;
//! print!("{}", reports::compare::text::render(&comparison));
//! std::process::exit(if comparison.fails_gate() { 1 } else { 0 });
//! # Ok::<(), reports::compare::CompareError>(())
//! ```

pub mod curve;
mod error;
pub mod input;
pub mod markdown;
pub mod paired;
pub mod point;
pub mod stats;
mod table;
pub mod text;
pub mod verdict;

use std::path::Path;

pub use curve::CurveComparison;
pub use error::CompareError;
pub use input::RunSide;
pub use point::{MetricComparison, PointComparison, PointKey, SampleSummary};
pub use verdict::{Metric, NoiseReason, PointVerdict};

/// How to compare. `threshold` and `alpha` are what the command line sets.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareSettings {
    /// The smallest change of a median that counts, as a fraction (0.05 = 5%).
    pub threshold: f64,
    /// Significance level of the U test; the bootstrap interval is at `1 - alpha` confidence.
    pub alpha: f64,
    /// Whether a p99 latency regression fails the gate too (by default it is only reported:
    /// p99 of batch-timed ops is a batch mean and noisier than throughput).
    pub gate_latency: bool,
    /// Bootstrap resamples per metric and point.
    pub resamples: usize,
    /// Bootstrap seed: the same inputs always give the same intervals.
    pub seed: u64,
    /// Leave out the repeats the environment guard flagged as measured on a disturbed machine
    /// (`--skip-disturbed`).
    pub skip_disturbed: bool,
    /// How many times the paired samples were looked at as they came in (the gate's sequential
    /// stopping): each look is tested at `alpha / looks`, so that stopping at the first look
    /// that decides keeps the false-alarm rate at `alpha` (Bonferroni). 1 for a fixed sample.
    pub looks: usize,
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            threshold: 0.05,
            alpha: 0.05,
            gate_latency: false,
            resamples: 10_000,
            seed: 1,
            skip_disturbed: false,
            looks: 1,
        }
    }
}

impl CompareSettings {
    /// Rejects a threshold that is not a finite fraction ≥ 0, or an alpha outside (0, 1).
    pub fn validate(&self) -> Result<(), CompareError> {
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(CompareError::InvalidSetting {
                what: "--threshold",
                value: format!("{}", self.threshold * 100.0),
                why: "must be a percentage ≥ 0",
            });
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(CompareError::InvalidSetting {
                what: "--alpha",
                value: format!("{}", self.alpha),
                why: "must be between 0 and 1 (exclusive)",
            });
        }
        if self.looks == 0 {
            return Err(CompareError::InvalidSetting {
                what: "--looks",
                value: "0".into(),
                why: "must be at least 1",
            });
        }
        if self.resamples == 0 {
            return Err(CompareError::InvalidSetting {
                what: "resamples",
                value: "0".into(),
                why: "must be at least 1",
            });
        }
        Ok(())
    }

    /// The level each look at paired samples is tested at.
    pub fn alpha_per_look(&self) -> f64 {
        self.alpha / self.looks as f64
    }
}

/// The comparison of two runs, point by point.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub baseline: RunSide,
    pub current: RunSide,
    pub settings: CompareSettings,
    /// Points in both runs, in the order `syncbench run` prints them.
    pub points: Vec<PointComparison>,
    /// Each implementation's throughput over its thread counts, where measured in pairs.
    pub curves: Vec<CurveComparison>,
    /// Points in one run only: listed, not compared.
    pub only_in_baseline: Vec<PointKey>,
    pub only_in_current: Vec<PointKey>,
    /// Repeats left out of the baseline and the current side by `skip_disturbed`.
    pub skipped_disturbed: [usize; 2],
}

/// How many points of one metric got each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    pub slower: usize,
    pub faster: usize,
    pub unchanged: usize,
    pub noise: usize,
}

impl Comparison {
    pub fn counts(&self, metric: Metric) -> VerdictCounts {
        let mut counts = VerdictCounts::default();
        for point in &self.points {
            match point.metric(metric).verdict {
                PointVerdict::Slower => counts.slower += 1,
                PointVerdict::Faster => counts.faster += 1,
                PointVerdict::Unchanged => counts.unchanged += 1,
                PointVerdict::Noise(_) => counts.noise += 1,
            }
        }
        counts
    }

    /// The metrics whose regressions fail the gate.
    pub fn gated_metrics(&self) -> Vec<Metric> {
        if self.settings.gate_latency {
            Metric::ALL.to_vec()
        } else {
            vec![Metric::Throughput]
        }
    }

    /// The (point, metric) pairs that fail the gate: significant regressions beyond the threshold.
    pub fn regressions(&self) -> Vec<(&PointComparison, Metric)> {
        let gated = self.gated_metrics();
        self.points
            .iter()
            .flat_map(|point| gated.iter().map(move |&metric| (point, metric)))
            .filter(|(point, metric)| point.metric(*metric).verdict == PointVerdict::Slower)
            .collect()
    }

    /// The curves whose throughput regressed as a whole: these fail the gate too.
    pub fn curve_regressions(&self) -> Vec<&CurveComparison> {
        self.curves.iter().filter(|c| c.verdict == PointVerdict::Slower).collect()
    }

    /// Whether the gate fails (`syncbench compare` exits 1).
    pub fn fails_gate(&self) -> bool {
        !self.regressions().is_empty() || !self.curve_regressions().is_empty()
    }

    /// Whether any point was compared pair by pair.
    pub fn is_paired(&self) -> bool {
        self.points.iter().any(|p| p.throughput.paired.is_some())
    }

    /// One line naming the failure when the gate fails, e.g. `2 significant regression(s) beyond
    /// 5%: counter/std-mutex/2 threads throughput, ...`.
    pub fn gate_failure(&self) -> Option<String> {
        let regressions = self.regressions();
        let curves = self.curve_regressions();
        if regressions.is_empty() && curves.is_empty() {
            return None;
        }
        let mut names: Vec<String> = regressions
            .iter()
            .map(|(point, metric)| {
                let key = &point.key;
                format!(
                    "{}/{}/{} {}",
                    key.workload,
                    key.implementation,
                    key.threads_label(),
                    metric.short_name()
                )
            })
            .collect();
        names.extend(curves.iter().map(|curve| {
            format!(
                "{}/{} throughput over threads {:?}",
                curve.key.workload, curve.key.implementation, curve.threads
            )
        }));
        Some(format!(
            "{} significant regression(s) beyond {}%: {}",
            names.len(),
            table::trim_float(self.settings.threshold * 100.0),
            names.join(", ")
        ))
    }
}

/// Reads two results folders (or `summary.csv` files) and compares them.
pub fn compare_folders(
    baseline: &Path,
    current: &Path,
    settings: &CompareSettings,
) -> Result<Comparison, CompareError> {
    settings.validate()?;
    compare_sides(RunSide::load(baseline)?, RunSide::load(current)?, settings)
}

/// Compares two sides already read. Fails when they have no point in common.
pub fn compare_sides(
    baseline: RunSide,
    current: RunSide,
    settings: &CompareSettings,
) -> Result<Comparison, CompareError> {
    settings.validate()?;
    let (baseline, current, skipped_disturbed) = if settings.skip_disturbed {
        let (baseline, skipped_base) = baseline.without_disturbed();
        let (current, skipped_current) = current.without_disturbed();
        (baseline, current, [skipped_base, skipped_current])
    } else {
        (baseline, current, [0, 0])
    };
    let (points, only_in_baseline, only_in_current) = {
        let baseline_points = point::PointRows::of(&baseline.rows);
        let current_points = point::PointRows::of(&current.rows);
        let points: Vec<PointComparison> = baseline_points
            .order
            .iter()
            .filter(|key| current_points.contains(key))
            .map(|key| {
                let compare = |metric| {
                    let pairs = baseline_points.paired_with(&current_points, key, metric);
                    MetricComparison::of(
                        metric,
                        &baseline_points.samples(key, metric),
                        &current_points.samples(key, metric),
                        pairs.as_deref(),
                        settings,
                    )
                };
                PointComparison {
                    key: key.clone(),
                    throughput: compare(Metric::Throughput),
                    p99: compare(Metric::P99Latency),
                }
            })
            .collect();
        let only = |side: &point::PointRows<'_>, other: &point::PointRows<'_>| -> Vec<PointKey> {
            side.order.iter().filter(|key| !other.contains(key)).cloned().collect()
        };
        let only_in_baseline = only(&baseline_points, &current_points);
        (points, only_in_baseline, only(&current_points, &baseline_points))
    };
    if points.is_empty() {
        return Err(CompareError::NoCommonPoints {
            baseline: baseline.path.clone(),
            current: current.path.clone(),
        });
    }
    Ok(Comparison {
        baseline,
        current,
        settings: settings.clone(),
        curves: curve::curves(&points, settings),
        points,
        only_in_baseline,
        only_in_current,
        skipped_disturbed,
    })
}

#[cfg(test)]
mod tests;
