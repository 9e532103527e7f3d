//! `meta.json`: the environment and the full configuration of a run.

use serde::{Deserialize, Serialize};

/// Everything needed to tell where, when, and how a results folder was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub run_id: String,
    /// RFC 3339 UTC.
    pub started: String,
    /// RFC 3339 UTC; `None` while the run is in progress or if it was killed.
    pub finished: Option<String>,
    pub host: String,
    pub cpu_model: String,
    pub logical_cpus: usize,
    pub os: String,
    pub arch: String,
    pub kernel: String,
    pub rustc: String,
    pub git_commit: String,
    pub syncbench_version: String,
    /// The command line as typed.
    pub command: Vec<String>,
    /// The validated configuration: workloads, implementations, threads, timing, seed, params.
    pub config: serde_json::Value,
}

impl RunMeta {
    /// Writes `meta.json` atomically (temporary file, then rename), so a reader never sees half.
    pub fn write(&self, path: &std::path::Path) -> anyhow::Result<()> {
        crate::write_atomically(path, &serde_json::to_vec_pretty(self)?)
    }

    pub fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| anyhow::anyhow!("{} is not a valid meta.json: {e}", path.display()))
    }
}
