//! `meta.json`: the environment and the full configuration of a run.

use serde::{Deserialize, Serialize};

/// Where and with what a run was made: the machine and the build. `meta.json` holds all of it
/// (flattened, so its keys are as they always were); every `summary.csv` row repeats the part
/// that tells points apart ([`Environment::host`] ... [`Environment::git_commit`], less the OS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub host: String,
    pub cpu_model: String,
    pub logical_cpus: usize,
    pub os: String,
    pub arch: String,
    pub kernel: String,
    pub rustc: String,
    pub git_commit: String,
}

/// Everything needed to tell where, when, and how a results folder was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub run_id: String,
    /// RFC 3339 UTC.
    pub started: String,
    /// RFC 3339 UTC; `None` while the run is in progress or if it was killed.
    pub finished: Option<String>,
    #[serde(flatten)]
    pub env: Environment,
    pub syncbench_version: String,
    /// The command line as typed.
    pub command: Vec<String>,
    /// The validated configuration: workloads, implementations, threads, timing, seed, params.
    pub config: serde_json::Value,
    /// The CPUs, caches, NUMA nodes and clock the run was measured on; absent in folders from
    /// before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<crate::topology::Topology>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_is_flat_in_meta_json_and_reads_back() {
        let meta = crate::html::tests::meta("h1");
        let json = serde_json::to_value(&meta).unwrap();
        assert_eq!(json["host"], "h1");
        assert_eq!(json["logical_cpus"], 2);
        assert!(json.get("env").is_none(), "no nested object: meta.json keys are unchanged");
        let text = serde_json::to_string(&meta).unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
        assert!(
            at("finished") < at("host") && at("git_commit") < at("syncbench_version"),
            "{text}"
        );
        assert_eq!(serde_json::from_value::<RunMeta>(json).unwrap(), meta);
        let missing = serde_json::json!({"run_id": "r", "started": "s", "finished": null});
        assert!(
            serde_json::from_value::<RunMeta>(missing).is_err(),
            "a meta.json without its environment is refused"
        );
    }
}
