//! Stress that reaches a user's bug: a bounded buffer with one condition variable for both "not
//! full" and "not empty", written against the public API and plugged into `buffer` as a
//! [`QueueFamily`]. Its `notify_one` can wake a thread of the wrong side, which goes back to sleep
//! with the wake-up spent: at small capacities, with several producers and consumers, everyone
//! ends up asleep. `syncbench stress buffer --impls <it>` gives it the whole duration and draws
//! capacities down to 1, so the watchdog finds the deadlock (exit 1); its twin with a condition
//! variable per side holds.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::{Condvar, Mutex, PoisonError};

use primitives::BoundedQueue;
use workloads::buffer::{BufferWorkload, QueueFamily};
use workloads::{ImplKind, Registry};

/// A monitor queue; with `SHARED_CONDVAR`, both sides wait on and notify `not_empty` alone.
struct UserQueue<T, const SHARED_CONDVAR: bool> {
    state: Mutex<(VecDeque<T>, bool)>,
    capacity: usize,
    not_full: Condvar,
    not_empty: Condvar,
}

impl<T, const SHARED_CONDVAR: bool> UserQueue<T, SHARED_CONDVAR> {
    fn not_full(&self) -> &Condvar {
        if SHARED_CONDVAR {
            &self.not_empty // the bug: one condvar for two conditions, woken one at a time
        } else {
            &self.not_full
        }
    }
}

impl<T: Send, const SHARED_CONDVAR: bool> BoundedQueue<T> for UserQueue<T, SHARED_CONDVAR> {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            state: Mutex::new((VecDeque::new(), false)),
            capacity,
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
        }
    }

    fn push(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.0.len() == self.capacity && !state.1 {
            state = self.not_full().wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        if state.1 {
            return Err(item);
        }
        state.0.push_back(item);
        self.not_empty.notify_one();
        Ok(())
    }

    fn pop(&self) -> Option<T> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.0.is_empty() && !state.1 {
            state = self.not_empty.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        let item = state.0.pop_front()?;
        self.not_full().notify_one();
        Some(item)
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}

struct UserQueueFamily<const SHARED_CONDVAR: bool>;

impl<const SHARED_CONDVAR: bool> QueueFamily for UserQueueFamily<SHARED_CONDVAR> {
    type Queue<T: Send + 'static> = UserQueue<T, SHARED_CONDVAR>;
}

fn registry() -> Registry {
    let buffer = BufferWorkload::standard()
        .with::<UserQueueFamily<true>>("one-condvar", ImplKind::User, "one condvar for both sides")
        .with::<UserQueueFamily<false>>("two-condvars", ImplKind::User, "a condvar per side");
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
