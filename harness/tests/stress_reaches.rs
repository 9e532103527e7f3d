//! Stress that reaches a user's bug: a bounded buffer with one condition variable for both "not
//! full" and "not empty", written against the public API and plugged into `buffer` as a
//! [`QueueFamily`]. Its `notify_one` can wake a thread of the wrong side, which goes back to sleep
//! with the wake-up spent: at small capacities, with several producers and consumers, everyone
//! ends up asleep. `syncbench stress buffer --impls <it>` gives it the whole duration and draws
//! capacities down to 1, so the watchdog finds the deadlock (exit 1); its twin with a condition
//! variable per side holds.

use std::process::ExitCode;

use workloads::buffer::BufferWorkload;
use workloads::{ImplKind, Registry};

mod support;
use support::user_queue::{bug, UserQueueFamily};

fn registry() -> Registry {
    let buffer = BufferWorkload::empty()
        .with::<UserQueueFamily<{ bug::SHARED_CONDVAR }>>(
            "one-condvar",
            ImplKind::User,
            "one condvar for both sides",
        )
        .with::<UserQueueFamily<{ bug::NONE }>>(
            "two-condvars",
            ImplKind::User,
            "a condvar per side",
        );
    Registry::standard().with(buffer)
}

fn stress(implementation: &str) -> ExitCode {
    let args = ["syncbench", "stress", "buffer", "--impls", implementation, "--duration", "4s"];
    let args = args.iter().copied().chain(["--seed", "11", "--watchdog", "300ms"]);
    harness::app::run_with_registry(
        &registry(),
        args.map(std::ffi::OsString::from).collect::<Vec<_>>(),
    )
}

#[test]
fn a_buffer_with_one_condvar_for_both_sides_deadlocks_under_stress() {
    assert_eq!(stress("one-condvar"), ExitCode::FAILURE);
}

#[test]
fn the_same_buffer_with_a_condvar_per_side_holds() {
    assert_eq!(stress("two-condvars"), ExitCode::SUCCESS);
}
