//! Reads the CPU topology from sysfs into [`reports::topology::Topology`] for `meta.json`, and
//! gives the pinning orders ([`crate::affinity`]) the core and package of each CPU.
//!
//! The sysfs root is a parameter (`/sys/devices/system` on a real machine), so tests read
//! fixture directories. A file that is missing or unreadable leaves its field absent: a machine
//! (or container) that hides part of sysfs still runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use reports::topology::{Cache, CpuPlace, NumaNode, Topology};

use crate::cpu_list;

/// Where the kernel describes the CPUs.
pub const SYSFS_ROOT: &str = "/sys/devices/system";

/// The topology of this machine for the CPUs this process may run on.
pub fn detect() -> Topology {
    read(Path::new(SYSFS_ROOT), &crate::affinity::allowed_cpus())
}

/// The topology under `root` (a `/sys/devices/system` tree) for the `allowed` CPUs.
pub fn read(root: &Path, allowed: &[usize]) -> Topology {
    let cpu_dir = |cpu: usize| root.join("cpu").join(format!("cpu{cpu}"));
    let cpus: Vec<CpuPlace> = allowed
        .iter()
        .map(|&cpu| {
            let topology = cpu_dir(cpu).join("topology");
            CpuPlace {
                cpu,
                core_id: number(&topology.join("core_id")),
                package: number(&topology.join("physical_package_id")),
                siblings: text(&topology.join("thread_siblings_list")),
            }
        })
        .collect();
    let known = cpus.iter().all(|c| c.core_id.is_some());
    let cores =
        known.then(|| cpus.iter().map(|c| (c.package, c.core_id)).collect::<BTreeSet<_>>().len());
    let packages = cpus
        .iter()
        .all(|c| c.package.is_some())
        .then(|| cpus.iter().map(|c| c.package).collect::<BTreeSet<_>>().len());
    let mut smt_siblings: Vec<String> = Vec::new();
    for siblings in cpus.iter().filter_map(|c| c.siblings.clone()) {
        if !smt_siblings.contains(&siblings) {
            smt_siblings.push(siblings);
        }
    }
    Topology {
        cpus_allowed: cpu_list::format(allowed),
        cpus_allowed_count: allowed.len(),
        cpus,
        cores,
        packages,
        smt_siblings,
        caches: caches(&cpu_dir(0).join("cache")),
        numa_nodes: numa_nodes(&root.join("node")),
        clocksource: text(&root.join("clocksource/clocksource0/current_clocksource")),
        governor: text(&cpu_dir(0).join("cpufreq/scaling_governor")),
    }
}

/// `index0`, `index1`, ... in index order.
fn caches(dir: &Path) -> Vec<Cache> {
    numbered(dir, "index")
        .into_iter()
        .map(|(_, index)| Cache {
            level: text(&index.join("level")).and_then(|l| l.parse().ok()),
            kind: text(&index.join("type")),
            size: text(&index.join("size")),
            shared_cpu_list: text(&index.join("shared_cpu_list")),
        })
        .collect()
}

fn numa_nodes(dir: &Path) -> Vec<NumaNode> {
    numbered(dir, "node")
        .into_iter()
        .map(|(node, path)| NumaNode { node, cpu_list: text(&path.join("cpulist")) })
        .collect()
}

/// The entries of `dir` named `<prefix><number>`, by number.
fn numbered(dir: &Path, prefix: &str) -> Vec<(usize, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<(usize, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let n = name.to_str()?.strip_prefix(prefix)?.parse().ok()?;
            Some((n, entry.path()))
        })
        .collect();
    found.sort();
    found
}

/// A file's first line, trimmed; `None` when missing, unreadable or empty.
fn text(path: &Path) -> Option<String> {
    let content = std::fs::read_to_string(path).ok()?;
    let line = content.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

fn number(path: &Path) -> Option<usize> {
    text(path)?.parse().ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn write(root: &Path, path: &str, content: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("{content}\n")).unwrap();
    }

    /// Two cores with two SMT threads each, CPUs numbered as Linux does on x86 (siblings 0,2 and
    /// 1,3), two caches, one NUMA node.
    pub(crate) fn smt_fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (cpu, core, siblings) in [(0, 0, "0,2"), (1, 1, "1,3"), (2, 0, "0,2"), (3, 1, "1,3")] {
            write(root, &format!("cpu/cpu{cpu}/topology/core_id"), &core.to_string());
            write(root, &format!("cpu/cpu{cpu}/topology/physical_package_id"), "0");
            write(root, &format!("cpu/cpu{cpu}/topology/thread_siblings_list"), siblings);
        }
        for (index, level, kind, size, shared) in
            [(0, 1, "Data", "48K", "0,2"), (3, 3, "Unified", "32768K", "0-3")]
        {
            let at = format!("cpu/cpu0/cache/index{index}");
            write(root, &format!("{at}/level"), &level.to_string());
            write(root, &format!("{at}/type"), kind);
            write(root, &format!("{at}/size"), size);
            write(root, &format!("{at}/shared_cpu_list"), shared);
        }
        write(root, "node/node0/cpulist", "0-3");
        write(root, "clocksource/clocksource0/current_clocksource", "tsc");
        dir
    }

    #[test]
    fn a_fixture_tree_reads_into_cores_siblings_caches_and_nodes() {
        let dir = smt_fixture();
        let topology = read(dir.path(), &[0, 1, 2, 3]);
        assert_eq!(topology.cpus_allowed, "0-3");
        assert_eq!((topology.cores, topology.packages), (Some(2), Some(1)));
        assert_eq!(topology.smt_siblings, ["0,2", "1,3"]);
        assert_eq!(topology.cpus[2].core_id, Some(0));
        let levels: Vec<Option<u32>> = topology.caches.iter().map(|c| c.level).collect();
        assert_eq!(levels, [Some(1), Some(3)]);
        assert_eq!(topology.caches[1].shared_cpu_list.as_deref(), Some("0-3"));
        assert_eq!(topology.numa_nodes, [NumaNode { node: 0, cpu_list: Some("0-3".into()) }]);
        assert_eq!(topology.clocksource.as_deref(), Some("tsc"));
        assert_eq!(topology.governor, None, "no cpufreq in the fixture");
        let json = serde_json::to_value(&topology).unwrap();
        assert!(json.get("governor").is_none(), "an absent field is left out: {json}");
        assert_eq!(json["caches"][0]["type"], "Data");
    }

    #[test]
    fn only_the_allowed_cpus_count() {
        let dir = smt_fixture();
        let topology = read(dir.path(), &[0, 2]);
        assert_eq!((topology.cpus_allowed.as_str(), topology.cores), ("0,2", Some(1)));
        assert_eq!(topology.smt_siblings, ["0,2"]);
    }

    #[test]
    fn a_missing_tree_leaves_every_field_absent_and_does_not_fail() {
        let dir = tempfile::tempdir().unwrap();
        let topology = read(&dir.path().join("nothing-here"), &[0, 1]);
        assert_eq!(topology.cpus_allowed, "0,1");
        assert_eq!((topology.cores, topology.packages, topology.clocksource), (None, None, None));
        assert!(topology.caches.is_empty() && topology.numa_nodes.is_empty());
        assert!(topology.cpus.iter().all(|c| c.core_id.is_none() && c.siblings.is_none()));
    }
}
