//! The Michael–Scott lock-free queue (M. M. Michael and M. L. Scott, "Simple, Fast, and Practical
//! Non-Blocking and Blocking Concurrent Queue Algorithms", PODC 1996), with memory reclaimed by
//! epochs through crossbeam-epoch instead of the paper's tagged pointers and free list.
//!
//! A singly linked list that always starts with a dummy node: `head` points at the dummy, whose
//! successor holds the oldest item; `tail` points at the last node or one behind it. A push links
//! its node after the last one with a CAS on that node's `next`, then swings `tail` forward; a pop
//! swings `head` to the dummy's successor, which becomes the new dummy, and moves its item out.
//! A thread that finds `tail` lagging swings it forward itself before retrying, so no thread
//! waits on another (lock-freedom). Epochs keep unlinked dummies allocated while some thread may
//! still read them, which also rules out ABA on `head` and `tail`.
//!
//! ```
//! use primitives::ms_queue::MsQueue;
//!
//! let queue = MsQueue::new();
//! queue.push(1);
//! queue.push(2);
//! assert_eq!(queue.pop(), Some(1));
//! assert_eq!(queue.pop_counted(), (Some(2), 0));
//! assert_eq!(queue.pop(), None);
//! ```

use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use crossbeam_utils::CachePadded;

use crate::chaos;
use crate::container::Order;
use crate::sync::{epoch, AtomicPtr, Ordering, UnsafeCell};

/// A lock-free FIFO queue of `T`, unbounded.
pub struct MsQueue<T> {
    /// The dummy node: never null; its `value` is moved out or was never there. The nodes after
    /// it hold the items, oldest first. Only CAS writes it, and only forward along `next`.
    head: CachePadded<AtomicPtr<Node<T>>>,
    /// The last node, or the one before it while a push is between its two CASes. Never behind
    /// `head` (a pop swings it past the dummy before retiring the dummy), so it never points at a
    /// retired node. Only CAS writes it, and only forward along `next`.
    tail: CachePadded<AtomicPtr<Node<T>>>,
    /// The queue owns its items.
    _items: PhantomData<T>,
}

struct Node<T> {
    /// Initialised by the push; moved out exactly once, by the pop that makes this node the
    /// dummy; never dropped in place.
    value: UnsafeCell<MaybeUninit<T>>,
    /// The next node, null while this one is last. Goes from null to a node once, by CAS.
    next: AtomicPtr<Node<T>>,
}

impl<T> Node<T> {
    fn boxed(value: MaybeUninit<T>) -> *mut Self {
        Box::into_raw(Box::new(Self {
            value: UnsafeCell::new(value),
            next: AtomicPtr::new(ptr::null_mut()),
        }))
    }
}

// SAFETY: each `T` moves from its pushing thread to exactly one popping thread, sound for
// `T: Send`; nodes are reached only through atomics and epoch guards.
unsafe impl<T: Send> Send for MsQueue<T> {}
// SAFETY: as above: shared access moves `T`s between threads but never shares a `&T`.
unsafe impl<T: Send> Sync for MsQueue<T> {}

impl<T> MsQueue<T> {
    /// An empty queue (one dummy node).
    pub fn new() -> Self {
        let dummy = Node::boxed(MaybeUninit::uninit());
        Self {
            head: CachePadded::new(AtomicPtr::new(dummy)),
            tail: CachePadded::new(AtomicPtr::new(dummy)),
            _items: PhantomData,
        }
    }

    /// Appends `value` at the back.
    #[inline]
    pub fn push(&self, value: T) {
        self.push_counted(value);
    }

    /// Appends `value` and returns how many times the push started over: a lost CAS on the last
    /// node's `next`, or a lagging `tail` that it helped forward first.
    pub fn push_counted(&self, value: T) -> u32 {
        let node = Node::boxed(MaybeUninit::new(value));
        let _guard = epoch::pin();
        let mut retries = 0;
        loop {
            // Acquire: pairs with the Release CAS that linked (or swung the tail to) this node,
            // so its `next` field is visible.
            let tail = self.tail.load(Ordering::Acquire);
            // SAFETY: `tail` was read after pinning and never points at a retired node, so it
            // stays allocated while `_guard` lives.
            let tail_next = unsafe { &(*tail).next };
            let next = tail_next.load(Ordering::Acquire);
            if next.is_null() {
                chaos::point();
                // Release: publishes the new node's value to the pop that Acquires this link.
                if tail_next
                    .compare_exchange(next, node, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    // Failing means another thread already swung the tail past us.
                    let _ = self.tail.compare_exchange(
                        tail,
                        node,
                        Ordering::Release,
                        Ordering::Relaxed,
                    );
                    return retries;
                }
            } else {
                // A push is between its two CASes: finish its work instead of waiting for it.
                let _ =
                    self.tail.compare_exchange(tail, next, Ordering::Release, Ordering::Relaxed);
            }
            retries += 1;
        }
    }

    /// Removes the oldest item, or `None` if the queue is empty.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        self.pop_counted().0
    }

    /// Removes the oldest item (or finds the queue empty) and returns how many times the pop
    /// started over after losing the CAS on `head`.
    pub fn pop_counted(&self) -> (Option<T>, u32) {
        let guard = epoch::pin();
        let mut retries = 0;
        loop {
            // Acquire: pairs with the AcqRel CAS that made this node the dummy, which passes on
            // what that pop saw of the node.
            let head = self.head.load(Ordering::Acquire);
            // SAFETY: `head` was read after pinning, so it stays allocated while `guard` lives.
            let next = unsafe { &(*head).next }.load(Ordering::Acquire);
            if next.is_null() {
                return (None, retries);
            }
            // The dummy is about to be retired: move `tail` off it first, so no later push can
            // read it from there.
            let tail = self.tail.load(Ordering::Relaxed);
            if tail == head {
                let _ =
                    self.tail.compare_exchange(tail, next, Ordering::Release, Ordering::Relaxed);
            }
            chaos::point();
            if self.head.compare_exchange(head, next, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
                // SAFETY: our CAS made `next` the dummy, so this thread alone moves its value out
                // (initialised by its push, published by the Acquire load of the link above);
                // the old dummy is unreachable from `head` and `tail` and retired once, here.
                let value = unsafe {
                    let value = (*next).value.with(|value| ptr::read(value).assume_init());
                    epoch::retire(&guard, head);
                    value
                };
                return (Some(value), retries);
            }
            retries += 1;
        }
    }

    /// Whether the queue is empty; a snapshot that may be stale at once.
    pub fn is_empty(&self) -> bool {
        let _guard = epoch::pin();
        let head = self.head.load(Ordering::Acquire);
        // SAFETY: read after pinning, as in `pop_counted`.
        unsafe { &(*head).next }.load(Ordering::Acquire).is_null()
    }
}

impl<T> Default for MsQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for MsQueue<T> {
    fn drop(&mut self) {
        let mut node = self.head.load(Ordering::Relaxed);
        let mut is_dummy = true;
        while !node.is_null() {
            // SAFETY: `&mut self` leaves no other user; each linked node is freed once, and every
            // node after the dummy still holds its initialised value, dropped once here.
            unsafe {
                let boxed = Box::from_raw(node);
                node = boxed.next.load(Ordering::Relaxed);
                if !is_dummy {
                    drop(boxed.value.into_inner().assume_init());
                }
            }
            is_dummy = false;
        }
    }
}

crate::container::unbounded_counted_container!(MsQueue, Order::Fifo);

#[cfg(all(test, not(any(loom, shuttle))))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[test]
    fn fifo_single_thread() {
        let queue = MsQueue::new();
        assert!(queue.is_empty());
        for item in 0..5 {
            assert_eq!(queue.push_counted(item), 0, "no retries without contention");
        }
        assert!(!queue.is_empty());
        let popped: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(popped, [0, 1, 2, 3, 4]);
        assert_eq!(queue.pop_counted(), (None, 0));
        queue.push(7);
        assert_eq!(queue.pop(), Some(7), "usable again after running empty");
    }

    #[test]
    fn drop_frees_remaining_items_once() {
        let live = Arc::new(AtomicUsize::new(0));
        struct Tracked(Arc<AtomicUsize>);
        impl Drop for Tracked {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let queue = MsQueue::new();
        for _ in 0..10 {
            live.fetch_add(1, Ordering::Relaxed);
            queue.push(Tracked(live.clone()));
        }
        drop(queue.pop());
        assert_eq!(live.load(Ordering::Relaxed), 9, "a popped item is dropped by its popper");
        drop(queue);
        assert_eq!(live.load(Ordering::Relaxed), 0, "dropping the queue drops what it holds");
    }

    #[test]
    fn each_producer_order_survives_concurrency() {
        let queue = MsQueue::new();
        std::thread::scope(|s| {
            for producer in 0..2u64 {
                let queue = &queue;
                s.spawn(move || (0..2_000).for_each(|index| queue.push(producer << 32 | index)));
            }
            let consumer = s.spawn(|| {
                let mut last = [None; 2];
                let mut received = 0;
                while received < 4_000 {
                    if let Some(item) = queue.pop() {
                        let (producer, index) = ((item >> 32) as usize, item & 0xffff_ffff);
                        assert!(last[producer] < Some(index), "producer {producer} out of order");
                        last[producer] = Some(index);
                        received += 1;
                    }
                }
            });
            consumer.join().unwrap();
        });
        assert!(queue.is_empty());
    }
}
