//! `syncbench report A B ...`: several results folders — other hosts, other commits — drawn as
//! one report, each folder a series of its own (`std-mutex @ hostB`).
//!
//! Each folder's series is named by what tells the folders apart: the host when the hosts
//! differ, the commit when only the commits do, both when both do, else the run id. The merged
//! folder holds `report.html`, `charts/` and `hgrm/<series>/`; the sources are only read.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::{charts, hgrm, html, ResultsFolder, RunData};

/// Reads every folder of `sources`, then draws them together into `out`, which must not exist
/// yet (or be an empty folder). Everything is drawn into a temporary folder beside `out` and
/// renamed into place at the end, so a failure leaves nothing behind.
pub fn merge_folders(sources: &[PathBuf], out: &Path) -> Result<()> {
    let mut loaded = Vec::with_capacity(sources.len());
    for source in sources {
        if !source.is_dir() {
            bail!("no results folder at {}", source.display());
        }
        let folder = ResultsFolder::new(source);
        let data = folder.load()?;
        loaded.push((folder, data));
    }
    let is_empty_dir = |dir: &Path| std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
    if out.exists() && !is_empty_dir(out) {
        bail!("{} already exists; choose another --out", out.display());
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name =
        out.file_name().map_or_else(|| "merged".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let result = draw(&loaded, &staging).and_then(|()| {
        if out.exists() {
            std::fs::remove_dir(out)
                .with_context(|| format!("cannot replace {}", out.display()))?;
        }
        std::fs::rename(&staging, out).with_context(|| format!("cannot write {}", out.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// Draws the merged report of `loaded` into the new folder `dir`.
fn draw(loaded: &[(ResultsFolder, RunData)], dir: &Path) -> Result<()> {
    std::fs::create_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let target = ResultsFolder::new(dir);
    let datas: Vec<&RunData> = loaded.iter().map(|(_, data)| data).collect();
    let labels = series_labels(&datas);
    let (mut summary, mut histograms) = (Vec::new(), Vec::new());
    for ((source, data), label) in loaded.iter().zip(&labels) {
        // The series name goes where the charts and tables look for the host (one folder alone,
        // redrawn elsewhere with --out, keeps its host).
        let relabel = loaded.len() > 1;
        summary.extend(data.summary.iter().cloned().map(|mut row| {
            if relabel {
                row.host.clone_from(label);
            }
            row
        }));
        histograms.extend(data.histograms.iter().cloned().map(|mut row| {
            if relabel {
                row.host.clone_from(label);
            }
            row
        }));
        copy_hgrm(source, data, &target.hgrm_dir().join(charts::file_stem(label)))?;
    }
    let metas: Vec<_> = loaded.iter().map(|(_, data)| data.meta.clone()).collect();
    let charts = charts::render_all(&summary, &histograms, &target.charts_dir())?;
    html::write_report(&metas, &summary, &histograms, &charts, dir, &target.report_html())
}

/// The source's exact `.hgrm` files, and rebuilt ones for any point it lacks.
fn copy_hgrm(source: &ResultsFolder, data: &RunData, into: &Path) -> Result<()> {
    std::fs::create_dir_all(into).with_context(|| format!("cannot create {}", into.display()))?;
    if let Ok(entries) = std::fs::read_dir(source.hgrm_dir()) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "hgrm") {
                std::fs::copy(&path, into.join(entry.file_name()))
                    .with_context(|| format!("cannot copy {}", path.display()))?;
            }
        }
    }
    hgrm::write_missing(into, &data.histograms)?;
    Ok(())
}

/// One series name per folder: the host where hosts differ, the commit where only commits do,
/// `host commit` where both do; the run id where neither does or the names would collide.
pub fn series_labels(datas: &[&RunData]) -> Vec<String> {
    let distinct = |field: fn(&RunData) -> &str| {
        datas.iter().map(|d| field(d)).collect::<BTreeSet<_>>().len() > 1
    };
    let hosts_differ = distinct(|d| &d.meta.env.host);
    let commits_differ = distinct(|d| &d.meta.env.git_commit);
    let labels: Vec<String> = datas
        .iter()
        .map(|d| match (hosts_differ, commits_differ) {
            (true, false) => d.meta.env.host.clone(),
            (false, true) => d.meta.env.git_commit.clone(),
            (true, true) => format!("{} {}", d.meta.env.host, d.meta.env.git_commit),
            (false, false) => d.meta.run_id.clone(),
        })
        .collect();
    let unique = labels.iter().collect::<BTreeSet<_>>().len() == labels.len();
    if unique {
        labels
    } else {
        datas.iter().enumerate().map(|(i, d)| format!("{} #{}", d.meta.run_id, i + 1)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::sample;
    use crate::csv_files::{HistogramWriter, SummaryWriter};
    use crate::RunMeta;

    fn write_folder(dir: &Path, host: &str) {
        let (mut summary, mut histograms) = sample();
        for row in &mut summary {
            row.host = host.to_owned();
        }
        for row in &mut histograms {
            row.host = host.to_owned();
        }
        std::fs::create_dir_all(dir).unwrap();
        SummaryWriter::create(&dir.join("summary.csv")).unwrap().append(&summary).unwrap();
        HistogramWriter::create(&dir.join("histograms.csv")).unwrap().append(&histograms).unwrap();
        let meta = crate::html::tests::meta(host);
        meta.write(&dir.join("meta.json")).unwrap();
    }

    #[test]
    fn two_hosts_become_two_series_of_one_page() {
        let root = tempfile::tempdir().unwrap();
        let (a, b, out) = (root.path().join("a"), root.path().join("b"), root.path().join("m"));
        write_folder(&a, "hostA");
        write_folder(&b, "hostB");
        merge_folders(&[a, b], &out).unwrap();

        let page = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert_eq!(page.matches("<section id=\"workload-counter\">").count(), 1);
        for label in ["spin-lock @ hostA", "spin-lock @ hostB", "parking-lot @ hostB"] {
            assert!(page.contains(label), "{label} is not on the page");
        }
        assert!(out.join("hgrm/hostA/counter-spin-lock-busy_work-0_ops-1000-t2.hgrm").is_file());
        assert!(out.join("hgrm/hostB").is_dir());
        let leftovers: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("partial"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let again = merge_folders(&[root.path().join("a")], &out).unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");
    }

    #[test]
    fn a_bad_source_leaves_nothing_behind() {
        let root = tempfile::tempdir().unwrap();
        let (a, b, out) = (root.path().join("a"), root.path().join("b"), root.path().join("m"));
        write_folder(&a, "hostA");
        write_folder(&b, "hostB");
        std::fs::write(b.join("summary.csv"), "run_id,host\nx\n").unwrap();
        let error = merge_folders(&[a.clone(), b], &out).unwrap_err().to_string();
        assert!(error.contains("malformed CSV"), "{error}");
        let missing = merge_folders(&[a, root.path().join("nope")], &out).unwrap_err();
        assert!(missing.to_string().contains("no results folder"), "{missing}");
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 2, "only a and b");
    }

    #[test]
    fn series_are_named_by_what_differs() {
        let data = |host: &str, commit: &str, run: &str| {
            let (summary, histograms) = (Vec::new(), Vec::new());
            let mut meta: RunMeta = serde_json::from_value(serde_json::json!({
                "run_id": run, "started": "", "finished": null, "host": host, "cpu_model": "",
                "logical_cpus": 1, "os": "", "arch": "", "kernel": "", "rustc": "",
                "git_commit": commit, "syncbench_version": "", "command": [], "config": {}
            }))
            .unwrap();
            meta.run_id = run.to_owned();
            RunData { meta, summary, histograms }
        };
        let labels = |datas: &[RunData]| series_labels(&datas.iter().collect::<Vec<_>>());
        assert_eq!(labels(&[data("a", "c1", "r1"), data("b", "c1", "r2")]), ["a", "b"]);
        assert_eq!(labels(&[data("a", "c1", "r1"), data("a", "c2", "r2")]), ["c1", "c2"]);
        assert_eq!(labels(&[data("a", "c1", "r1"), data("b", "c2", "r2")]), ["a c1", "b c2"]);
        assert_eq!(labels(&[data("a", "c1", "r1"), data("a", "c1", "r2")]), ["r1", "r2"]);
        assert_eq!(labels(&[data("a", "c1", "r"), data("a", "c1", "r")]), ["r #1", "r #2"]);
    }
}
