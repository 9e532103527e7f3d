//! Library and lock-based rivals behind [`ConcurrentContainer`].
//!
//! | type | order | bounded | what |
//! |---|---|---|---|
//! | `std::sync::Mutex<Vec<T>>` | LIFO | no | the textbook locked stack |
//! | `parking_lot::Mutex<Vec<T>>` | LIFO | no | the same on parking_lot's lock |
//! | `std::sync::Mutex<VecDeque<T>>` | FIFO | no | the textbook locked queue |
//! | [`SegQueue`] | FIFO | no | crossbeam's lock-free queue of linked segments |
//! | [`ArrayQueue`] | FIFO | yes | crossbeam's lock-free ring (Vyukov's bounded queue) |
//!
//! None of them reports retries ([`ConcurrentContainer::COUNTS_RETRIES`] is `false`): a lock
//! waits rather than retries, and the crossbeam queues keep their retry loops inside.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use crossbeam::queue::{ArrayQueue, SegQueue};

use crate::container::{ConcurrentContainer, Order};

impl<T: Send> ConcurrentContainer<T> for Mutex<Vec<T>> {
    const ORDER: Order = Order::Lifo;

    fn with_capacity(capacity: usize) -> Self {
        Mutex::new(Vec::with_capacity(capacity))
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        // A panic while holding the lock is a bug in the caller, not a state to recover from:
        // poisoning is ignored, as in the `Lock` adapter.
        self.lock().unwrap_or_else(PoisonError::into_inner).push(item);
        Ok(())
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        self.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }
}

impl<T: Send> ConcurrentContainer<T> for parking_lot::Mutex<Vec<T>> {
    const ORDER: Order = Order::Lifo;

    fn with_capacity(capacity: usize) -> Self {
        parking_lot::Mutex::new(Vec::with_capacity(capacity))
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        self.lock().push(item);
        Ok(())
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        self.lock().pop()
    }
}

impl<T: Send> ConcurrentContainer<T> for Mutex<VecDeque<T>> {
    const ORDER: Order = Order::Fifo;

    fn with_capacity(capacity: usize) -> Self {
        Mutex::new(VecDeque::with_capacity(capacity))
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        self.lock().unwrap_or_else(PoisonError::into_inner).push_back(item);
        Ok(())
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        self.lock().unwrap_or_else(PoisonError::into_inner).pop_front()
    }
}

impl<T: Send> ConcurrentContainer<T> for SegQueue<T> {
    const ORDER: Order = Order::Fifo;

    fn with_capacity(_capacity: usize) -> Self {
        SegQueue::new()
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        SegQueue::push(self, item);
        Ok(())
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        SegQueue::pop(self)
    }
}

impl<T: Send> ConcurrentContainer<T> for ArrayQueue<T> {
    const ORDER: Order = Order::Fifo;

    /// # Panics
    ///
    /// If `capacity` is 0.
    fn with_capacity(capacity: usize) -> Self {
        ArrayQueue::new(capacity)
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        ArrayQueue::push(self, item)
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        ArrayQueue::pop(self)
    }
}

#[cfg(all(test, not(any(loom, shuttle))))]
mod tests {
    use super::*;

    fn in_order<C: ConcurrentContainer<u32>>() {
        let container = C::with_capacity(3);
        for item in 1..=3 {
            assert_eq!(container.push_counted(item), (Ok(()), 0));
        }
        let popped: Vec<_> = std::iter::from_fn(|| container.pop()).collect();
        let expected = match C::ORDER {
            Order::Lifo => [3, 2, 1],
            Order::Fifo => [1, 2, 3],
        };
        assert_eq!(popped, expected);
        assert_eq!(container.pop_counted(), (None, 0));
        assert!(!C::COUNTS_RETRIES);
    }

    #[test]
    fn every_rival_keeps_its_order() {
        in_order::<Mutex<Vec<u32>>>();
        in_order::<parking_lot::Mutex<Vec<u32>>>();
        in_order::<Mutex<VecDeque<u32>>>();
        in_order::<SegQueue<u32>>();
        in_order::<ArrayQueue<u32>>();
    }

    #[test]
    fn array_queue_hands_back_items_when_full() {
        let queue = <ArrayQueue<u32> as ConcurrentContainer<u32>>::with_capacity(1);
        assert_eq!(ConcurrentContainer::push(&queue, 1), Ok(()));
        assert_eq!(ConcurrentContainer::push(&queue, 2), Err(2));
    }
}
