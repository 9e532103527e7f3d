//! Blocking ends for the lock-free [`RingBuffer`]: spin briefly, then park on a condition
//! variable (the spin-then-park scheme of parking_lot and crossbeam-channel's array flavour).
//!
//! The fast path of a push or pop is the ring's own CAS plus one check that nobody is parked, so
//! no lock and no syscall is paid while both sides keep up. A thread that finds the buffer full
//! (or empty) snoozes with [`Backoff`] and, if that does not end the wait, parks.
//!
//! Parking must not miss a wake-up. A parker counts itself, then re-checks the ring; a waker
//! changes the ring, then reads the count. A `SeqCst` fence on each side (between its write and
//! its read) forbids both reads from missing both writes, the store-buffering outcome: either the
//! waker sees the parker, or the parker's re-check sees the change. The count changes only under
//! the parking mutex, which the parker holds from counting until `wait` releases it, so a waker
//! that takes the mutex signals a parker that is really waiting.

use crossbeam_utils::CachePadded;
use std::sync::PoisonError;

use super::{PopError, PushError, RingBuffer};
use crate::backoff::Backoff;
use crate::chaos;
use crate::queue::BoundedQueue;
use crate::sync::{fence, AtomicUsize, Condvar, Mutex, MutexGuard, Ordering};

/// [`RingBuffer`] with ends that block: spin, then park. Closes exactly (see [`BoundedQueue`]).
///
/// ```
/// use primitives::queue::BoundedQueue;
/// use primitives::ring_buffer::BlockingRingBuffer;
///
/// let ring = BlockingRingBuffer::with_capacity(1);
/// std::thread::scope(|s| {
///     s.spawn(|| (0..3).for_each(|i| ring.push(i).unwrap()));
///     assert_eq!([ring.pop(), ring.pop(), ring.pop()], [Some(0), Some(1), Some(2)]);
/// });
/// ring.close();
/// assert_eq!(ring.pop(), None);
/// ```
pub struct BlockingRingBuffer<T> {
    ring: RingBuffer<T>,
    /// Producers parked (or about to park) on `room` and not yet signalled: an upper bound, since a
    /// spuriously woken parker stays counted. Changed only under `parking`; read without it.
    parked_producers: CachePadded<AtomicUsize>,
    /// Consumers parked (or about to park) on `items` and not yet signalled; as above.
    parked_consumers: CachePadded<AtomicUsize>,
    /// Held only to park, to signal a parker and to close; never on the fast path.
    parking: Mutex<()>,
    /// Signalled when a pop makes room and a producer is parked.
    room: Condvar,
    /// Signalled when a push adds an item and a consumer is parked.
    items: Condvar,
}

impl<T> BlockingRingBuffer<T> {
    /// An empty, open buffer of `capacity` slots (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            ring: RingBuffer::new(capacity),
            parked_producers: CachePadded::new(AtomicUsize::new(0)),
            parked_consumers: CachePadded::new(AtomicUsize::new(0)),
            parking: Mutex::new(()),
            room: Condvar::new(),
            items: Condvar::new(),
        }
    }

    /// Appends `item`, blocking while the buffer is full; `Err(item)` once closed.
    #[inline]
    pub fn push(&self, item: T) -> Result<(), T> {
        chaos::point();
        match self.ring.try_push(item) {
            Ok(()) => {
                self.wake_after_change(&self.parked_consumers, &self.items);
                Ok(())
            }
            Err(PushError::Closed(item)) => Err(item),
            Err(PushError::Full(item)) => self.push_contended(item),
        }
    }

    #[cold]
    fn push_contended(&self, mut item: T) -> Result<(), T> {
        let mut backoff = Backoff::new();
        loop {
            let parking = if should_park(&backoff) {
                Some(self.count_in(&self.parked_producers))
            } else {
                None
            };
            match self.ring.try_push(item) {
                Ok(()) => {
                    self.count_out(parking, &self.parked_producers);
                    self.wake_after_change(&self.parked_consumers, &self.items);
                    return Ok(());
                }
                Err(PushError::Closed(item)) => {
                    self.count_out(parking, &self.parked_producers);
                    return Err(item);
                }
                Err(PushError::Full(back)) => item = back,
            }
            match parking {
                Some(guard) => drop(self.room.wait(guard).unwrap_or_else(PoisonError::into_inner)),
                None => backoff.snooze(),
            }
        }
    }

    /// Removes the oldest item, blocking while the buffer is empty; `None` once closed and drained.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        chaos::point();
        match self.ring.try_pop() {
            Ok(item) => {
                self.wake_after_change(&self.parked_producers, &self.room);
                Some(item)
            }
            Err(PopError::Closed) => None,
            Err(PopError::Empty) => self.pop_contended(),
        }
    }

    #[cold]
    fn pop_contended(&self) -> Option<T> {
        let mut backoff = Backoff::new();
        loop {
            let parking = if should_park(&backoff) {
                Some(self.count_in(&self.parked_consumers))
            } else {
                None
            };
            match self.ring.try_pop() {
                Ok(item) => {
                    self.count_out(parking, &self.parked_consumers);
                    self.wake_after_change(&self.parked_producers, &self.room);
                    return Some(item);
                }
                Err(PopError::Closed) => {
                    self.count_out(parking, &self.parked_consumers);
                    return None;
                }
                Err(PopError::Empty) => {}
            }
            match parking {
                Some(guard) => drop(self.items.wait(guard).unwrap_or_else(PoisonError::into_inner)),
                None => backoff.snooze(),
            }
        }
    }

    /// Closes the buffer and wakes every parked thread (see [`BoundedQueue::close`]).
    pub fn close(&self) {
        chaos::point();
        self.ring.close();
        // Under the mutex: a parker is either already waiting (and woken here) or has not yet
        // counted itself, and then its re-check, after it takes the mutex, sees the close.
        let _guard = self.lock();
        self.parked_producers.store(0, Ordering::Relaxed);
        self.parked_consumers.store(0, Ordering::Relaxed);
        self.room.notify_all();
        self.items.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.parking.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The parker's half: count this thread as parked, then fence before the re-check.
    fn count_in(&self, parked: &AtomicUsize) -> MutexGuard<'_, ()> {
        let guard = self.lock();
        parked.fetch_add(1, Ordering::Relaxed);
        // SeqCst: orders the count before the re-check (see the module docs).
        fence(Ordering::SeqCst);
        chaos::point();
        guard
    }

    /// Undoes `count_in` when the re-check succeeded; we held the mutex throughout, so no waker
    /// has claimed us.
    fn count_out(&self, parking: Option<MutexGuard<'_, ()>>, parked: &AtomicUsize) {
        if let Some(guard) = parking {
            parked.fetch_sub(1, Ordering::Relaxed);
            drop(guard);
        }
    }

    /// The waker's half, after a successful push or pop: signal one parker of the other side.
    #[inline]
    fn wake_after_change(&self, parked: &AtomicUsize, condvar: &Condvar) {
        chaos::point();
        // SeqCst: orders our change of the ring before reading the count (see the module docs).
        fence(Ordering::SeqCst);
        if parked.load(Ordering::Relaxed) > 0 {
            self.wake_one(parked, condvar);
        }
    }

    #[cold]
    fn wake_one(&self, parked: &AtomicUsize, condvar: &Condvar) {
        let guard = self.lock();
        // Re-read under the mutex: another waker may have claimed the parker already.
        if parked.load(Ordering::Relaxed) > 0 {
            parked.fetch_sub(1, Ordering::Relaxed);
            drop(guard);
            chaos::point();
            condvar.notify_one();
        }
    }
}

/// Whether a waiter has spun long enough to park. Under loom it parks at once: each spin would be
/// a scheduling point, and the parking protocol is what the model must check.
#[inline]
fn should_park(backoff: &Backoff) -> bool {
    cfg!(loom) || backoff.is_completed()
}

impl<T: Send> BoundedQueue<T> for BlockingRingBuffer<T> {
    fn with_capacity(capacity: usize) -> Self {
        Self::new(capacity)
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        BlockingRingBuffer::push(self, item)
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        BlockingRingBuffer::pop(self)
    }

    fn close(&self) {
        BlockingRingBuffer::close(self)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::thread;

    /// Threads that park on a full and on an empty buffer are woken by the other side.
    #[test]
    fn parked_threads_are_woken() {
        let ring = BlockingRingBuffer::new(1);
        thread::scope(|s| {
            let consumer = s.spawn(|| ring.pop());
            while ring.parked_consumers.load(Ordering::Relaxed) == 0 {
                thread::yield_now();
            }
            ring.push(1).unwrap();
            assert_eq!(consumer.join().unwrap(), Some(1));

            ring.push(2).unwrap();
            let producer = s.spawn(|| ring.push(3));
            while ring.parked_producers.load(Ordering::Relaxed) == 0 {
                thread::yield_now();
            }
            assert_eq!(ring.pop(), Some(2));
            producer.join().unwrap().unwrap();
            assert_eq!(ring.pop(), Some(3));
        });
    }

    #[test]
    fn close_wakes_parked_threads() {
        let (full, empty) = (BlockingRingBuffer::new(1), BlockingRingBuffer::<u8>::new(1));
        full.push(0).unwrap();
        thread::scope(|s| {
            let producer = s.spawn(|| full.push(1));
            let consumer = s.spawn(|| empty.pop());
            while full.parked_producers.load(Ordering::Relaxed) == 0
                || empty.parked_consumers.load(Ordering::Relaxed) == 0
            {
                thread::yield_now();
            }
            full.close();
            empty.close();
            assert_eq!(producer.join().unwrap(), Err(1));
            assert_eq!(consumer.join().unwrap(), None);
        });
        assert_eq!((full.pop(), full.pop()), (Some(0), None));
    }
}
