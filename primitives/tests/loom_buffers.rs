//! Loom models of the hand-rolled bounded buffers and semaphore: every interleaving (and every
//! weak-memory outcome loom models) of two threads. Loom checks each item's hand-off through the
//! ring's `UnsafeCell` slots and the exclusion a one-permit semaphore gives, and reports a lost
//! wake-up as a deadlock. Deliberately broken primitives prove the models can fail: a Relaxed
//! publish, a Relaxed semaphore, a buffer waited on with `if`, and a lost wake-up (which aborts
//! the process, so it runs as a subprocess expected to fail).
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test loom_buffers`
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use primitives::condvar_buffer::CondvarBuffer;
use primitives::model;
use primitives::queue::BoundedQueue;
use primitives::ring_buffer::{BlockingRingBuffer, PopError, PushError, RingBuffer};
use primitives::semaphore::{AtomicSemaphore, Semaphore};

/// Every queue model, for each hand-rolled queue.
#[test]
fn condvar_buffer_queue_models() {
    model::bounded_queue::<CondvarBuffer<usize>>();
}

#[test]
fn blocking_ring_queue_models() {
    model::bounded_queue::<BlockingRingBuffer<usize>>();
}

/// Broken: the textbook mutex + two condvars buffer, except that each end waits with `if` instead
/// of `while`. A consumer woken for an item that another consumer took meanwhile pops an empty
/// queue and takes it for the end; `two_consumers` catches it.
struct IfWaitBuffer {
    state: loom::sync::Mutex<(std::collections::VecDeque<usize>, bool)>,
    not_empty: loom::sync::Condvar,
    not_full: loom::sync::Condvar,
    capacity: usize,
}

impl BoundedQueue<usize> for IfWaitBuffer {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            state: loom::sync::Mutex::new((std::collections::VecDeque::new(), false)),
            not_empty: loom::sync::Condvar::new(),
            not_full: loom::sync::Condvar::new(),
            capacity,
        }
    }
    fn push(&self, item: usize) -> Result<(), usize> {
        let mut state = self.state.lock().unwrap();
        if state.0.len() == self.capacity && !state.1 {
            state = self.not_full.wait(state).unwrap(); // the bug: `while`
        }
        if state.1 {
            return Err(item);
        }
        state.0.push_back(item);
        self.not_empty.notify_one();
        Ok(())
    }
    fn pop(&self) -> Option<usize> {
        let mut state = self.state.lock().unwrap();
        if state.0.is_empty() && !state.1 {
            state = self.not_empty.wait(state).unwrap(); // the bug: `while`
        }
        let item = state.0.pop_front();
        self.not_full.notify_one();
        item
    }
    fn close(&self) {
        self.state.lock().unwrap().1 = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}

#[test]
#[should_panic(expected = "a consumer saw the end before the close")]
fn model_catches_condvar_waited_with_if() {
    model::queue_two_consumers::<IfWaitBuffer>();
}

/// The bare Vyukov ring, capacity 1 (each slot reused every lap): one thread pushes 1 and 2,
/// retrying while full, the other pops both, retrying while empty, and gets them in order.
#[test]
fn ring_buffer_push_pop_two_threads() {
    loom::model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        let producer = thread::spawn({
            let ring = ring.clone();
            move || {
                for mut item in [Box::new(1), Box::new(2)] {
                    while let Err(PushError::Full(back)) = ring.try_push(item) {
                        item = back;
                        thread::yield_now();
                    }
                }
            }
        });
        for expected in [1, 2] {
            let item = loop {
                match ring.try_pop() {
                    Ok(item) => break item,
                    Err(PopError::Empty) => thread::yield_now(),
                    Err(PopError::Closed) => unreachable!("never closed"),
                }
            };
            assert_eq!(*item, expected);
        }
        producer.join().unwrap();
    });
}

/// The ring's close is exact on its own: a `try_push` racing `close` is popped (after any number
/// of `Empty` while its write is under way) if and only if it succeeded.
#[test]
fn ring_buffer_push_races_close() {
    loom::model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        let producer = thread::spawn({
            let ring = ring.clone();
            move || ring.try_push(7).is_ok()
        });
        ring.close();
        let delivered = loop {
            match ring.try_pop() {
                Ok(item) => {
                    assert_eq!(ring.try_pop(), Err(PopError::Closed));
                    break Some(item);
                }
                Err(PopError::Closed) => break None,
                Err(PopError::Empty) => thread::yield_now(),
            }
        };
        assert_eq!(delivered.is_some(), producer.join().unwrap());
    });
}

#[test]
fn atomic_semaphore_one_permit_excludes() {
    model::semaphore::<AtomicSemaphore>();
}

/// Broken: a single-slot channel whose publishing store is Relaxed, so the consumer may read the
/// slot before the producer's write is visible. Loom reports the unsynchronised access.
#[test]
#[should_panic]
fn model_catches_relaxed_publish() {
    loom::model(|| {
        let slot = Arc::new((AtomicBool::new(false), UnsafeCell::new(0)));
        let producer = thread::spawn({
            let slot = slot.clone();
            move || {
                // SAFETY: not actually safe; that is the point of this model.
                slot.1.with_mut(|value| unsafe { *value = 42 });
                slot.0.store(true, Ordering::Relaxed);
            }
        });
        while !slot.0.load(Ordering::Acquire) {
            thread::yield_now();
        }
        // SAFETY: not actually safe (the Relaxed store above does not publish the write).
        assert_eq!(slot.1.with(|value| unsafe { *value }), 42);
        producer.join().unwrap();
    });
}

/// Broken: a spinning semaphore that takes permits with Relaxed ordering, so a holder does not
/// see the previous holder's writes. Loom reports the racing access to the cell.
struct RelaxedSemaphore(AtomicUsize);

impl Semaphore for RelaxedSemaphore {
    fn new(permits: usize) -> Self {
        Self(AtomicUsize::new(permits))
    }
    fn raw_acquire(&self) {
        while !self.raw_try_acquire() {
            thread::yield_now();
        }
    }
    fn raw_try_acquire(&self) -> bool {
        let free = self.0.load(Ordering::Relaxed);
        free > 0
            && self.0.compare_exchange(free, free - 1, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
    fn raw_acquire_timeout(&self, _timeout: std::time::Duration) -> bool {
        self.raw_acquire();
        true
    }
    fn raw_release(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
#[should_panic]
fn model_catches_relaxed_semaphore() {
    model::semaphore::<RelaxedSemaphore>();
}

/// Broken: [`AtomicSemaphore`]'s parking protocol without its two `SeqCst` fences. The parker's
/// re-check and the releaser's read of the parked count can both miss the other's write, so the
/// parker sleeps with a permit free: a lost wake-up, which loom reports as a deadlock and then
/// aborts the process. Run only as a subprocess, by `model_catches_lost_wakeup`.
struct FencelessSemaphore {
    permits: AtomicUsize,
    parked: AtomicUsize,
    parking: loom::sync::Mutex<()>,
    released: loom::sync::Condvar,
}

impl FencelessSemaphore {
    fn take(&self) -> bool {
        let free = self.permits.load(Ordering::Relaxed);
        free > 0
            && self
                .permits
                .compare_exchange(free, free - 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }
}

impl Semaphore for FencelessSemaphore {
    fn new(permits: usize) -> Self {
        Self {
            permits: AtomicUsize::new(permits),
            parked: AtomicUsize::new(0),
            parking: loom::sync::Mutex::new(()),
            released: loom::sync::Condvar::new(),
        }
    }
    fn raw_acquire(&self) {
        let mut guard = self.parking.lock().unwrap();
        loop {
            self.parked.fetch_add(1, Ordering::Relaxed);
            if self.take() {
                self.parked.fetch_sub(1, Ordering::Relaxed);
                return;
            }
            guard = self.released.wait(guard).unwrap();
        }
    }
    fn raw_try_acquire(&self) -> bool {
        self.take()
    }
    fn raw_acquire_timeout(&self, _timeout: std::time::Duration) -> bool {
        self.raw_acquire();
        true
    }
    fn raw_release(&self) {
        self.permits.fetch_add(1, Ordering::Release);
        if self.parked.load(Ordering::Relaxed) > 0 {
            let _guard = self.parking.lock().unwrap();
            self.parked.fetch_sub(1, Ordering::Relaxed);
            self.released.notify_one();
        }
    }
}

/// Set by `model_catches_lost_wakeup` for its child process: only there may the deadlocking
/// model run (a plain `cargo test -- --ignored` would otherwise abort the whole test binary).
const LOST_WAKEUP_CHILD: &str = "SYNCBENCH_LOOM_LOST_WAKEUP_CHILD";

/// The deadlocking model itself; ignored, because loom aborts the process that runs it.
#[test]
#[ignore = "aborts the process; run by model_catches_lost_wakeup in a subprocess"]
fn fenceless_semaphore_deadlocks() {
    if std::env::var_os(LOST_WAKEUP_CHILD).is_none() {
        return;
    }
    model::semaphore::<FencelessSemaphore>();
}

/// Runs `fenceless_semaphore_deadlocks` in a child process of this test binary and expects loom
/// to find the lost wake-up: the child reports a deadlock and fails.
#[test]
fn model_catches_lost_wakeup() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["fenceless_semaphore_deadlocks", "--exact", "--ignored", "--nocapture"])
        .env(LOST_WAKEUP_CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the broken semaphore passed its model");
    assert!(stderr.contains("deadlock"), "the child failed for another reason:\n{stderr}");
}
