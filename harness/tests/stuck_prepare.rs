//! A user's counter whose constructor never returns, plugged into `counter` through the library
//! API: `prepare` runs on a thread the runner bounds, so the stuck point ends with a stalled row
//! that names the phase ("preparing the trial"), its thread is abandoned, and the run goes on to
//! the next point; the run's exit code is 1 at the end (a finding). Its twin, the same counter
//! with a constructor that returns, passes.

use std::process::ExitCode;

use primitives::counters::AtomicCounter;
use reports::record::Outcome;
use reports::SummaryRow;
use workloads::counter::CounterWorkload;
use workloads::{ImplKind, Registry};

mod support;
use support::run_registry;

/// The user's counter, whose constructor waits for good when `stuck`.
fn registry(stuck: bool) -> Registry {
    let counter = CounterWorkload::standard().with_factory(
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

/// Two points (threads 1 and 2), the user's counter after the atomic one in each.
const ARGS: &[&str] = &[
    "counter",
    "--impls",
    "atomic-counter,user-counter",
    "--threads",
    "1,2",
    "--repeats",
    "1",
    "--duration",
    "50ms",
    "--warmup",
    "10ms",
    "--watchdog",
    "100ms",
];

fn point(row: &SummaryRow) -> (&str, usize) {
    (row.implementation.as_str(), row.threads)
}

#[test]
fn a_stuck_constructor_ends_its_point_not_the_run() {
    let (code, rows) = run_registry(&registry(true), ARGS);
    assert_eq!(code, ExitCode::from(1), "{rows:#?}");
    let points: Vec<_> = rows.iter().map(point).collect();
    assert_eq!(
        points,
        [("atomic-counter", 1), ("user-counter", 1), ("atomic-counter", 2), ("user-counter", 2)],
        "every point has its row: the one after a stuck prepare was measured"
    );
    for row in &rows {
        if row.implementation == "user-counter" {
            assert_eq!(row.invariant.outcome, Outcome::Stalled, "{row:?}");
            let detail = &row.invariant.detail;
            assert!(detail.contains("preparing the trial"), "{detail}");
            assert!(
                detail.contains("did not return within 2s 240ms"),
                "(10 + 50 ms) x 4 + 20 x 100 ms: {detail}"
            );
            assert_eq!(row.ops, 0);
        } else {
            assert_eq!(row.invariant.outcome, Outcome::Held, "{row:?}");
            assert!(row.ops > 0);
        }
    }
}

#[test]
fn the_same_counter_with_a_constructor_that_returns_passes() {
    let (code, rows) = run_registry(&registry(false), ARGS);
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| !r.invariant.outcome.is_finding()), "{rows:?}");
}
