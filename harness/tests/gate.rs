//! `syncbench gate` driven as `scripts/ci-gate.sh` drives it: both sides served by this build,
//! the paired rows on disk, the verdict again from `compare --looks`, and bad input refused.
//! Whether the gate catches a real slowdown is measured, not asserted: `scripts/validate-gate.sh`.

use assert_cmd::Command;
use predicates::prelude::*;
use reports::csv_files::read_rows;
use reports::SummaryRow;

fn syncbench() -> Command {
    Command::cargo_bin("syncbench").unwrap()
}

fn binary() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("syncbench")
}

const POINTS: [&str; 8] =
    ["counter", "--impls", "atomic-counter", "--threads", "1,2", "--duration", "5ms", "--warmup"];

#[test]
fn a_paired_run_writes_both_sides_pair_by_pair_and_compare_repeats_its_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gate");
    let output = syncbench()
        .arg("gate")
        .arg("--base")
        .arg(binary())
        .arg("--out")
        .arg(&out)
        .args(["--budget", "1s", "--"])
        .args(POINTS)
        .arg("1ms")
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    assert!(stderr.contains("gate: 2 points, pair by pair"), "{stderr}");

    let base: Vec<SummaryRow> = read_rows(&out.join("base/summary.csv")).unwrap();
    let head: Vec<SummaryRow> = read_rows(&out.join("head/summary.csv")).unwrap();
    assert_eq!(base.len(), head.len());
    // Every point takes at least its first look's pairs, numbered 1, 2, ... on both sides.
    assert!(base.len() >= 2 * 10, "{} rows", base.len());
    for (b, h) in base.iter().zip(&head) {
        assert_eq!((b.pair, b.threads, &b.implementation), (h.pair, h.threads, &h.implementation));
        assert!(b.pair.is_some());
    }
    let text = std::fs::read_to_string(out.join("comparison.txt")).unwrap();
    assert!(text.contains("points compared pair by pair"), "{text}");
    assert!(text.contains("whole curves"), "{text}");
    assert!(out.join("comparison.md").is_file());

    // The same rows, compared again with the gate's looks, give the same table.
    let again = syncbench()
        .arg("compare")
        .arg(out.join("base"))
        .arg(out.join("head"))
        .args(["--threshold", "3", "--looks", "9"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(code));
    assert_eq!(String::from_utf8_lossy(&again.stdout), text);
}

#[test]
fn a_base_that_cannot_serve_is_bad_input_named_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // A binary from before `syncbench gate`: it rejects `__serve` at once.
    let old = dir.path().join("old-syncbench");
    std::fs::write(&old, "#!/bin/sh\necho \"error: unrecognized subcommand '$1'\" >&2\nexit 2\n")
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    syncbench()
        .arg("gate")
        .arg("--base")
        .arg(&old)
        .arg("--out")
        .arg(dir.path().join("gate"))
        .arg("--")
        .args(POINTS)
        .arg("1ms")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot take part in a paired run"));
    assert!(!dir.path().join("gate").exists(), "a gate that could not start leaves nothing");
}

#[test]
fn bad_gate_input_exits_2_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    let gate = |extra: &[&str], run: &[&str]| {
        let mut command = syncbench();
        command.arg("gate").arg("--base").arg(binary()).arg("--out").arg(dir.path().join("g"));
        command.args(extra).arg("--").args(run);
        command.assert().code(2)
    };
    gate(&[], &["counter", "--repeats", "3"]).stderr(predicate::str::contains("--repeats"));
    gate(&[], &["no-such-workload"]).stderr(predicate::str::contains("unknown workload"));
    gate(&["--budget", "soon"], &["counter"]).stderr(predicate::str::contains("--budget"));
    gate(&["--threshold", "200"], &["counter"]).stderr(predicate::str::contains("--threshold"));
    syncbench()
        .args(["gate", "--base", "/no/such/binary", "--out"])
        .arg(dir.path().join("g"))
        .args(["--", "counter"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
    assert!(!dir.path().join("g").exists(), "nothing is written for bad input");
}
