//! Models of a bounded blocking queue: exactly-once delivery in order, an exact close, and a close
//! that wakes every waiter.

use super::check::{check, check_bounded};
use crate::queue::BoundedQueue;
use crate::sync::{thread, Arc, AtomicBool, AtomicUsize, Ordering};

/// Every queue model: [`queue_two_items_then_close`], [`queue_push_races_close`],
/// [`queue_close_wakes_consumer`] and [`queue_two_consumers`].
pub fn bounded_queue<Q: BoundedQueue<usize> + 'static>() {
    queue_two_items_then_close::<Q>();
    queue_push_races_close::<Q>();
    queue_close_wakes_consumer::<Q>();
    queue_two_consumers::<Q>();
}

/// One producer pushes 1 and 2 into a queue of capacity 1 and closes it; the consumer (the
/// model's main thread) receives exactly [1, 2], then `None`. Both ends block at some point. A
/// push may not return while the queue holds as many items as its capacity: pushes returned less
/// pops begun never exceeds it.
pub fn queue_two_items_then_close<Q: BoundedQueue<usize> + 'static>() {
    check(|| {
        let queue = Arc::new((Q::with_capacity(1), AtomicUsize::new(0), AtomicUsize::new(0)));
        let producer = thread::spawn({
            let queue = queue.clone();
            move || {
                let (queue, pushed, pops_begun) = &*queue;
                for item in [1, 2] {
                    queue.push(item).unwrap();
                    let held = pushed.fetch_add(1, Ordering::SeqCst) + 1;
                    let taken = pops_begun.load(Ordering::SeqCst);
                    assert!(
                        held <= taken + 1,
                        "{held} pushed, {taken} pops begun: over capacity 1"
                    );
                }
                queue.close();
            }
        });
        let pop = || {
            queue.2.fetch_add(1, Ordering::SeqCst);
            queue.0.pop()
        };
        assert_eq!([pop(), pop(), pop()], [Some(1), Some(2), None], "not each item once, in order");
        producer.join().unwrap();
    });
}

/// A push races the close: the item is delivered if and only if the push succeeded.
pub fn queue_push_races_close<Q: BoundedQueue<usize> + 'static>() {
    check(|| {
        let queue = Arc::new(Q::with_capacity(1));
        let producer = thread::spawn({
            let queue = queue.clone();
            move || queue.push(7).is_ok()
        });
        queue.close();
        let delivered: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        let pushed = producer.join().unwrap();
        assert_eq!(delivered, if pushed { vec![7] } else { vec![] }, "pushed: {pushed}");
    });
}

/// A consumer blocked on an empty queue is woken by the close and sees `None`.
pub fn queue_close_wakes_consumer<Q: BoundedQueue<usize> + 'static>() {
    check(|| {
        let queue = Arc::new(Q::with_capacity(1));
        let consumer = thread::spawn({
            let queue = queue.clone();
            move || queue.pop()
        });
        queue.close();
        assert_eq!(consumer.join().unwrap(), None, "a pop after the close returned an item");
    });
}

/// Three threads, within one preemption: one producer pushes 1 and 2 and closes, two consumers
/// split them, each item exactly once, and no consumer sees the end before the close began.
/// Catches a consumer that re-checks with `if` instead of `while` after a wake-up whose item
/// another consumer took.
pub fn queue_two_consumers<Q: BoundedQueue<usize> + 'static>() {
    check_bounded(1, || {
        let shared = Arc::new((Q::with_capacity(1), AtomicBool::new(false)));
        let producer = thread::spawn({
            let shared = shared.clone();
            move || {
                shared.0.push(1).unwrap();
                shared.0.push(2).unwrap();
                shared.1.store(true, Ordering::Relaxed);
                shared.0.close();
            }
        });
        // Relaxed suffices: a correct `None` happens after `close`, which follows the store.
        let drain = |shared: &(Q, AtomicBool)| {
            let items: Vec<_> = std::iter::from_fn(|| shared.0.pop()).collect();
            assert!(shared.1.load(Ordering::Relaxed), "a consumer saw the end before the close");
            items
        };
        let consumer = thread::spawn({
            let shared = shared.clone();
            move || drain(&shared)
        });
        let mut delivered = drain(&shared);
        delivered.extend(consumer.join().unwrap());
        producer.join().unwrap();
        delivered.sort_unstable();
        assert_eq!(delivered, [1, 2], "not each item exactly once");
    });
}
