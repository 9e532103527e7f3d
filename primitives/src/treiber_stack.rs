//! Treiber's lock-free stack (R. K. Treiber, "Systems Programming: Coping with Parallelism", IBM
//! Research Report RJ 5118, 1986), with memory reclaimed by epochs (Fraser, "Practical
//! lock-freedom", 2004) through crossbeam-epoch.
//!
//! The stack is a singly linked list whose head is swung by compare-and-swap: a push links its
//! new node above the head it saw, a pop replaces the head by the head's successor; whoever loses
//! the race reloads and starts over. A popped node cannot be freed at once, since another popper
//! may still be reading its `next`; it is retired to the epoch collector instead. The same
//! guarantee removes the ABA problem: a node's address cannot come back (be reallocated) while a
//! thread that saw it is still pinned, so a CAS that finds the head unchanged really finds the
//! same node with the same successor.
//!
//! ```
//! use primitives::treiber_stack::TreiberStack;
//!
//! let stack = TreiberStack::new();
//! stack.push(1);
//! stack.push(2);
//! assert_eq!(stack.pop(), Some(2));
//! let (item, retries) = stack.pop_counted();
//! assert_eq!((item, retries), (Some(1), 0));
//! assert_eq!(stack.pop(), None);
//! ```

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr;

use crate::chaos;
use crate::container::Order;
use crate::sync::{epoch, AtomicPtr, Ordering, UnsafeCell};

/// A lock-free LIFO stack of `T`, unbounded.
pub struct TreiberStack<T> {
    /// The top node, or null when the stack is empty. Written only by compare-and-swap, so every
    /// write continues the release sequence of the pushes before it: an Acquire load of any value
    /// sees every node below it fully written.
    head: AtomicPtr<Node<T>>,
    /// The stack owns its items.
    _items: PhantomData<T>,
}

struct Node<T> {
    /// Moved out exactly once, by the pop whose CAS unlinks the node; never dropped in place.
    value: UnsafeCell<ManuallyDrop<T>>,
    /// The node below. Written only while the node is private to its pusher, so after the push's
    /// CAS publishes the node it never changes.
    next: UnsafeCell<*mut Node<T>>,
}

// SAFETY: the stack hands each `T` from the pushing thread to exactly one popping thread, which
// is sound for `T: Send`; the nodes are reached only through atomics and epoch guards.
unsafe impl<T: Send> Send for TreiberStack<T> {}
// SAFETY: as above: shared access moves `T`s between threads but never shares a `&T`.
unsafe impl<T: Send> Sync for TreiberStack<T> {}

impl<T> TreiberStack<T> {
    /// An empty stack.
    pub fn new() -> Self {
        Self { head: AtomicPtr::new(ptr::null_mut()), _items: PhantomData }
    }

    /// Pushes `value` on top.
    #[inline]
    pub fn push(&self, value: T) {
        self.push_counted(value);
    }

    /// Pushes `value` on top and returns how many CAS attempts failed before one succeeded
    /// (each failure means another thread moved the head first).
    pub fn push_counted(&self, value: T) -> u32 {
        let node = Box::into_raw(Box::new(Node {
            value: UnsafeCell::new(ManuallyDrop::new(value)),
            next: UnsafeCell::new(ptr::null_mut()),
        }));
        let mut retries = 0;
        // Relaxed: a push never reads through the head, it only links below its own node.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: `node` is not published yet, so this thread is its only user.
            unsafe { (*node).next.with_mut(|next| *next = head) };
            chaos::point();
            // Release: publishes the node's value and `next` to the pop that Acquires it.
            match self.head.compare_exchange(head, node, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return retries,
                Err(now) => {
                    head = now;
                    retries += 1;
                }
            }
        }
    }

    /// Pops the top item, or `None` if the stack is empty.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        self.pop_counted().0
    }

    /// Pops the top item (or finds the stack empty) and returns how many CAS attempts failed on
    /// the way.
    pub fn pop_counted(&self) -> (Option<T>, u32) {
        // Pinned before the first load: every node this pop reaches stays allocated until the
        // guard drops, even if another thread unlinks and retires it meanwhile.
        let guard = epoch::pin();
        let mut retries = 0;
        // Acquire: pairs with the Release of the push that published `head` (or, through the
        // release sequence, of any earlier push), so the node's fields are visible.
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            if head.is_null() {
                return (None, retries);
            }
            // SAFETY: `head` was reachable after `guard` pinned, so it is not freed yet, and its
            // `next` is no longer written once published.
            let next = unsafe { (*head).next.with(|next| *next) };
            chaos::point();
            // Acquire on failure: the head found there is read through on the next attempt.
            match self.head.compare_exchange(head, next, Ordering::Acquire, Ordering::Acquire) {
                Ok(_) => {
                    // SAFETY: our CAS unlinked `head`, so this thread alone moves its value out;
                    // the node is unreachable for later pins and retired once, here.
                    let value = unsafe {
                        let value = (*head).value.with(|value| ptr::read(value));
                        epoch::retire(&guard, head);
                        value
                    };
                    return (Some(ManuallyDrop::into_inner(value)), retries);
                }
                Err(now) => {
                    head = now;
                    retries += 1;
                }
            }
        }
    }

    /// Whether the stack is empty; a snapshot that may be stale at once.
    pub fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed).is_null()
    }
}

impl<T> Default for TreiberStack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for TreiberStack<T> {
    fn drop(&mut self) {
        let mut node = self.head.load(Ordering::Relaxed);
        while !node.is_null() {
            // SAFETY: `&mut self` leaves no other user; each linked node is freed once, and its
            // value, never moved out while linked, is dropped once.
            unsafe {
                let boxed = Box::from_raw(node);
                node = boxed.next.with(|next| *next);
                drop(ManuallyDrop::into_inner(boxed.value.into_inner()));
            }
        }
    }
}

crate::container::unbounded_counted_container!(TreiberStack, Order::Lifo);

#[cfg(all(test, not(any(loom, shuttle))))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[test]
    fn lifo_single_thread() {
        let stack = TreiberStack::new();
        assert!(stack.is_empty());
        for item in 0..5 {
            assert_eq!(stack.push_counted(item), 0, "no retries without contention");
        }
        assert!(!stack.is_empty());
        let popped: Vec<_> = std::iter::from_fn(|| stack.pop()).collect();
        assert_eq!(popped, [4, 3, 2, 1, 0]);
        assert_eq!(stack.pop_counted(), (None, 0));
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
        let stack = TreiberStack::new();
        for _ in 0..10 {
            live.fetch_add(1, Ordering::Relaxed);
            stack.push(Tracked(live.clone()));
        }
        drop(stack.pop());
        assert_eq!(live.load(Ordering::Relaxed), 9, "a popped item is dropped by its popper");
        drop(stack);
        assert_eq!(live.load(Ordering::Relaxed), 0, "dropping the stack drops what it holds");
    }

    #[test]
    fn concurrent_pushes_and_pops_keep_every_item() {
        let stack = TreiberStack::new();
        let popped = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for thread in 0..4u64 {
                let (stack, popped) = (&stack, &popped);
                s.spawn(move || {
                    for index in 0..1_000 {
                        stack.push(thread << 32 | index);
                        if index % 2 == 0 && stack.pop().is_some() {
                            popped.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        let left = std::iter::from_fn(|| stack.pop()).count();
        assert_eq!(popped.into_inner() + left, 4_000);
    }
}
