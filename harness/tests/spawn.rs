//! The spawn workload's processes through the real binary: `syncbench __child` echoes, and a run
//! of the spawn workload re-executes the binary and gets every item back.

use assert_cmd::Command;
use predicates::prelude::*;
use reports::csv_files::read_rows;
use reports::{Outcome, SummaryRow};

fn syncbench() -> Command {
    Command::cargo_bin("syncbench").unwrap()
}

#[test]
fn the_hidden_child_echoes_its_input_and_is_not_listed() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    syncbench().arg("__child").write_stdin(bytes.clone()).assert().success().stdout(bytes);
    syncbench().arg("--help").assert().success().stdout(predicate::str::contains("__child").not());
}

#[test]
fn list_shows_the_process_implementations() {
    syncbench().arg("list").assert().success().stdout(
        predicate::str::contains("process-spawn")
            .and(predicate::str::contains("process-pipe"))
            .and(predicate::str::contains("untagged-arena-stack"))
            .and(predicate::str::contains("cas-counter")),
    );
}

#[test]
fn a_spawn_run_gets_every_item_back_from_every_implementation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    syncbench()
        .args(["run", "spawn", "--threads", "1", "--duration", "20ms", "--repeats", "1"])
        .args(["--warmup", "5ms", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows: Vec<SummaryRow> = read_rows(&out.join("summary.csv")).unwrap();
    let impls: Vec<&str> = rows.iter().map(|row| row.implementation.as_str()).collect();
    assert_eq!(
        impls,
        ["thread-spawn", "pool-task", "thread-channel", "process-spawn", "process-pipe"]
    );
    for row in &rows {
        assert_eq!(row.invariant.outcome, Outcome::Held, "{row:?}");
        assert!(row.ops > 0 && row.throughput_ops_s > 0.0, "{row:?}");
    }
}
