//! `syncbench stress` and the watchdog as a user meets them: the real binary on bad input, on the
//! bank workload (whose naive lock order must deadlock and be reported), and a deadlock in an
//! implementation that should be correct, which is a finding.

use std::process::ExitCode;
use std::sync::Mutex;

use assert_cmd::Command;
use predicates::prelude::*;
use reports::csv_files::read_rows;
use reports::SummaryRow;
use workloads::params::ParamSpec;
use workloads::{Check, ImplInfo, ImplKind, Registry, Trial, TrialSetup, Worker, Workload};

fn syncbench() -> Command {
    Command::cargo_bin("syncbench").unwrap()
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for (args, needle) in [
        (&["stress", "nosuch"][..], "unknown workload 'nosuch'"),
        (&["stress", "bank", "--duration", "xyz"], "invalid --duration 'xyz'"),
        (&["stress", "bank", "--watchdog", "0s"], "must be longer than zero"),
        (&["stress", "bank", "--seed", "x"], "invalid --seed 'x'"),
        (&["stress", "bank", "--chaos"], "rebuild with --features chaos"),
        (&["stress", "bank", "--impls", "spin-lock"], "unknown implementation 'spin-lock'"),
        (&["run", "bank", "--watchdog", "soon"], "invalid --watchdog 'soon'"),
        (
            &["run", "buffer", "--set", "capacity=16,0"],
            "parameter 'capacity' must be a whole number from 1 to 1048576, not '0'",
        ),
        (&["run", "map", "--set", "mix=custom"], "the shares must add up to 100, not 0"),
    ] {
        let assert = syncbench().args(args).assert().code(2).stdout("");
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn stressing_the_bank_demonstrates_the_deadlock_and_the_lost_update() {
    syncbench()
        .args(["stress", "bank", "--duration", "2s", "--seed", "1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("naive-order                  demonstrated deadlock: ")
                .and(predicate::str::contains("wait-for cycle: thread "))
                .and(predicate::str::contains(
                    "lost-update                  demonstrated lost update",
                ))
                .and(predicate::str::contains("ordered                      held "))
                // Each trial's draw, listed under its verdict.
                .and(
                    predicate::str::is_match(
                        r"\n      threads=\d+ accounts=\d+;audit_every=\d+;hold_ns=\d+\n",
                    )
                    .unwrap(),
                )
                .and(predicate::str::contains("every demonstration showed its hazard")),
        );
}

/// With `--impls`, only the named implementations run, and one named implementation gets its
/// workload's whole share: several trials where it would otherwise get a quarter of the time.
#[test]
fn stress_impls_gives_the_named_implementation_the_whole_duration() {
    let assert = syncbench()
        .args([
            "stress",
            "bank",
            "counter",
            "--impls",
            "ordered",
            "--duration",
            "1s",
            "--seed",
            "3",
        ])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("stress: 1 workload(s)"), "counter has no 'ordered': {stdout}");
    let verdicts: Vec<&str> = stdout.lines().filter(|l| l.contains(" trials, ")).collect();
    assert_eq!(verdicts.len(), 1, "only 'ordered' runs: {stdout}");
    let trials: usize = verdicts[0]
        .split_whitespace()
        .skip_while(|word| *word != "held")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a trial count");
    assert!(trials >= 3, "a 1 s share makes at least 3 trials of at most 333 ms: {stdout}");
}

#[test]
fn run_records_a_demonstrated_deadlock_as_expected_and_skips_its_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    syncbench()
        .args(["run", "philosophers", "--impls", "left-first,asymmetric", "--threads", "1,3"])
        // A fixed count: the deadlock comes long before 3 threads eat 100 000 meals each.
        .args(["--repeats", "3", "--ops", "100000", "--set", "think_ns=0"])
        .args(["--warmup", "5ms", "--watchdog", "200ms"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let rows: Vec<SummaryRow> = read_rows(&out.join("summary.csv")).unwrap();
    let left_first_3: Vec<&SummaryRow> =
        rows.iter().filter(|r| r.implementation == "left-first" && r.threads == 3).collect();
    assert_eq!(left_first_3.len(), 1, "the repeats after the deadlock are skipped");
    assert!(
        left_first_3[0].invariant.to_string().starts_with(
            "expected-violation: deadlock: no operation completed for 2" // 200ms and a bit
        ),
        "{}",
        left_first_3[0].invariant
    );
    assert!(left_first_3[0]
        .invariant
        .to_string()
        .contains("every philosopher holds its left fork"));
    let alone = rows.iter().filter(|r| r.implementation == "left-first" && r.threads == 1);
    assert_eq!(alone.count(), 3, "one philosopher cannot deadlock: every repeat runs");
    assert!(rows
        .iter()
        .filter(|r| r.implementation == "asymmetric")
        .all(|r| r.invariant.to_string().starts_with("ok: ")));
    assert!(std::fs::read_to_string(out.join("report.html"))
        .unwrap()
        .contains("id=\"workload-philosophers\""));
}

/// A workload whose one implementation, which claims to be correct, takes two locks in an order
/// that depends on the thread: a deadlock that must be a finding.
struct OppositeOrder;

struct TwoLocks([Mutex<u64>; 2]);

struct Taker<'a>(&'a TwoLocks, usize);

impl Worker for Taker<'_> {
    fn run(&mut self, n: u64) -> u64 {
        let [a, b] = &self.0 .0;
        let (first, second) = if self.1 == 0 { (a, b) } else { (b, a) };
        for _ in 0..n {
            let _first = first.lock().unwrap();
            std::thread::yield_now();
            *second.lock().unwrap() += 1;
        }
        n
    }
}

impl Trial for TwoLocks {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(Taker(self, index))
    }
    fn check(&self, _ops: u64) -> Check {
        Check::Held("fine".into())
    }
}

impl Workload for OppositeOrder {
    fn name(&self) -> &str {
        "opposite"
    }
    fn about(&self) -> &str {
        "two locks, opposite orders"
    }
    fn invariant(&self) -> &str {
        "none"
    }
    fn params(&self) -> &[ParamSpec] {
        &[]
    }
    fn implementations(&self) -> Vec<ImplInfo> {
        vec![ImplInfo::new("claims-correct", ImplKind::User, "")]
    }
    fn prepare(&self, _implementation: &str, _setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        Some(Box::new(TwoLocks([Mutex::new(0), Mutex::new(0)])))
    }
}

#[test]
fn a_deadlock_in_an_implementation_meant_to_be_correct_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let registry = Registry::empty().with(OppositeOrder);
    let args = ["syncbench", "run", "--threads", "2", "--repeats", "1", "--duration", "300ms"];
    let args = args.iter().map(Into::into).chain(["--watchdog".into(), "200ms".into()]);
    let args = args.chain(["--out".into(), out.clone().into_os_string()]);
    assert_eq!(harness::app::run_with_registry(&registry, args), ExitCode::from(1));
    let rows: Vec<SummaryRow> = read_rows(&out.join("summary.csv")).unwrap();
    assert_eq!(rows[0].invariant.outcome, reports::Outcome::Stalled, "read back as a stall");
    assert!(
        rows[0].invariant.to_string().starts_with("violated: deadlock: "),
        "{}",
        rows[0].invariant
    );
    let stress =
        ["syncbench", "stress", "--duration", "300ms", "--watchdog", "200ms", "--seed", "2"];
    assert_eq!(
        harness::app::run_with_registry(&registry, stress.iter().map(Into::into)),
        ExitCode::from(1),
        "stress finds it too (seed 2 draws 2 threads or more in a trial)"
    );
}
