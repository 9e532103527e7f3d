//! A point is one (workload, params, impl, threads, cores) measured on both sides; its samples are the
//! repeats' values. The host is not part of the point: comparing two machines is allowed (the
//! header says when the hosts differ).

use std::collections::HashMap;

use crate::record::SummaryRow;

use super::paired::PairedTest;
use super::stats::{self, MannWhitney, RatioInterval};
use super::verdict::{decide, decide_paired, Evidence, Metric, PointVerdict};
use super::CompareSettings;

/// Identifies a point on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointKey {
    pub workload: String,
    /// `key=value;...` as in `summary.csv`.
    pub params: String,
    pub implementation: String,
    pub threads: usize,
    /// `--cores` of the point (0 = not restricted): 2 threads on 1 CPU are not 2 threads on 2.
    pub cores: usize,
}

impl PointKey {
    /// `2 threads`, or `2 threads on 1 core` for a point restricted with `--cores`.
    pub fn threads_label(&self) -> String {
        crate::record::threads_phrase(self.threads, self.cores)
    }

    pub fn of(row: &SummaryRow) -> Self {
        Self {
            workload: row.workload.clone(),
            params: row.params.clone(),
            implementation: row.implementation.clone(),
            threads: row.threads,
            cores: row.cores,
        }
    }
}

/// The centre and spread of one side's samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleSummary {
    pub median: f64,
    /// Half the range over the median (see [`stats::relative_spread`]).
    pub spread: f64,
    pub n: usize,
}

impl SampleSummary {
    pub fn of(samples: &[f64]) -> Self {
        Self {
            median: stats::median(samples),
            spread: stats::relative_spread(samples),
            n: samples.len(),
        }
    }
}

/// One metric of one point, compared.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricComparison {
    pub metric: Metric,
    pub baseline: SampleSummary,
    pub current: SampleSummary,
    /// `current median / baseline median - 1` (e.g. -0.2 for a 20% drop); `None` when the
    /// baseline median is 0.
    pub change: Option<f64>,
    /// Bootstrap interval of the change, as `ratio - 1` at both ends.
    pub change_interval: Option<(f64, f64)>,
    /// The U test of the two samples taken as independent (shown for unpaired points).
    pub test: MannWhitney,
    /// The paired test, when the point was measured in pairs: then it, not the U test and the
    /// bootstrap, gives the change, its interval and the verdict.
    pub paired: Option<PairedTest>,
    pub verdict: PointVerdict,
}

impl MetricComparison {
    /// Compares the `metric` samples of `baseline` and `current` (both non-empty), pair by pair
    /// when `pairs` holds the samples matched by their pair number.
    pub fn of(
        metric: Metric,
        baseline: &[f64],
        current: &[f64],
        pairs: Option<&[(f64, f64)]>,
        settings: &CompareSettings,
    ) -> Self {
        let unpaired = Self::unpaired(metric, baseline, current, settings);
        let Some(test) = pairs.and_then(|p| PairedTest::of(p, settings.alpha_per_look())) else {
            return unpaired;
        };
        let absolute_change = unpaired.current.median - unpaired.baseline.median;
        Self {
            change: Some(test.change),
            change_interval: test.interval,
            verdict: decide_paired(metric, test.interval, absolute_change, settings.threshold),
            paired: Some(test),
            ..unpaired
        }
    }

    /// The p-value the tables show: the paired test's when there is one, else the U test's.
    pub fn p_value(&self) -> f64 {
        self.paired.as_ref().map_or(self.test.p_value, |p| p.p_value)
    }

    /// The two samples compared as independent.
    fn unpaired(
        metric: Metric,
        baseline: &[f64],
        current: &[f64],
        settings: &CompareSettings,
    ) -> Self {
        let base = SampleSummary::of(baseline);
        let now = SampleSummary::of(current);
        let change = (base.median > 0.0).then(|| now.median / base.median - 1.0);
        let interval = stats::bootstrap_ratio_ci(
            baseline,
            current,
            1.0 - settings.alpha,
            settings.resamples,
            settings.seed,
        );
        let test = stats::mann_whitney(current, baseline);
        let evidence = Evidence {
            metric,
            baseline_n: base.n,
            current_n: now.n,
            p_value: test.p_value,
            change,
            absolute_change: now.median - base.median,
            interval,
        };
        Self {
            metric,
            baseline: base,
            current: now,
            change,
            change_interval: interval.map(|RatioInterval { low, high }| (low - 1.0, high - 1.0)),
            test,
            paired: None,
            verdict: decide(&evidence, settings.threshold, settings.alpha),
        }
    }
}

/// One point with both metrics compared.
#[derive(Debug, Clone, PartialEq)]
pub struct PointComparison {
    pub key: PointKey,
    pub throughput: MetricComparison,
    pub p99: MetricComparison,
}

impl PointComparison {
    pub fn metric(&self, metric: Metric) -> &MetricComparison {
        match metric {
            Metric::Throughput => &self.throughput,
            Metric::P99Latency => &self.p99,
        }
    }
}

/// The rows of one side grouped by point, and the points in a stable order: grouped by workload,
/// then params, then implementation in order of first appearance, threads ascending (as
/// `syncbench run` prints them).
pub struct PointRows<'a> {
    pub order: Vec<PointKey>,
    rows: HashMap<PointKey, Vec<&'a SummaryRow>>,
}

impl<'a> PointRows<'a> {
    pub fn of(rows: &'a [SummaryRow]) -> Self {
        let mut grouped: HashMap<PointKey, Vec<&'a SummaryRow>> = HashMap::new();
        // First appearance of each workload, (workload, params) and (workload, params, impl).
        let mut first: HashMap<(&str, &str, &str), usize> = HashMap::new();
        let mut order = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            for prefix in [
                (row.workload.as_str(), "", ""),
                (&row.workload, &row.params, ""),
                (&row.workload, &row.params, &row.implementation),
            ] {
                first.entry(prefix).or_insert(index);
            }
            let key = PointKey::of(row);
            let group = grouped.entry(key.clone()).or_default();
            if group.is_empty() {
                order.push(key);
            }
            group.push(row);
        }
        order.sort_by_key(|key| {
            (
                first[&(key.workload.as_str(), "", "")],
                first[&(key.workload.as_str(), key.params.as_str(), "")],
                first[&(key.workload.as_str(), key.params.as_str(), key.implementation.as_str())],
                key.threads,
            )
        });
        Self { order, rows: grouped }
    }

    pub fn contains(&self, key: &PointKey) -> bool {
        self.rows.contains_key(key)
    }

    /// The (self, other) samples of `key` matched by their `pair` number: `Some` when every row
    /// of the point on both sides has a pair number and at least one number is on both sides
    /// (the point was measured in pairs; a pair cut short by a killed run is left out).
    pub fn paired_with(
        &self,
        other: &PointRows<'_>,
        key: &PointKey,
        metric: Metric,
    ) -> Option<Vec<(f64, f64)>> {
        let (mine, theirs) = (self.rows.get(key)?, other.rows.get(key)?);
        let numbered = |rows: &[&SummaryRow]| -> Option<HashMap<u64, f64>> {
            rows.iter().map(|r| r.pair.map(|pair| (pair, metric.sample(r)))).collect()
        };
        let (mine, theirs) = (numbered(mine)?, numbered(theirs)?);
        let mut pairs: Vec<(u64, (f64, f64))> = mine
            .iter()
            .filter_map(|(pair, &value)| theirs.get(pair).map(|&other| (*pair, (value, other))))
            .collect();
        pairs.sort_by_key(|(pair, _)| *pair);
        (!pairs.is_empty()).then(|| pairs.into_iter().map(|(_, values)| values).collect())
    }

    /// The `metric` samples of `key`, one per repeat (none if the point is absent).
    pub fn samples(&self, key: &PointKey, metric: Metric) -> Vec<f64> {
        self.rows
            .get(key)
            .map_or_else(Vec::new, |rows| rows.iter().map(|r| metric.sample(r)).collect())
    }
}
