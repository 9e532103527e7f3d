//! The naive form of every hazard workload, run through the real runner under its watchdog: each
//! deadlock and the livelock is detected (never a hang), told apart, and explained. Stuck threads
//! are abandoned, which a test process can afford.

use std::sync::Mutex;
use std::time::Duration;

use harness::runner::{measure, Settings, Stop, Timing};
use workloads::{Check, Params, Registry, TrialSetup};

/// One trial at a time: a spinning livelock in one test would starve another's threads of CPU,
/// and a thread that gets no CPU looks blocked.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The check of a run of `implementation` of `workload` on `threads` threads lasting `length`
/// (a stall ends it early).
fn run(workload: &str, implementation: &str, threads: usize, length: Duration) -> Check {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let registry = Registry::standard();
    let workload = registry.get(workload).unwrap();
    let params = Params::resolve(workload.name(), workload.params(), &[]).unwrap();
    let setup = TrialSetup { threads, seed: 11, params: &params };
    let trial = workload.prepare(implementation, &setup).unwrap();
    let timing = Timing { stop: Stop::After(length), warmup: Duration::from_millis(10) };
    measure(trial, threads, Settings::from(timing).watchdog(Duration::from_millis(400))).check
}

fn assert_stall(workload: &str, implementation: &str, threads: usize, prefix: &str, needle: &str) {
    // Long enough for the threads to fall into the hazard: two polite workers on a busy machine
    // may take turns alone for a while before they first meet in a round.
    let check = run(workload, implementation, threads, Duration::from_secs(5));
    let Check::Violated(message) = &check else {
        panic!("{workload} {implementation} t{threads} held: {check:?}")
    };
    assert!(message.starts_with(prefix), "{workload} {implementation} t{threads}: {message}");
    assert!(message.contains(needle), "{workload} {implementation} t{threads}: {message}");
}

#[test]
fn opposite_transfers_deadlock_in_a_cycle() {
    for threads in [2, 4] {
        assert_stall("bank", "naive-order", threads, "deadlock: ", "wait-for cycle: thread ");
    }
}

#[test]
fn left_first_philosophers_deadlock() {
    assert_stall(
        "philosophers",
        "left-first",
        3,
        "deadlock: ",
        "every philosopher holds its left fork and waits for the right; philosopher 0 waits for fork 1",
    );
}

#[test]
fn polite_workers_livelock() {
    for threads in [2, 4] {
        assert_stall("livelock", "polite", threads, "livelock: ", "all of them back off");
    }
}

#[test]
fn granting_whatever_is_free_deadlocks() {
    assert_stall(
        "banker",
        "grant-if-available",
        4,
        "deadlock: ",
        "waits for units the others hold",
    );
}

#[test]
fn the_fixes_hold_where_the_naive_forms_fail() {
    for (workload, implementation) in [
        ("bank", "ordered"),
        ("bank", "try-lock-backoff"),
        ("philosophers", "asymmetric"),
        ("philosophers", "semaphore"),
        ("livelock", "random-backoff"),
        ("banker", "banker"),
    ] {
        let check = run(workload, implementation, 4, Duration::from_millis(300));
        assert!(matches!(check, Check::Held(_)), "{workload} {implementation}: {check:?}");
    }
}
