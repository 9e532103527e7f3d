//! The CPU topology a run was measured on, as `meta.json`'s `topology` object: which CPUs the
//! process was allowed, how they group into cores (SMT siblings) and packages, the caches, the
//! NUMA nodes, the clock source and the frequency governor. Every field the kernel did not say
//! is absent, so a folder from a machine without sysfs (or from before this record) still reads.

use serde::{Deserialize, Serialize};

/// The machine's CPUs as the kernel describes them (`/sys/devices/system/...`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topology {
    /// The CPUs the process was allowed to run on at start (`sched_getaffinity`), in the
    /// kernel's list format (`0-3,8-11`).
    pub cpus_allowed: String,
    /// How many of them there are.
    pub cpus_allowed_count: usize,
    /// Each allowed CPU with its core and package.
    #[serde(default)]
    pub cpus: Vec<CpuPlace>,
    /// Distinct (package, core) pairs among the allowed CPUs: physical cores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<usize>,
    /// Distinct packages (sockets) among the allowed CPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<usize>,
    /// The distinct SMT sibling groups (`thread_siblings_list`) among the allowed CPUs; a group
    /// of one CPU is a core without SMT.
    #[serde(default)]
    pub smt_siblings: Vec<String>,
    /// CPU 0's caches (`cpu0/cache/index*`), by level.
    #[serde(default)]
    pub caches: Vec<Cache>,
    /// NUMA nodes (`/sys/devices/system/node/node*`) with their CPUs.
    #[serde(default)]
    pub numa_nodes: Vec<NumaNode>,
    /// The kernel's clock source (`tsc`, `kvm-clock`, `hpet`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clocksource: Option<String>,
    /// CPU 0's frequency governor (`performance`, `powersave`, ...), where cpufreq exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governor: Option<String>,
}

/// Where one CPU sits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuPlace {
    pub cpu: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_id: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<usize>,
    /// `thread_siblings_list`: this CPU and its SMT siblings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siblings: Option<String>,
}

/// One cache as `cache/index*` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cache {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// `Data`, `Instruction` or `Unified`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// As the kernel writes it, e.g. `32K`, `1024K`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// The CPUs sharing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_cpu_list: Option<String>,
}

/// One NUMA node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumaNode {
    pub node: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_list: Option<String>,
}

impl Topology {
    /// One line for the report: `CPUs 0-1 (2 cores, no SMT); caches L1d 32K, ...; 1 NUMA node;
    /// clock tsc; governor —`.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("CPUs {}", self.cpus_allowed)];
        if let Some(cores) = self.cores {
            let smt = if self.smt_siblings.iter().any(|s| s.contains([',', '-'])) {
                "SMT"
            } else {
                "no SMT"
            };
            parts[0]
                .push_str(&format!(" ({cores} core{}, {smt})", if cores == 1 { "" } else { "s" }));
        }
        let caches: Vec<String> = self
            .caches
            .iter()
            .map(|c| {
                let kind = match c.kind.as_deref() {
                    Some("Data") => "d",
                    Some("Instruction") => "i",
                    _ => "",
                };
                let level = c.level.map_or("?".to_owned(), |l| l.to_string());
                format!("L{level}{kind} {}", c.size.as_deref().unwrap_or("?"))
            })
            .collect();
        if !caches.is_empty() {
            parts.push(format!("caches {}", caches.join(", ")));
        }
        if !self.numa_nodes.is_empty() {
            let n = self.numa_nodes.len();
            parts.push(format!("{n} NUMA node{}", if n == 1 { "" } else { "s" }));
        }
        parts.push(format!("clock {}", self.clocksource.as_deref().unwrap_or("—")));
        parts.push(format!("governor {}", self.governor.as_deref().unwrap_or("—")));
        parts.join("; ")
    }
}
