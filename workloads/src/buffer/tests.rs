//! The buffer workload against a plain correct queue and a deliberately broken one, driven by
//! threads of their own (the harness's runner lives in another crate).

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

use super::*;
use crate::testing::run_trial;

/// A correct queue: one mutex, one condition variable, every waiter woken on every change.
struct PlainQueue<T> {
    state: Mutex<(VecDeque<T>, bool)>,
    changed: Condvar,
    capacity: usize,
}

impl<T: Send> BoundedQueue<T> for PlainQueue<T> {
    fn with_capacity(capacity: usize) -> Self {
        Self { state: Mutex::new((VecDeque::new(), false)), changed: Condvar::new(), capacity }
    }

    fn push(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock().unwrap();
        while state.0.len() == self.capacity && !state.1 {
            state = self.changed.wait(state).unwrap();
        }
        if state.1 {
            return Err(item);
        }
        state.0.push_back(item);
        self.changed.notify_all();
        Ok(())
    }

    fn pop(&self) -> Option<T> {
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(item) = state.0.pop_front() {
                self.changed.notify_all();
                return Some(item);
            }
            if state.1 {
                return None;
            }
            state = self.changed.wait(state).unwrap();
        }
    }

    fn close(&self) {
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }
}

struct Plain;
impl QueueFamily for Plain {
    type Queue<T: Send + 'static> = PlainQueue<T>;
}

/// Broken on purpose: `pop` looks at the closed flag before the items, so whatever is still
/// buffered when the last producer closes the queue is dropped — the classic shutdown race.
struct ClosedFirstQueue<T>(PlainQueue<T>);

impl<T: Send> BoundedQueue<T> for ClosedFirstQueue<T> {
    fn with_capacity(capacity: usize) -> Self {
        Self(PlainQueue::with_capacity(capacity))
    }

    fn push(&self, item: T) -> Result<(), T> {
        self.0.push(item)
    }

    fn pop(&self) -> Option<T> {
        let mut state = self.0.state.lock().unwrap();
        loop {
            if state.1 {
                return None;
            }
            if let Some(item) = state.0.pop_front() {
                self.0.changed.notify_all();
                return Some(item);
            }
            state = self.0.changed.wait(state).unwrap();
        }
    }

    fn close(&self) {
        self.0.close()
    }
}

struct ClosedFirst;
impl QueueFamily for ClosedFirst {
    type Queue<T: Send + 'static> = ClosedFirstQueue<T>;
}

fn workload() -> BufferWorkload {
    BufferWorkload::empty()
        .with::<Plain>("plain", ImplKind::Library, "mutex + one condvar")
        .with::<ClosedFirst>("closed-first", ImplKind::Demonstration, "drops items at close")
}

/// Runs a trial to completion: producers push `items` each, consumers pop until the end.
fn run(name: &str, threads: usize, sets: &[(&str, &str)], items: u64) -> Check {
    run_trial(&workload(), name, threads, 0, sets, |_, worker| {
        // With one thread, it is a producer; with more, consumers pop until the end.
        let main = worker.role() == crate::workload::Role::Main;
        worker.run(if main && threads > 1 { u64::MAX } else { items })
    })
}

#[test]
fn splits_divide_the_threads() {
    assert_eq!(Split::of("balanced", 2), Split { producers: 1, consumers: 1 });
    assert_eq!(Split::of("balanced", 5), Split { producers: 2, consumers: 3 });
    assert_eq!(Split::of("one-producer", 4), Split { producers: 1, consumers: 3 });
    assert_eq!(Split::of("one-consumer", 4), Split { producers: 3, consumers: 1 });
}

#[test]
fn a_correct_queue_holds_at_every_split_capacity_and_payload() {
    for (threads, split) in [
        (1, "balanced"),
        (2, "balanced"),
        (4, "one-producer"),
        (4, "one-consumer"),
        (4, "balanced"),
    ] {
        for capacity in ["1", "16"] {
            for payload in ["8", "256"] {
                let sets = [("split", split), ("capacity", capacity), ("payload", payload)];
                let check = run("plain", threads, &sets, 2_000);
                assert!(matches!(check, Check::Held(_)), "{threads} {sets:?}: {check:?}");
            }
        }
    }
}

#[test]
fn the_single_thread_pushes_then_pops() {
    let Check::Held(summary) = run("plain", 1, &[], 500) else { panic!("violated") };
    assert!(summary.starts_with("500 items from 1 producers"), "{summary}");
}

#[test]
fn a_queue_that_loses_items_at_shutdown_is_caught() {
    let caught = (0..10).any(|_| {
        let check = run("closed-first", 4, &[("split", "one-consumer"), ("capacity", "64")], 5_000);
        matches!(check, Check::Violated(ref m) if m.contains("lost"))
    });
    assert!(caught, "the closed-first queue passed 10 runs");
}

#[test]
fn std_channel_delivers_exactly_with_and_without_its_receiver_lock() {
    // One consumer: the workload promises it, and pops skip the lock; several: they take turns.
    for (threads, split) in [(1, "balanced"), (2, "balanced"), (4, "one-consumer"), (4, "balanced")]
    {
        for payload in ["8", "256"] {
            let sets = [("split", split), ("capacity", "16"), ("payload", payload)];
            let check = run_trial(
                &BufferWorkload::standard(),
                "std-sync-channel",
                threads,
                0,
                &sets,
                |_, worker| {
                    let main = worker.role() == crate::workload::Role::Main;
                    worker.run(if main && threads > 1 { u64::MAX } else { 3_000 })
                },
            );
            assert!(matches!(check, Check::Held(_)), "{threads} {sets:?}: {check:?}");
        }
    }
}

#[test]
#[should_panic(expected = "a buffer trial has 1 consumer(s), no more")]
fn a_one_consumer_trial_hands_out_no_second_consumer() {
    // The single-consumer promise made to the queue rests on this.
    let params = crate::params::Params::resolve("buffer", PARAMS, &[]).unwrap();
    let trial = BufferWorkload::standard()
        .prepare("std-sync-channel", &TrialSetup { threads: 2, seed: 0, params: &params })
        .unwrap();
    let _consumer = trial.worker(1);
    let _second = trial.worker(1);
}
