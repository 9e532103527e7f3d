//! Drives the real `syncbench` binary as a user would.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use reports::csv_files::read_rows;
use reports::{HistogramRow, RunMeta, SummaryRow};
use workloads::Workload;

fn syncbench() -> Command {
    Command::cargo_bin("syncbench").unwrap()
}

const CONTRACT_COLUMNS: &[&str] = &[
    "run_id",
    "timestamp",
    "host",
    "cpu_model",
    "logical_cpus",
    "rustc",
    "git_commit",
    "workload",
    "impl",
    "params",
    "threads",
    "repeat",
    "duration_s",
    "ops",
    "throughput_ops_s",
    "mean_ns",
    "p50_ns",
    "p90_ns",
    "p99_ns",
    "p999_ns",
    "max_ns",
    "fairness",
    "invariant",
];

#[test]
fn list_names_every_counter_implementation() {
    syncbench().arg("list").assert().success().stdout(
        predicate::str::contains("counter")
            .and(predicate::str::contains("spin-lock"))
            .and(predicate::str::contains("ticket-lock"))
            .and(predicate::str::contains("racy-counter"))
            .and(predicate::str::contains("inside_ns")),
    );
}

#[test]
fn list_names_prints_exactly_the_registered_workloads() {
    let expected: String =
        workloads::Registry::standard().names().iter().map(|name| format!("{name}\n")).collect();
    syncbench().args(["list", "--names"]).assert().success().stdout(expected);
}

/// A short run over 1, 2 and 4 threads: every file of the contract, every column filled, exact
/// counts for every correct implementation, lost updates reported for the racy one.
#[test]
fn run_writes_the_whole_results_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    syncbench()
        .args(["run", "counter", "--threads", "1,2,4", "--repeats", "2", "--duration", "20ms"])
        .args(["--warmup", "5ms", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("Mops/s"));

    let header = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let columns: Vec<&str> = header.lines().next().unwrap().split(',').collect();
    for column in CONTRACT_COLUMNS {
        assert!(columns.contains(column), "summary.csv lacks column {column}");
    }

    let rows: Vec<SummaryRow> = read_rows(&out.join("summary.csv")).unwrap();
    let impls = workloads::counter::CounterWorkload::standard().implementations().len();
    assert_eq!(rows.len(), impls * 3 * 2, "one row per (impl, threads, repeat)");
    for row in &rows {
        assert!(row.ops > 0 && row.throughput_ops_s > 0.0 && row.duration_s > 0.0, "{row:?}");
        assert!(
            row.p50_ns > 0.0 && row.p99_ns >= row.p50_ns && row.max_ns >= row.p99_ns,
            "{row:?}"
        );
        assert!(row.fairness > 0.0 && row.fairness <= 1.0 + 1e-9, "{row:?}");
        for text in
            [&row.run_id, &row.timestamp, &row.host, &row.rustc, &row.git_commit, &row.params]
        {
            assert!(!text.is_empty(), "{row:?}");
        }
        assert_eq!((row.cores, row.cpu_list.as_str(), row.pin.as_str()), (0, "", ""), "{row:?}");
        if row.implementation == "racy-counter" {
            assert!(!row.invariant.to_string().starts_with("violated"), "{row:?}");
        } else {
            assert!(row.invariant.to_string().starts_with("ok: count"), "{row:?}");
        }
    }

    let histograms: Vec<HistogramRow> = read_rows(&out.join("histograms.csv")).unwrap();
    for threads in [1, 2, 4] {
        assert!(histograms.iter().any(|h| h.threads == threads && h.implementation == "spin-lock"));
    }
    let meta = RunMeta::read(&out.join("meta.json")).unwrap();
    assert!(meta.finished.is_some());
    for chart in
        ["counter-throughput", "counter-latency-t1", "counter-latency-t2", "counter-latency-t4"]
    {
        for ext in ["svg", "png"] {
            let path = out.join("charts").join(format!("{chart}.{ext}"));
            assert!(
                path.metadata().map(|m| m.len() > 0).unwrap_or(false),
                "missing {}",
                path.display()
            );
        }
    }
    assert!(std::fs::read_to_string(out.join("report.html")).unwrap().contains("counter"));

    // The folder can be redrawn, and is not overwritten by a second run.
    syncbench().arg("report").arg(&out).assert().success();
    syncbench().args(["run", "counter", "--out"]).arg(&out).assert().code(2);
}

#[test]
fn the_racy_counter_loses_updates_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("racy");
    syncbench()
        .args(["run", "counter", "--impls", "racy-counter", "--threads", "4", "--repeats", "3"])
        .args(["--ops", "200000", "--warmup", "0s", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows: Vec<SummaryRow> = read_rows(&out.join("summary.csv")).unwrap();
    assert!(
        rows.iter().any(|r| r.invariant.to_string().starts_with("expected-violation: lost")),
        "no lost update in 3 runs of 4 threads x 200000: {rows:?}"
    );
}

fn assert_bad_input(args: &[&str], needle: &str, out: &Path) {
    let assert = syncbench().args(args).arg("--out").arg(out).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.contains(needle), "{stderr}");
    assert!(!out.exists(), "bad input left {} behind", out.display());
}

#[test]
fn bad_input_exits_2_with_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    assert_bad_input(&["run", "nosuch"], "unknown workload 'nosuch'", &out);
    assert_bad_input(&["run", "--threads", "0"], "--threads", &out);
    assert_bad_input(&["run", "--duration", "xyz"], "--duration 'xyz'", &out);
    assert_bad_input(&["run", "--impls", "nope"], "unknown implementation 'nope'", &out);

    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let unwritable = file.join("sub");
    let assert = syncbench()
        .args(["run", "counter", "--threads", "1", "--duration", "1ms", "--out"])
        .arg(&unwritable)
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot use output folder"), "{stderr}");
}

/// `--cores 1,2 --quick`: rows for both core counts, 1x, 2x and 4x threads each, with the core
/// count and the CPU list filled, and a latency chart per (core count, threads).
#[test]
fn cores_sweep_threads_per_core_count_and_record_the_cpus() {
    let allowed = harness::affinity::allowed_cpus();
    if !harness::affinity::SUPPORTED || allowed.len() < 2 {
        eprintln!("needs CPU affinity and 2 CPUs (have {allowed:?}): skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cores");
    syncbench()
        .args(["run", "counter", "--impls", "atomic-counter,std-mutex", "--cores", "1,2"])
        .args(["--quick", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("4 on 1c").and(predicate::str::contains("8 on 2c")));

    let rows: Vec<SummaryRow> = read_rows(&out.join("summary.csv")).unwrap();
    let points: std::collections::BTreeSet<(usize, usize, String)> =
        rows.iter().map(|r| (r.cores, r.threads, r.cpu_list.clone())).collect();
    let places = harness::topology::detect().cpus;
    let cpus = |n: usize| {
        let pin = harness::affinity::Pin::None;
        harness::affinity::Placement::new(&places, &allowed, n, pin).cpu_list(n)
    };
    let expected: std::collections::BTreeSet<(usize, usize, String)> = [
        (1, 1, cpus(1)),
        (1, 2, cpus(1)),
        (1, 4, cpus(1)),
        (2, 2, cpus(2)),
        (2, 4, cpus(2)),
        (2, 8, cpus(2)),
    ]
    .into_iter()
    .collect();
    assert_eq!(points, expected);
    assert_eq!(rows.len(), 2 * 6 * 2, "2 impls x 6 (cores, threads) x 2 repeats");
    for row in &rows {
        assert!(row.other_cpu_share.is_some() && row.involuntary_switches.is_some(), "{row:?}");
        assert!(row.pin.is_empty(), "{row:?}");
    }
    let histograms: Vec<HistogramRow> = read_rows(&out.join("histograms.csv")).unwrap();
    assert!(histograms.iter().any(|h| h.cores == 1) && histograms.iter().any(|h| h.cores == 2));
    for (cores, threads) in [(1, 1), (1, 2), (1, 4), (2, 2), (2, 4), (2, 8)] {
        let chart = out.join("charts").join(format!("counter-latency-c{cores}-t{threads}.svg"));
        assert!(chart.is_file(), "missing {}", chart.display());
    }
    let meta = RunMeta::read(&out.join("meta.json")).unwrap();
    let topology = meta.topology.expect("topology in meta.json");
    assert_eq!(topology.cpus_allowed_count, allowed.len());
    assert_eq!(meta.config["cores"][1]["threads"], serde_json::json!([2, 4, 8]));
}

#[test]
fn pinned_rows_name_the_pinning_and_the_cpus() {
    if !harness::affinity::SUPPORTED {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pinned");
    syncbench()
        .args(["run", "counter", "--impls", "atomic-counter", "--threads", "1", "--pin", "spread"])
        .args(["--repeats", "1", "--duration", "20ms", "--warmup", "5ms", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows: Vec<SummaryRow> = read_rows(&out.join("summary.csv")).unwrap();
    let first = harness::affinity::allowed_cpus()[0].to_string();
    assert_eq!((rows[0].cores, rows[0].pin.as_str()), (0, "spread"));
    assert_eq!(rows[0].cpu_list, first);
}

#[test]
fn bad_cores_and_pin_exit_2_with_one_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let too_many = (harness::affinity::allowed_cpus().len() + 1).to_string();
    assert_bad_input(&["run", "counter", "--cores", "0"], "core counts must be at least 1", &out);
    assert_bad_input(&["run", "counter", "--cores", &too_many], "CPU(s) only", &out);
    assert_bad_input(&["run", "counter", "--cores", "two"], "invalid --cores 'two'", &out);
    assert_bad_input(
        &["run", "counter", "--pin", "tight"],
        "expected none, compact or spread",
        &out,
    );
}

#[test]
fn report_of_a_missing_folder_is_bad_input() {
    syncbench().args(["report", "/nonexistent/syncbench"]).assert().code(2);
}
