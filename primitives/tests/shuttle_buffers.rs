//! Shuttle suites of the blocking buffers with 2 producers and 2 consumers, and of the semaphore
//! with 4 threads and 2 permits: shapes of 4–5 threads that loom cannot explore. Shuttle reports
//! a schedule in which every thread is blocked as a deadlock (a panic, not loom's abort), so a
//! lost wake-up fails here too, as a hand-off that checks for items without its lock shows.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test -p primitives
//! --release --test 'shuttle*'`
#![cfg(shuttle)]

use std::sync::Arc;

use primitives::model::{check, on_threads, Occupancy};
use primitives::queue::BoundedQueue;
use primitives::semaphore::{AtomicSemaphore, Semaphore};
use primitives::{BlockingRingBuffer, CondvarBuffer};
use shuttle::sync::atomic::{AtomicUsize, Ordering};

/// Items per producer.
const ITEMS: usize = 2;

/// Two producers push [`ITEMS`] items each (the last to finish closes), two consumers pop until
/// `None`: every item arrives exactly once, and each consumer sees each producer's items in order.
fn two_producers_two_consumers<Q: BoundedQueue<usize> + 'static>(capacity: usize) {
    check(move || {
        let shared = Arc::new((Q::with_capacity(capacity), AtomicUsize::new(2)));
        let worker = shared.clone();
        let received = on_threads(4, move |thread| {
            let (queue, producing) = &*worker;
            if thread < 2 {
                for index in 0..ITEMS {
                    assert!(queue.push(thread * ITEMS + index).is_ok(), "push failed while open");
                }
                if producing.fetch_sub(1, Ordering::AcqRel) == 1 {
                    queue.close();
                }
                Vec::new()
            } else {
                std::iter::from_fn(|| queue.pop()).collect()
            }
        });
        for items in &received {
            for producer in 0..2 {
                let own: Vec<_> = items.iter().filter(|&&item| item / ITEMS == producer).collect();
                assert!(own.is_sorted(), "producer {producer}'s order broken: {items:?}");
            }
        }
        let mut delivered: Vec<_> = received.into_iter().flatten().collect();
        delivered.sort_unstable();
        assert_eq!(delivered, (0..2 * ITEMS).collect::<Vec<_>>(), "lost or duplicated items");
    });
}

#[test]
fn condvar_buffer_two_producers_two_consumers_capacity_1() {
    two_producers_two_consumers::<CondvarBuffer<usize>>(1);
}

#[test]
fn condvar_buffer_two_producers_two_consumers_capacity_2() {
    two_producers_two_consumers::<CondvarBuffer<usize>>(2);
}

#[test]
fn ring_buffer_two_producers_two_consumers_capacity_1() {
    two_producers_two_consumers::<BlockingRingBuffer<usize>>(1);
}

#[test]
fn ring_buffer_two_producers_two_consumers_capacity_2() {
    two_producers_two_consumers::<BlockingRingBuffer<usize>>(2);
}

/// Four threads take one of two permits twice each, by `acquire` or a `try_acquire` loop: never
/// more than two holders, and both permits are back at the end.
#[test]
fn atomic_semaphore_four_threads_two_permits() {
    check(|| {
        let shared = Arc::new((AtomicSemaphore::new(2), Occupancy::new()));
        let worker = shared.clone();
        on_threads(4, move |thread| {
            let (semaphore, occupancy) = &*worker;
            for _ in 0..2 {
                let permit = if thread % 2 == 0 {
                    semaphore.acquire()
                } else {
                    loop {
                        match semaphore.try_acquire() {
                            Some(permit) => break permit,
                            None => shuttle::thread::yield_now(),
                        }
                    }
                };
                occupancy.at_most(2, || ());
                drop(permit);
            }
        });
        let (semaphore, _) = &*shared;
        let back = [semaphore.try_acquire(), semaphore.try_acquire()];
        assert!(back.iter().all(Option::is_some), "a permit was lost");
        assert!(semaphore.try_acquire().is_none(), "a permit was created");
    });
}

/// Broken: an unbounded hand-off whose consumer checks for an item without the lock, then takes
/// the lock and waits without checking again. A producer that pushes and notifies between the
/// check and the wait notifies nobody: the consumer sleeps beside its item (a lost wake-up).
struct UnlockedCheckQueue {
    items: shuttle::sync::Mutex<Vec<usize>>,
    len: AtomicUsize,
    pushed: shuttle::sync::Condvar,
}

impl UnlockedCheckQueue {
    fn push(&self, item: usize) {
        let mut items = self.items.lock().unwrap();
        items.push(item);
        self.len.store(items.len(), Ordering::SeqCst);
        drop(items);
        self.pushed.notify_one();
    }

    fn pop(&self) -> usize {
        while self.len.load(Ordering::SeqCst) == 0 {
            let items = self.items.lock().unwrap();
            // The bug: the emptiness check must be repeated here, under the lock.
            drop(self.pushed.wait(items).unwrap());
        }
        let mut items = self.items.lock().unwrap();
        let item = items.pop().unwrap();
        self.len.store(items.len(), Ordering::SeqCst);
        item
    }
}

#[test]
#[should_panic(expected = "deadlock")]
fn shuttle_catches_lost_wakeup_of_an_unlocked_check() {
    check(|| {
        let queue = Arc::new(UnlockedCheckQueue {
            items: shuttle::sync::Mutex::new(Vec::new()),
            len: AtomicUsize::new(0),
            pushed: shuttle::sync::Condvar::new(),
        });
        let producer = queue.clone();
        let handle = shuttle::thread::spawn(move || producer.push(7));
        assert_eq!(queue.pop(), 7);
        handle.join().unwrap();
    });
}
