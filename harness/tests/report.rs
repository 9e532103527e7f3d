//! `syncbench report` on the real binary: the page of a run, `.hgrm` files, and merging folders.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn syncbench() -> Command {
    Command::cargo_bin("syncbench").unwrap()
}

/// A short run of two counter implementations at 1 and 2 threads into `out`.
fn small_run(out: &Path) {
    syncbench()
        .args(["run", "counter", "--impls", "spin-lock,std-mutex", "--threads", "1,2"])
        .args(["--repeats", "1", "--duration", "10ms", "--warmup", "2ms", "--out"])
        .arg(out)
        .assert()
        .success();
}

/// Copies a results folder, renaming its host everywhere, as if another machine had run it.
fn copy_as_host(from: &Path, to: &Path, host: &str) {
    std::fs::create_dir_all(to).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(from.join("meta.json")).unwrap()).unwrap();
    let old = meta["host"].as_str().unwrap().to_owned();
    for file in ["summary.csv", "histograms.csv", "meta.json"] {
        let text = std::fs::read_to_string(from.join(file)).unwrap();
        let edited = match file {
            "meta.json" => {
                text.replace(&format!("\"host\": \"{old}\""), &format!("\"host\": \"{host}\""))
            }
            "histograms.csv" => text.replace(&format!("\n{old},"), &format!("\n{host},")),
            _ => text.replace(&format!(",{old},"), &format!(",{host},")),
        };
        assert_ne!(text, edited, "{file} names the host");
        std::fs::write(to.join(file), edited).unwrap();
    }
}

#[test]
fn a_run_leaves_a_page_with_every_section_and_exact_hgrm_files() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    small_run(&run);

    let page = std::fs::read_to_string(run.join("report.html")).unwrap();
    let section = &page[page.find("<section id=\"workload-counter\">").unwrap()..];
    for heading in ["Throughput vs threads", "Latency histograms", "Percentile distribution"] {
        assert!(section.contains(&format!("<h4>{heading}</h4>")), "{heading}");
    }
    assert!(section.contains("Invariant: "), "the workload's invariant is quoted");
    assert!(section.contains("Held in all 4 runs."));
    // Self-contained: nothing to fetch (the SVGs' xmlns names a namespace, fetches nothing).
    for fetch in ["src=\"http", "href=\"http", "url(", "@import", "<script", "<link", "<img"] {
        assert!(!page.contains(fetch), "{fetch}");
    }

    for implementation in ["spin-lock", "std-mutex"] {
        for threads in [1, 2] {
            let name = format!(
                "counter-{implementation}-depth-1_inside_ns-0_outside_ns-0-t{threads}.hgrm"
            );
            let text = std::fs::read_to_string(run.join("hgrm").join(&name)).unwrap();
            let rows = reports::hgrm::parse(&text).unwrap();
            assert_eq!(rows.last().unwrap().quantile, 1.0, "{name}");
            assert!(text.contains("#[Buckets = "), "{name}");
        }
    }
}

#[test]
fn two_hosts_merge_into_one_page_with_both_series() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, merged) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("merged"));
    small_run(&a);
    copy_as_host(&a, &b, "hostB");

    syncbench()
        .arg("report")
        .args([&a, &b])
        .arg("--out")
        .arg(&merged)
        .assert()
        .success()
        .stdout(predicate::str::contains("report.html"));
    let page = std::fs::read_to_string(merged.join("report.html")).unwrap();
    assert_eq!(page.matches("<section id=\"workload-counter\">").count(), 1);
    for implementation in ["spin-lock", "std-mutex"] {
        assert!(page.contains(&format!("{implementation} @ hostB")), "{implementation} @ hostB");
    }
    // b has no hgrm/ of its own: its files are rebuilt from histograms.csv.
    assert!(merged
        .join("hgrm/hostB/counter-spin-lock-depth-1_inside_ns-0_outside_ns-0-t2.hgrm")
        .is_file());
    assert!(!b.join("report.html").exists(), "the sources are only read");
}

#[test]
fn bad_folders_are_bad_input_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (a, merged) = (dir.path().join("a"), dir.path().join("merged"));
    small_run(&a);

    syncbench()
        .arg("report")
        .arg(&a)
        .arg(dir.path().join("missing"))
        .arg("--out")
        .arg(&merged)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no results folder")
                .and(predicate::str::is_match("^[^\n]*\n$").unwrap()),
        );
    assert!(!merged.exists());

    let bad = dir.path().join("bad");
    copy_as_host(&a, &bad, "hostB");
    std::fs::write(bad.join("summary.csv"), "run_id,host\n1\n").unwrap();
    syncbench()
        .arg("report")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("malformed CSV"));
    assert!(!bad.join("report.html").exists() && !bad.join("charts").exists());
    assert!(!bad.join("hgrm").exists());
}
