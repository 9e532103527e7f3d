//! The records of a run: one [`SummaryRow`] per measured repeat and one [`HistogramRow`] per
//! bucket of a merged latency histogram. Every output (CSV, charts, HTML) is drawn from these, so
//! a results folder can be re-rendered without rerunning anything.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One row of `summary.csv`: one (workload, params, impl, threads, repeat). Field order is column
/// order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Identifies the run (folder) the row came from.
    pub run_id: String,
    /// When this repeat finished, RFC 3339 UTC.
    pub timestamp: String,
    pub host: String,
    pub cpu_model: String,
    pub logical_cpus: usize,
    pub rustc: String,
    pub git_commit: String,
    pub workload: String,
    #[serde(rename = "impl")]
    pub implementation: String,
    /// `hand-rolled`, `library` or `demonstration` (a deliberately broken one).
    pub impl_kind: String,
    /// The workload's parameters as `key=value;key=value`, sorted by key.
    pub params: String,
    pub threads: usize,
    /// 1-based repeat number.
    pub repeat: usize,
    /// Seconds during which all threads were running the workload at once.
    pub duration_s: f64,
    /// Operations completed in the measured phase, all threads together.
    pub ops: u64,
    /// `ops / duration_s`.
    pub throughput_ops_s: f64,
    pub mean_ns: f64,
    pub p50_ns: f64,
    pub p90_ns: f64,
    pub p99_ns: f64,
    pub p999_ns: f64,
    pub max_ns: f64,
    /// Jain's fairness index of the per-thread op counts: 1 = equal shares, 1/threads = one thread
    /// did everything.
    pub fairness: f64,
    /// Smallest and largest per-thread share of the ops, as fractions (1/threads each when fair).
    pub min_share: f64,
    pub max_share: f64,
    /// How the latency columns were obtained (see [`crate::timing`]): `per-op(...)` every op timed
    /// alone, `sampled(1/N, ...)` about one op in N timed alone, `batch-mean(N)` batch means.
    pub timing: String,
    /// What the workload recorded beyond the op latency, as `key=value;...` sorted by key: its
    /// counters (`hits=...`) and, for each latency it kept apart, `<name>_p50_ns`, `_p99_ns`,
    /// `_max_ns` and `_count` (e.g. `push-to-pop_p99_ns=...`). Empty when there is nothing more.
    pub extras: String,
    /// What the invariant check came to; written `ok: ...`, `violated: ...` (a finding, a stall
    /// included), or `expected-violation: ...` (a demonstration showing its flaw, e.g. the racy
    /// counter's lost updates).
    pub invariant: Invariant,
    /// Single-operation samples behind the latency columns (timed calls, for `batch-mean`).
    #[serde(default)]
    pub latency_samples: u64,
    /// Batches whose excess time was recorded as one stalled operation: stalls found between
    /// samples.
    #[serde(default)]
    pub stall_bounds: u64,
    /// `--cores`: how many CPUs the process was restricted to for this point; 0 = not restricted.
    #[serde(default)]
    pub cores: usize,
    /// The CPUs the point's worker threads could run on, in the kernel's list format (`0`,
    /// `0-1`, `0,2`): the CPUs they were pinned to under `--pin`, else the `--cores` set; empty
    /// when neither restricted them.
    #[serde(default)]
    pub cpu_list: String,
    /// `--pin`: `compact` or `spread` when each worker thread was pinned to one CPU; empty when
    /// not pinned.
    #[serde(default)]
    pub pin: String,
    /// CPU time other processes took during the repeat, in CPUs (0.6 = 60 % of one CPU), over
    /// the CPUs the process was allowed at start; empty where the kernel does not say.
    #[serde(default)]
    pub other_cpu_share: Option<f64>,
    /// Share of the allowed CPUs' time the hypervisor stole during the repeat (0.05 = 5 %).
    #[serde(default)]
    pub steal_share: Option<f64>,
    /// Involuntary context switches of the process's threads during the repeat.
    #[serde(default)]
    pub involuntary_switches: Option<u64>,
    /// Why the repeat counts as measured on a disturbed machine (`other processes 60% of a
    /// CPU`, `steal 7%`); empty when the machine was quiet or not watched.
    #[serde(default)]
    pub disturbed: String,
    /// The pair of a paired run (`syncbench gate`) the repeat belongs to: the baseline's and the
    /// current side's rows of a point with the same pair number ran back to back. Empty for an
    /// ordinary run.
    #[serde(default)]
    pub pair: Option<u64>,
}

impl SummaryRow {
    /// Whether the environment guard flagged this repeat.
    pub fn is_disturbed(&self) -> bool {
        !self.disturbed.is_empty()
    }
}

/// One bucket of a merged latency histogram of a (workload, params, impl, threads) point, all
/// repeats together: latencies in `[low_ns, high_ns)` were seen `count` times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramRow {
    pub host: String,
    pub workload: String,
    /// As in `summary.csv`.
    pub params: String,
    #[serde(rename = "impl")]
    pub implementation: String,
    pub threads: usize,
    /// Which latency: [`OP_METRIC`] for the runner's time per operation, otherwise a latency the
    /// workload kept apart (`push-to-pop`, `read`, `write`, `wait`, ...).
    pub metric: String,
    pub low_ns: u64,
    pub high_ns: u64,
    pub count: u64,
    /// As in `summary.csv`: 0 = not restricted.
    #[serde(default)]
    pub cores: usize,
}

/// The part of a chart or `.hgrm` file name that names a point's placement: `t4` as always,
/// `c2-t4` for 4 threads restricted to 2 CPUs (`--cores 2`), so an unrestricted run keeps its
/// file names.
pub fn threads_tag(cores: usize, threads: usize) -> String {
    if cores == 0 {
        format!("t{threads}")
    } else {
        format!("c{cores}-t{threads}")
    }
}

/// `4 threads`, or `4 threads on 2 cores` for a point restricted with `--cores`.
pub fn threads_phrase(threads: usize, cores: usize) -> String {
    let s = if threads == 1 { "" } else { "s" };
    match cores {
        0 => format!("{threads} thread{s}"),
        1 => format!("{threads} thread{s} on 1 core"),
        n => format!("{threads} thread{s} on {n} cores"),
    }
}

/// `, 2 cores` for a title of a restricted point; empty when not restricted.
pub fn cores_phrase(cores: usize) -> String {
    match cores {
        0 => String::new(),
        1 => ", 1 core".to_owned(),
        n => format!(", {n} cores"),
    }
}

/// The `metric` of the runner's own latency histogram: time per operation.
pub const OP_METRIC: &str = "op";

/// What one run's invariant check came to. The order is the severity order every output uses:
/// a later variant is worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// The invariant held.
    Held,
    /// A demonstration broke it (or stalled), as it exists to show.
    ExpectedViolation,
    /// The workers stopped making progress (a deadlock, a livelock): a finding.
    Stalled,
    /// The invariant broke: a finding.
    Violated,
}

impl Outcome {
    /// The label that opens the `invariant` column. A stall is written as a violation whose
    /// detail names the stall, as the column always has.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Held => invariant::OK,
            Outcome::ExpectedViolation => invariant::EXPECTED_VIOLATION,
            Outcome::Stalled | Outcome::Violated => invariant::VIOLATED,
        }
    }

    /// Whether it is a finding: an outcome nobody expected.
    pub fn is_finding(self) -> bool {
        self > Outcome::ExpectedViolation
    }
}

/// The `invariant` column: an outcome and what was checked or what broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invariant {
    pub outcome: Outcome,
    /// What was checked ("count 1234 = 1234 increments") or how it broke; may be empty.
    pub detail: String,
}

/// An invariant that held, with nothing said: the start of a row built field by field.
impl Default for Invariant {
    fn default() -> Self {
        Self::new(Outcome::Held, "")
    }
}

impl Invariant {
    pub fn new(outcome: Outcome, detail: impl Into<String>) -> Self {
        Self { outcome, detail: detail.into() }
    }

    /// Reads the column's text: its label decides the outcome, and a violation whose detail
    /// opens with a stall's name ([`invariant::STALLS`]) is a stall.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (label, detail) = match text.split_once(':') {
            Some((label, detail)) => (label.trim(), detail.trim_start()),
            None => (text.trim(), ""),
        };
        let outcome = match label {
            invariant::OK => Outcome::Held,
            invariant::EXPECTED_VIOLATION => Outcome::ExpectedViolation,
            invariant::VIOLATED
                if invariant::STALLS.iter().any(|stall| {
                    detail.strip_prefix(stall).is_some_and(|rest| rest.starts_with(':'))
                }) =>
            {
                Outcome::Stalled
            }
            invariant::VIOLATED => Outcome::Violated,
            other => {
                return Err(format!(
                    "unknown invariant outcome '{other}' (expected {}, {} or {})",
                    invariant::OK,
                    invariant::VIOLATED,
                    invariant::EXPECTED_VIOLATION
                ))
            }
        };
        Ok(Self::new(outcome, detail))
    }
}

impl fmt::Display for Invariant {
    /// `label: detail`, or the label alone when there is no detail.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.outcome.label())?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl Serialize for Invariant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Invariant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Invariant::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The invariant column's labels, shared by whoever writes and whoever reads them.
pub mod invariant {
    pub const OK: &str = "ok";
    pub const VIOLATED: &str = "violated";
    pub const EXPECTED_VIOLATION: &str = "expected-violation";
    /// How the runner's watchdog names a stall, first in a violation's detail.
    pub const STALLS: [&str; 4] = ["deadlock", "livelock", "stall", "stuck"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invariant_column_reads_back_as_it_was_written() {
        for text in [
            "ok",
            "ok: count 5 = 5 increments",
            "expected-violation: lost 3 of 10 updates",
            "violated: lost 3 of 10 updates",
            "violated: deadlock: no operation completed for 1s, threads 0, 1 blocked",
        ] {
            assert_eq!(Invariant::parse(text).unwrap().to_string(), text);
        }
        let outcome = |text| Invariant::parse(text).unwrap().outcome;
        assert_eq!(outcome("violated: livelock: no operation completed"), Outcome::Stalled);
        assert_eq!(outcome("violated: deadlocked accounts lost 3"), Outcome::Violated);
        assert_eq!(outcome("expected-violation: deadlock: ..."), Outcome::ExpectedViolation);
    }

    #[test]
    fn an_unknown_label_is_refused() {
        assert!(Invariant::parse("okay?").unwrap_err().contains("unknown invariant outcome"));
        assert!(Invariant::parse("").is_err());
    }

    #[test]
    fn severity_is_one_order() {
        use Outcome::*;
        let mut outcomes = [Violated, Held, Stalled, ExpectedViolation];
        outcomes.sort();
        assert_eq!(outcomes, [Held, ExpectedViolation, Stalled, Violated]);
        assert!(!ExpectedViolation.is_finding() && Stalled.is_finding());
    }
}
