//! `history check`: is the newest run of each point worse than its recent history?
//!
//! A **window test**. For each (point, host) the newest run (by start) is compared with the runs
//! just before it on the same host — up to `window` of them (default 5) — pooled: the window's
//! repeats are the baseline sample, the newest run's repeats the current one, and
//! [`MetricComparison::of`] decides exactly as `syncbench compare` does (Mann–Whitney U for
//! significance, a bootstrap interval of the ratio of medians against the threshold, "noise"
//! when the samples cannot decide).
//!
//! Why a window and not a change-point test (E-divisive, PELT, as MongoDB and bencher offer): a
//! change-point test looks back over a long series for *where* the level moved, needs many runs
//! before it can say anything, and may move its answer as runs arrive. The question asked after
//! each CI run is narrower — "is this run worse than the recent past?" — and a two-sample test of
//! the newest run against a short window answers it from the second run on, with the same
//! statistics, verdicts and exit codes as `compare`. A short window also follows slow drift of a
//! runner (new kernel, new image) instead of holding it against every later run forever. Hosts
//! are never pooled: absolute numbers of two machines are not comparable.
//!
//! Caveat: pooling the window's repeats treats run-to-run variation as sampling noise within one
//! run. Where runs differ more from day to day than repeats within a run do, a quiet day can look
//! like a change; the threshold (default 5 %, `--threshold`) is the guard against that, and the
//! paired gate (`scripts/ci-gate.sh`) stays the authority for pull requests.

use std::fmt::Write as _;

use crate::compare::{CompareSettings, Metric, MetricComparison, PointKey, PointVerdict};

use super::query::StoredRun;
use super::series::PointHistory;
use super::HistoryError;

/// How to check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSettings {
    /// How many runs before the newest form its baseline.
    pub window: usize,
    /// Threshold, alpha, whether p99 fails too, bootstrap resamples: as in `compare`.
    pub compare: CompareSettings,
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self { window: 5, compare: CompareSettings::default() }
    }
}

impl CheckSettings {
    pub fn validate(&self) -> Result<(), HistoryError> {
        if self.window == 0 {
            return Err(HistoryError::InvalidSetting {
                what: "--window",
                value: "0".into(),
                why: "the newest run needs at least one run before it",
            });
        }
        self.compare.validate().map_err(|e| HistoryError::Unreadable(e.to_string()))
    }
}

/// The newest run of one point on one host, against its window.
#[derive(Debug, Clone, PartialEq)]
pub struct PointCheck {
    pub key: PointKey,
    pub host: String,
    pub newest: StoredRun,
    /// Runs in the window (at most `window`).
    pub window_runs: usize,
    pub throughput: MetricComparison,
    pub p99: MetricComparison,
}

impl PointCheck {
    pub fn metric(&self, metric: Metric) -> &MetricComparison {
        match metric {
            Metric::Throughput => &self.throughput,
            Metric::P99Latency => &self.p99,
        }
    }
}

/// Every (point, host) checked.
#[derive(Debug, Clone)]
pub struct HistoryCheck {
    pub settings: CheckSettings,
    pub checks: Vec<PointCheck>,
    /// (point, host) series with only one run: nothing to compare with yet.
    pub without_history: usize,
}

/// Checks the newest run of every (point, host) series of `points`.
pub fn check(points: &[PointHistory<'_>], settings: &CheckSettings) -> HistoryCheck {
    let mut checks = Vec::new();
    let mut without_history = 0;
    for point in points {
        for series in &point.hosts {
            let Some((newest, earlier)) = series.runs.split_last() else { continue };
            if earlier.is_empty() {
                without_history += 1;
                continue;
            }
            let window = &earlier[earlier.len().saturating_sub(settings.window)..];
            let compare = |metric| {
                let baseline: Vec<f64> =
                    window.iter().flat_map(|run| run.samples(metric).iter().copied()).collect();
                MetricComparison::of(
                    metric,
                    &baseline,
                    newest.samples(metric),
                    None,
                    &settings.compare,
                )
            };
            checks.push(PointCheck {
                key: point.key.clone(),
                host: series.host.clone(),
                newest: newest.run.clone(),
                window_runs: window.len(),
                throughput: compare(Metric::Throughput),
                p99: compare(Metric::P99Latency),
            });
        }
    }
    HistoryCheck { settings: settings.clone(), checks, without_history }
}

impl HistoryCheck {
    fn gated(&self) -> Vec<Metric> {
        if self.settings.compare.gate_latency {
            Metric::ALL.to_vec()
        } else {
            vec![Metric::Throughput]
        }
    }

    /// The (point, metric) pairs that fail: a significant regression beyond the threshold.
    pub fn regressions(&self) -> Vec<(&PointCheck, Metric)> {
        let gated = self.gated();
        self.checks
            .iter()
            .flat_map(|c| gated.iter().map(move |&m| (c, m)))
            .filter(|(c, m)| c.metric(*m).verdict == PointVerdict::Slower)
            .collect()
    }

    /// One line naming the failure, when there is one (`history check` exits 1).
    pub fn failure(&self) -> Option<String> {
        let regressions = self.regressions();
        if regressions.is_empty() {
            return None;
        }
        let names: Vec<String> = regressions
            .iter()
            .map(|(c, m)| {
                format!(
                    "{}/{}/{} threads{} on {} {}",
                    c.key.workload,
                    c.key.implementation,
                    c.key.threads,
                    crate::record::cores_phrase(c.key.cores),
                    c.host,
                    m.short_name()
                )
            })
            .collect();
        Some(format!(
            "{} significant regression(s) beyond {}% in the newest runs: {}",
            regressions.len(),
            trim(self.settings.compare.threshold * 100.0),
            names.join(", ")
        ))
    }

    /// The result as aligned text: one table per metric, then a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let s = &self.settings;
        let _ = writeln!(
            out,
            "history check: newest run of each point and host vs up to {} run(s) before it \
             (Mann-Whitney U, alpha {}, threshold {}%)",
            s.window,
            s.compare.alpha,
            trim(s.compare.threshold * 100.0)
        );
        for metric in Metric::ALL.into_iter().filter(|_| !self.checks.is_empty()) {
            let _ = writeln!(out, "\n{}", metric.title());
            let header =
                ["point", "host", "newest", "window", "newest median", "change", "p", "verdict"];
            let mut lines: Vec<Vec<String>> =
                vec![header.iter().map(|h| (*h).to_owned()).collect()];
            for c in &self.checks {
                let m = c.metric(metric);
                let change = match (m.change, m.change_interval) {
                    (Some(change), Some((low, high))) => {
                        format!("{} [{}, {}]", pct(change), pct(low), pct(high))
                    }
                    (Some(change), None) => pct(change),
                    _ => "-".into(),
                };
                let params = if c.key.params.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", c.key.params)
                };
                lines.push(vec![
                    format!(
                        "{}/{}/{}{params}",
                        c.key.workload,
                        c.key.implementation,
                        crate::record::threads_tag(c.key.cores, c.key.threads)
                    ),
                    c.host.clone(),
                    format!("{} {}", short(&c.newest.git_commit), c.newest.started),
                    format!("{} runs, n={}", c.window_runs, m.baseline.n),
                    format!("{} (n={})", significant(m.current.median), m.current.n),
                    change,
                    format!("{:.3}", m.test.p_value),
                    m.verdict.label().to_owned(),
                ]);
            }
            let widths: Vec<usize> = (0..header.len())
                .map(|i| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0))
                .collect();
            for line in &lines {
                let text: String = line
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| format!("{cell:<width$}  "))
                    .collect();
                let _ = writeln!(out, "{}", text.trim_end());
            }
        }
        let slower = self.regressions().len();
        let _ = writeln!(
            out,
            "\n{} series checked, {} regression(s); {} series with one run only (nothing to compare yet)",
            self.checks.len(),
            slower,
            self.without_history
        );
        out
    }
}

fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn pct(fraction: f64) -> String {
    format!("{:+.1}%", fraction * 100.0)
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

/// Three decimals of the value in units, thousands, millions or billions (`1.234M`).
fn significant(value: f64) -> String {
    let (scaled, suffix) = match value.abs() {
        v if v >= 1e9 => (value / 1e9, "G"),
        v if v >= 1e6 => (value / 1e6, "M"),
        v if v >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    format!("{scaled:.3}{suffix}")
}
