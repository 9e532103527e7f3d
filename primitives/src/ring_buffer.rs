//! A lock-free bounded MPMC ring buffer with a sequence stamp per slot (Dmitry Vyukov, "Bounded
//! MPMC queue", 1024cores.net, 2010; the same design as crossbeam's `ArrayQueue`), plus a close
//! that is exact under races.
//!
//! Producers and consumers never lock: each claims a position with one compare-and-swap on `tail`
//! or `head`, then works on its slot alone. The slot's stamp says whose turn it is, so a slow
//! thread never blocks the others' claims, and the hand-off of each item is one Release store
//! paired with one Acquire load on the slot's own cache line.
//!
//! Positions are `u64`s that only grow (at 10^9 operations a second they would wrap after 146
//! years, with two top bits spare). A stamp is twice a position, plus one when full, so a slot
//! free for the push at `p` (stamp `2p`) never looks like the same slot full with the item of
//! `p - 1`, even at capacity 1 (Vyukov's original uses `p` and `p + 1` and needs 2 slots; crossbeam
//! separates laps in the same way).
//!
//! Closing sets a bit in `tail`, so the claim of a push and the close are ordered by that one word:
//! a push either claimed its position before the close (and its item will be delivered) or fails.
//! A pop that finds its slot unfilled and `tail` closed at its own position knows nothing more
//! will come.
//!
//! [`BlockingRingBuffer`] wraps it with blocking ends for [`BoundedQueue`](crate::queue::BoundedQueue).

mod blocking;

use std::mem::MaybeUninit;

use crossbeam_utils::CachePadded;

pub use blocking::BlockingRingBuffer;

use crate::chaos;
use crate::queue::check_capacity;
use crate::sync::{AtomicU64, Ordering, UnsafeCell};

/// Set in `tail` by [`RingBuffer::close`]; positions stay far below it.
const CLOSED: u64 = 1 << 63;

/// Why [`RingBuffer::try_push`] handed the item back.
#[derive(Debug, PartialEq, Eq)]
pub enum PushError<T> {
    /// Every slot holds an item (or the oldest one is being popped right now).
    Full(T),
    /// The buffer was closed.
    Closed(T),
}

/// Why [`RingBuffer::try_pop`] found nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum PopError {
    /// No item yet. This includes a push that has claimed the next slot and not yet filled it:
    /// a caller that must not miss that item retries.
    Empty,
    /// Closed, and every item pushed before the close has been popped.
    Closed,
}

/// Vyukov's bounded MPMC queue: non-blocking `try_push` / `try_pop`, and an exact `close`.
pub struct RingBuffer<T> {
    /// Position of the next pop. Only grows, by one successful CAS per pop.
    head: CachePadded<AtomicU64>,
    /// Position of the next push, plus [`CLOSED`] once closed. The position grows by one successful
    /// CAS per push; no CAS succeeds after `CLOSED` is set, so the position then stays final.
    tail: CachePadded<AtomicU64>,
    /// Position `p` lives in slot `p % slots.len()`.
    slots: Box<[Slot<T>]>,
}

struct Slot<T> {
    /// `2p`: free, for the push at position `p`. `2p + 1`: holds the item pushed at `p`, for the
    /// pop at `p`, which then stores `2(p + capacity)` (free for the next lap).
    stamp: AtomicU64,
    /// Initialised exactly while the stamp is odd (between a push's publish and the pop's claim).
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: items move between threads (hence `T: Send`), and each slot's value is touched only by
// the one thread whose CAS claimed its position, after an Acquire of the stamp that the previous
// owner published with Release. No `&T` is ever shared, so `T: Sync` is not needed.
unsafe impl<T: Send> Send for RingBuffer<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for RingBuffer<T> {}

impl<T> RingBuffer<T> {
    /// An empty, open buffer of `capacity` slots (at least 1).
    pub fn new(capacity: usize) -> Self {
        check_capacity(capacity);
        let slots = (0..capacity as u64)
            .map(|p| Slot {
                stamp: AtomicU64::new(2 * p),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Self {
            head: CachePadded::new(AtomicU64::new(0)),
            tail: CachePadded::new(AtomicU64::new(0)),
            slots,
        }
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    #[inline]
    fn slot(&self, position: u64) -> &Slot<T> {
        &self.slots[(position % self.slots.len() as u64) as usize]
    }

    /// Appends `item` unless the buffer is full or closed.
    #[inline]
    pub fn try_push(&self, item: T) -> Result<(), PushError<T>> {
        chaos::point();
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & CLOSED != 0 {
                return Err(PushError::Closed(item));
            }
            let slot = self.slot(tail);
            // Acquire: pairs with the Release of the pop that freed the slot, so its read of the
            // old item happens before our write.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == 2 * tail {
                // Relaxed: the CAS only has to make the position ours; data moves through stamps.
                match self.tail.compare_exchange_weak(
                    tail,
                    tail + 1,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: our CAS claimed position `tail`, so no other thread touches the
                        // slot until we publish the stamp, and its stamp showed it free.
                        slot.value.with_mut(|value| unsafe { (*value).write(item) });
                        // Release: publishes the item to the Acquire of the pop at `tail`.
                        slot.stamp.store(2 * tail + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(current) => tail = current,
                }
            } else if stamp < 2 * tail {
                // Still the item of the previous lap: full.
                return Err(PushError::Full(item));
            } else {
                // Position `tail` was taken by another push since we read it: catch up.
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Removes the oldest item, if one is ready.
    #[inline]
    pub fn try_pop(&self) -> Result<T, PopError> {
        chaos::point();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let slot = self.slot(head);
            // Acquire: pairs with the Release of the push that filled the slot.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == 2 * head + 1 {
                match self.head.compare_exchange_weak(
                    head,
                    head + 1,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: our CAS claimed position `head`, whose odd stamp says the slot
                        // holds an initialised item; nobody else reads or writes it until the
                        // stamp below frees it, so it is moved out exactly once.
                        let item = slot.value.with(|value| unsafe { (*value).assume_init_read() });
                        let next_lap = 2 * (head + self.slots.len() as u64);
                        // Release: our read of the item happens before the next push's write.
                        slot.stamp.store(next_lap, Ordering::Release);
                        return Ok(item);
                    }
                    Err(current) => head = current,
                }
            } else if stamp < 2 * head + 1 {
                // Position `head` is not filled. If `tail` is closed right there, no push ever
                // claimed it (a claim would have moved `tail` past it before the close bit was
                // set), so nothing more will come. Acquire: pairs with the Release in `close`, so
                // whatever the closer did before closing happens before our `Closed`.
                let tail = self.tail.load(Ordering::Acquire);
                return Err(if tail == head | CLOSED { PopError::Closed } else { PopError::Empty });
            } else {
                // Position `head` was popped by another thread since we read it: catch up.
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Closes the buffer: later pushes fail; pops drain what was pushed before, then report
    /// [`PopError::Closed`]. Closing twice is harmless.
    pub fn close(&self) {
        // Release: what the closer did before closing happens before the `Closed` a pop sees.
        self.tail.fetch_or(CLOSED, Ordering::Release);
    }

    /// Whether [`close`](Self::close) has been called.
    pub fn is_closed(&self) -> bool {
        self.tail.load(Ordering::Relaxed) & CLOSED != 0
    }
}

impl<T> Drop for RingBuffer<T> {
    fn drop(&mut self) {
        // With `&mut self` every claimed push has finished, so this drops exactly the items left.
        while self.try_pop().is_ok() {}
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn fills_then_reports_full_then_wraps_in_fifo_order() {
        for capacity in [1, 2, 3] {
            let ring = RingBuffer::new(capacity);
            for lap in 0..3 {
                for i in 0..capacity {
                    ring.try_push(lap * 10 + i).unwrap();
                }
                assert_eq!(ring.try_push(99), Err(PushError::Full(99)));
                for i in 0..capacity {
                    assert_eq!(ring.try_pop(), Ok(lap * 10 + i));
                }
                assert_eq!(ring.try_pop(), Err(PopError::Empty));
            }
        }
    }

    #[test]
    fn close_drains_then_reports_closed() {
        let ring = RingBuffer::new(4);
        ring.try_push(1).unwrap();
        ring.try_push(2).unwrap();
        ring.close();
        assert!(ring.is_closed());
        assert_eq!(ring.try_push(3), Err(PushError::Closed(3)));
        assert_eq!((ring.try_pop(), ring.try_pop()), (Ok(1), Ok(2)));
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
        ring.close();
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
    }

    /// Items still inside are dropped with the buffer, exactly once.
    #[test]
    fn drop_releases_items_left_inside() {
        let item = Arc::new(());
        let ring = RingBuffer::new(3);
        ring.try_push(item.clone()).unwrap();
        ring.try_push(item.clone()).unwrap();
        drop(ring.try_pop());
        assert_eq!(Arc::strong_count(&item), 2);
        drop(ring);
        assert_eq!(Arc::strong_count(&item), 1);
    }
}
