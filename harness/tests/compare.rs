//! `syncbench compare` driven as a user (or a CI gate) would: hand-written results folders in a
//! temporary directory, the table on stdout, and the exit code.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use reports::csv_files::SummaryWriter;
use reports::SummaryRow;

fn syncbench() -> Command {
    Command::cargo_bin("syncbench").unwrap()
}

fn row(implementation: &str, threads: usize, repeat: usize, throughput: f64) -> SummaryRow {
    SummaryRow {
        run_id: "run".into(),
        timestamp: "2026-11-23T00:00:00Z".into(),
        host: "host-1".into(),
        cpu_model: "cpu".into(),
        logical_cpus: 2,
        rustc: "rustc 1.95".into(),
        git_commit: "abc1234".into(),
        workload: "counter".into(),
        implementation: implementation.into(),
        impl_kind: "library".into(),
        params: "depth=1;inside_ns=0".into(),
        threads,
        repeat,
        duration_s: 0.1,
        ops: (throughput * 0.1) as u64,
        throughput_ops_s: throughput,
        mean_ns: 20.0,
        p50_ns: 20.0,
        p90_ns: 25.0,
        p99_ns: 30.0 + (repeat % 3) as f64,
        p999_ns: 40.0,
        max_ns: 90.0,
        fairness: 1.0,
        min_share: 0.5,
        max_share: 0.5,
        timing: "batch-mean(100)".into(),
        extras: String::new(),
        invariant: reports::Invariant::parse("ok: count").unwrap(),
        latency_samples: 0,
        stall_bounds: 0,
        ..SummaryRow::default()
    }
}

/// A results folder `name` with 10 repeats of std-mutex and spin-lock at 1 and 2 threads; the
/// spin lock at 2 threads runs at `spin_2_threads` ops/s (± 2%).
fn folder(dir: &Path, name: &str, spin_2_threads: f64) -> PathBuf {
    let root = dir.join(name);
    std::fs::create_dir(&root).unwrap();
    let mut rows = Vec::new();
    for (implementation, threads, centre) in [
        ("std-mutex", 1, 90e6),
        ("std-mutex", 2, 35e6),
        ("spin-lock", 1, 180e6),
        ("spin-lock", 2, spin_2_threads),
    ] {
        for repeat in 1..=10 {
            let wobble = 0.98 + 0.04 * ((repeat * 7) % 10) as f64 / 9.0;
            rows.push(row(implementation, threads, repeat, centre * wobble));
        }
    }
    SummaryWriter::create(&root.join("summary.csv")).unwrap().append(&rows).unwrap();
    root
}

fn bad_input(baseline: &Path, current: &Path, needle: &str) {
    let assert = syncbench().arg("compare").arg(baseline).arg(current).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.contains(needle), "{stderr}");
}

#[test]
fn identical_runs_print_the_table_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = folder(dir.path(), "base", 100e6);
    let current = folder(dir.path(), "head", 100e6);
    syncbench()
        .arg("compare")
        .arg(&baseline)
        .arg(current.join("summary.csv"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("counter: throughput")
                .and(predicate::str::contains("counter: p99 latency"))
                .and(predicate::str::contains("spin-lock"))
                .and(predicate::str::contains(
                    "throughput: 0 slower, 0 faster, 4 unchanged, 0 noise",
                )),
        );
}

#[test]
fn a_regression_exits_1_and_names_itself() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = folder(dir.path(), "base", 100e6);
    let current = folder(dir.path(), "head", 80e6);
    syncbench()
        .args(["compare"])
        .arg(&baseline)
        .arg(&current)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("slower").and(predicate::str::contains("-20.")))
        .stderr(predicate::str::contains(
            "1 significant regression(s) beyond 5%: counter/spin-lock/2 threads throughput",
        ));
    // A threshold above the change lets it pass; markdown for a PR comment says the same.
    syncbench()
        .arg("compare")
        .arg(&baseline)
        .arg(&current)
        .args(["--threshold", "25"])
        .assert()
        .success();
    syncbench()
        .arg("compare")
        .arg(&baseline)
        .arg(&current)
        .arg("--markdown")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("| **slower** |"));
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = folder(dir.path(), "base", 100e6);
    bad_input(&baseline, &dir.path().join("missing"), "does not exist");

    let malformed = dir.path().join("malformed.csv");
    std::fs::write(&malformed, "run_id,workload,impl\nr,counter\n").unwrap();
    bad_input(&baseline, &malformed, "malformed CSV");

    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let rows: Vec<SummaryRow> = (1..=5).map(|r| row("ticket-lock", 8, r, 1e6)).collect();
    SummaryWriter::create(&other.join("summary.csv")).unwrap().append(&rows).unwrap();
    bad_input(&baseline, &other, "no (workload, impl, params, threads) point is in both");

    for (flag, value) in [("--threshold", "-3"), ("--alpha", "2")] {
        let assert = syncbench()
            .arg("compare")
            .arg(&baseline)
            .arg(&baseline)
            .args([flag, value])
            .assert()
            .code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(&format!("invalid {flag} '{value}'")), "{stderr}");
    }
}

#[test]
fn skip_disturbed_leaves_out_flagged_repeats_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = folder(dir.path(), "base", 100e6);
    // The current side: the same, plus 10 slow spin-lock repeats measured beside a busy process.
    let current = folder(dir.path(), "head", 100e6);
    let csv = current.join("summary.csv");
    let mut rows: Vec<SummaryRow> = reports::csv_files::read_rows(&csv).unwrap();
    for repeat in 11..=20 {
        let mut slow = row("spin-lock", 2, repeat, 60e6);
        slow.other_cpu_share = Some(0.9);
        slow.disturbed = "other processes 90% of a CPU".into();
        rows.push(slow);
    }
    SummaryWriter::create(&csv).unwrap().append(&rows).unwrap();

    syncbench().arg("compare").arg(&baseline).arg(&current).assert().stdout(
        predicate::str::contains(
            "note: 0 baseline and 10 current repeats ran on a disturbed machine",
        ),
    );
    syncbench()
        .args(["compare", "--skip-disturbed"])
        .arg(&baseline)
        .arg(&current)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("--skip-disturbed: left out 0 baseline and 10 current")
                .and(predicate::str::contains("4 unchanged")),
        );
}
