//! The records of a run: one [`SummaryRow`] per measured repeat and one [`HistogramRow`] per
//! bucket of a merged latency histogram. Every output (CSV, charts, HTML) is drawn from these, so
//! a results folder can be re-rendered without rerunning anything.

use serde::{Deserialize, Serialize};

/// One row of `summary.csv`: one (workload, params, impl, threads, repeat). Field order is column
/// order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// `ok`, `violated: ...` (a finding), or `expected-violation: ...` (a demonstration showing
    /// its flaw, e.g. the racy counter's lost updates).
    pub invariant: String,
    /// Single-operation samples behind the latency columns (timed calls, for `batch-mean`).
    #[serde(default)]
    pub latency_samples: u64,
    /// Batches whose excess time was recorded as one stalled operation: stalls found between
    /// samples.
    #[serde(default)]
    pub stall_bounds: u64,
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
}

/// The `metric` of the runner's own latency histogram: time per operation.
pub const OP_METRIC: &str = "op";

/// The invariant column's prefixes, shared by whoever writes and whoever reads them.
pub mod invariant {
    pub const OK: &str = "ok";
    pub const VIOLATED: &str = "violated";
    pub const EXPECTED_VIOLATION: &str = "expected-violation";
}
