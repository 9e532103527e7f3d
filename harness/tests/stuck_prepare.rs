//! A user's counter whose constructor never returns, plugged into `counter` through the library
//! API: `syncbench run` cannot bound a call on its coordinating thread, so the point's last-resort
//! deadline ends the run with one line that names the point and its step (exit 1), and the row
//! finished before it stays readable. The run executes in a child process of this test binary,
//! since the deadline ends the process. Its twin, the same counter with a constructor that
//! returns, passes.

use std::process::{Command, ExitCode};

use primitives::counters::AtomicCounter;
use reports::csv_files::read_rows;
use reports::SummaryRow;
use workloads::counter::CounterWorkload;
use workloads::{ImplKind, Registry};

mod support;
use support::run_registry;

/// Where the child writes its results; set only for the child.
const CHILD_OUT: &str = "SYNCBENCH_STUCK_PREPARE_OUT";

/// The user's counter, whose constructor waits for good when `stuck`.
fn registry(stuck: bool) -> Registry {
    let counter = CounterWorkload::standard().with(
        "user-counter",
        ImplKind::User,
        "an atomic counter behind a user's constructor",
        move |_| {
            if stuck {
                loop {
                    std::thread::park();
                }
            }
            AtomicCounter::default()
        },
    );
    Registry::standard().with(counter)
}

const ARGS: &[&str] = &[
    "counter",
    "--impls",
    "atomic-counter,user-counter",
    "--threads",
    "1",
    "--repeats",
    "1",
    "--duration",
    "50ms",
    "--warmup",
    "10ms",
    "--watchdog",
    "100ms",
];

/// The run itself, in the child process the test below starts.
#[test]
#[ignore = "ends its process; run by a_stuck_constructor_ends_the_run_with_a_message_naming_it"]
fn child_run_with_a_stuck_constructor() {
    let Some(out) = std::env::var_os(CHILD_OUT) else { return };
    let mut argv: Vec<std::ffi::OsString> = ["syncbench", "run"].iter().map(Into::into).collect();
    argv.extend(ARGS.iter().map(Into::into));
    argv.extend(["--out".into(), out]);
    let _ = harness::app::run_with_registry(&registry(true), argv);
    panic!("the run returned");
}

#[test]
fn a_stuck_constructor_ends_the_run_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["child_run_with_a_stuck_constructor", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_OUT, &out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let line = stderr.lines().find(|l| l.starts_with("syncbench: stuck: ")).unwrap_or_else(|| {
        panic!("no stuck line:\n{stderr}");
    });
    assert!(line.contains("counter user-counter threads=1"), "{line}");
    assert!(line.contains("(while preparing the trial)"), "{line}");
    assert!(
        line.contains("did not finish within 2s 240ms"),
        "(10 + 50 ms) x 4 + 20 x 100 ms: {line}"
    );
    let rows: Vec<SummaryRow> = read_rows(&out.join("summary.csv")).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.implementation.as_str()).collect();
    assert_eq!(names, ["atomic-counter"], "the row finished before the stuck point");
}

#[test]
fn the_same_counter_with_a_constructor_that_returns_passes() {
    let (code, rows) = run_registry(&registry(false), ARGS);
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| !r.invariant.outcome.is_finding()), "{rows:?}");
}
