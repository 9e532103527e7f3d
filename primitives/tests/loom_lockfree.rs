//! Loom models of the lock-free structures: every interleaving (and every weak-memory outcome loom
//! models) of two or three threads pushing and popping, checked for exactly-once delivery. Loom
//! also checks each item's hand-off through the Treiber and Michael–Scott nodes' cells, so a
//! missing Release or Acquire fails here even though x86 stress tests never see it.
//!
//! Under `--cfg loom` the epoch-based structures leak their retired nodes instead of handing them
//! to crossbeam-epoch, which loom cannot see (see `sync::epoch`): these models check the
//! algorithms' CAS protocols and orderings, not reclamation.
//!
//! Broken twins prove the models can fail: the untagged arena stack, whose A→B→A interleaving
//! loom must find (three threads, two preemptions), a Treiber stack whose push publishes with a
//! Relaxed CAS, and the racy counter.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test loom_lockfree`
#![cfg(loom)]

use std::ptr;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicPtr, Ordering};
use loom::sync::Arc;
use loom::thread;
use primitives::counters::{CasCounter, Counter, RacyCounter};
use primitives::{
    ConcurrentContainer, MsQueue, TaggedArenaStack, TreiberStack, UntaggedArenaStack,
};

/// Panics unless `popped` holds every item of `pushed` exactly once and nothing else.
fn exactly_once(mut popped: Vec<u64>, mut pushed: Vec<u64>) {
    popped.sort_unstable();
    pushed.sort_unstable();
    assert_eq!(popped, pushed, "not exactly once: popped (left) against pushed (right)");
}

/// Pops until empty, but at most `limit` times: a corrupted list may hold a cycle.
fn drain<C: ConcurrentContainer<u64>>(container: &C, limit: usize) -> Vec<u64> {
    (0..limit).map_while(|_| container.pop()).collect()
}

/// Two threads each push one item and pop one, over a container that starts with one item.
fn push_pop_pairs<C: ConcurrentContainer<u64> + 'static>() {
    loom::model(|| {
        let container = Arc::new(C::with_capacity(3));
        container.push(0).unwrap();
        let other = thread::spawn({
            let container = container.clone();
            move || {
                container.push(1).unwrap();
                container.pop()
            }
        });
        container.push(2).unwrap();
        let mine = container.pop();
        let theirs = other.join().unwrap();
        let mut popped: Vec<_> = [mine, theirs].into_iter().flatten().collect();
        assert_eq!(popped.len(), 2, "a pop came back empty while items were left");
        popped.extend(drain(&*container, 4));
        exactly_once(popped, vec![0, 1, 2]);
    });
}

/// Two threads pop at once from a container of two items: each gets one, a different one.
fn racing_pops<C: ConcurrentContainer<u64> + 'static>() {
    loom::model(|| {
        let container = Arc::new(C::with_capacity(2));
        container.push(1).unwrap();
        container.push(2).unwrap();
        let other = thread::spawn({
            let container = container.clone();
            move || container.pop()
        });
        let mine = container.pop();
        let theirs = other.join().unwrap();
        assert!(container.pop().is_none(), "an item was left behind or invented");
        exactly_once([mine, theirs].into_iter().flatten().collect(), vec![1, 2]);
    });
}

/// The A→B→A interleaving on an arena stack holding `1` (slot A) on `2` (slot B) on `3`: the
/// model's main thread pops (and may be preempted between reading A's successor and its CAS),
/// a second thread pops and then pushes `100` (which may reuse slot A), a third pops. Loom
/// reaches the corrupting schedule within two preemptions: the second thread is preempted after
/// unlinking A, the third pops and frees B, the second frees A and reuses it, and the main
/// thread's CAS finds A on top again.
fn aba_interleaving<C: ConcurrentContainer<u64> + 'static>() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let stack = Arc::new(C::with_capacity(3));
        for item in [3, 2, 1] {
            stack.push(item).unwrap();
        }
        let second = thread::spawn({
            let stack = stack.clone();
            move || (stack.pop(), stack.push(100).is_ok())
        });
        let third = thread::spawn({
            let stack = stack.clone();
            move || stack.pop()
        });
        let mine = stack.pop();
        let (theirs, pushed_100) = second.join().unwrap();
        let last = third.join().unwrap();
        let mut popped: Vec<_> = [mine, theirs, last].into_iter().flatten().collect();
        popped.extend(drain(&*stack, 4));
        let mut pushed = vec![1, 2, 3];
        if pushed_100 {
            pushed.push(100);
        }
        exactly_once(popped, pushed);
    });
}

#[test]
fn treiber_stack_push_pop_pairs() {
    push_pop_pairs::<TreiberStack<u64>>();
}

#[test]
fn treiber_stack_racing_pops() {
    racing_pops::<TreiberStack<u64>>();
}

#[test]
fn ms_queue_push_pop_pairs() {
    push_pop_pairs::<MsQueue<u64>>();
}

#[test]
fn ms_queue_racing_pops() {
    racing_pops::<MsQueue<u64>>();
}

/// A producer and a consumer on an empty queue: the consumer sees the items in push order, and
/// each exactly once (the producer's second push may find the tail lagging).
#[test]
fn ms_queue_keeps_fifo_between_a_producer_and_a_consumer() {
    loom::model(|| {
        let queue = Arc::new(MsQueue::new());
        let producer = thread::spawn({
            let queue = queue.clone();
            move || {
                queue.push(1);
                queue.push(2);
            }
        });
        let mut popped: Vec<u64> = (0..2).filter_map(|_| queue.pop()).collect();
        producer.join().unwrap();
        popped.extend(std::iter::from_fn(|| queue.pop()));
        assert_eq!(popped, [1, 2], "FIFO order or exactly-once broken");
    });
}

#[test]
fn tagged_arena_stack_push_pop_pairs() {
    push_pop_pairs::<TaggedArenaStack>();
}

#[test]
fn tagged_arena_stack_racing_pops() {
    racing_pops::<TaggedArenaStack>();
}

#[test]
fn tagged_arena_stack_survives_aba() {
    aba_interleaving::<TaggedArenaStack>();
}

/// The deliberately broken stack: loom must find the A→B→A interleaving that duplicates or
/// loses an item.
#[test]
#[should_panic(expected = "not exactly once")]
fn model_catches_aba_on_untagged_arena_stack() {
    aba_interleaving::<UntaggedArenaStack>();
}

/// Two threads increment the counter once each.
fn two_increments<C: Counter + Default + 'static>() {
    loom::model(|| {
        let counter = Arc::new(C::default());
        let other = thread::spawn({
            let counter = counter.clone();
            move || counter.increment(|| {})
        });
        counter.increment(|| {});
        other.join().unwrap();
        assert_eq!(counter.value(), 2, "an increment was lost");
    });
}

#[test]
fn cas_counter_loses_no_increment() {
    two_increments::<CasCounter>();
}

#[test]
#[should_panic(expected = "an increment was lost")]
fn model_catches_racy_counter() {
    two_increments::<RacyCounter>();
}

/// Broken: a Treiber stack (leaking its nodes, as the real one does under loom) whose push
/// publishes with a Relaxed CAS, so a popper may read the node's value before its write is
/// visible. Loom reports the unsynchronised read of the cell.
struct RelaxedPublishStack {
    head: AtomicPtr<RelaxedNode>,
}

struct RelaxedNode {
    value: UnsafeCell<u64>,
    next: UnsafeCell<*mut RelaxedNode>,
}

impl RelaxedPublishStack {
    fn push(&self, value: u64) {
        let node = Box::into_raw(Box::new(RelaxedNode {
            value: UnsafeCell::new(0),
            next: UnsafeCell::new(ptr::null_mut()),
        }));
        // SAFETY: `node` is not published yet.
        unsafe { (*node).value.with_mut(|cell| *cell = value) };
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: still private to this thread.
            unsafe { (*node).next.with_mut(|next| *next = head) };
            match self.head.compare_exchange(head, node, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return,
                Err(now) => head = now,
            }
        }
    }

    fn pop(&self) -> Option<u64> {
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            if head.is_null() {
                return None;
            }
            // SAFETY: nodes are never freed, so `head` is valid; whether its cells' writes are
            // visible is what loom checks, and must find wanting.
            let next = unsafe { (*head).next.with(|next| *next) };
            match self.head.compare_exchange(head, next, Ordering::Acquire, Ordering::Acquire) {
                // SAFETY: not actually synchronised; that is what loom must report.
                Ok(_) => return Some(unsafe { (*head).value.with(|cell| *cell) }),
                Err(now) => head = now,
            }
        }
    }
}

// SAFETY: only for this model: the stack moves plain `u64`s and never frees a node.
unsafe impl Send for RelaxedPublishStack {}
// SAFETY: as above.
unsafe impl Sync for RelaxedPublishStack {}

#[test]
#[should_panic]
fn model_catches_relaxed_publish_on_treiber_push() {
    loom::model(|| {
        let stack = Arc::new(RelaxedPublishStack { head: AtomicPtr::new(ptr::null_mut()) });
        let pusher = thread::spawn({
            let stack = stack.clone();
            move || stack.push(7)
        });
        // Wait for the item: a pop that finds the stack empty shows loom nothing to check.
        let popped = loop {
            match stack.pop() {
                Some(value) => break value,
                None => thread::yield_now(),
            }
        };
        pusher.join().unwrap();
        assert_eq!(popped, 7);
    });
}
