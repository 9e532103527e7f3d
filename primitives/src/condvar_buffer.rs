//! A bounded buffer guarded by one mutex, with a condition variable per side that is notified only
//! when a thread sleeps on it (the monitor of Hoare, "Monitors: an operating system structuring
//! concept", 1974; the waiter count is the trick of chapter 9 of Mara Bos, "Rust Atomics and
//! Locks", which skips the wake-up call when nobody waits).
//!
//! The textbook version notifies on every push and every pop. `std::sync::Condvar::notify_one`
//! is a futex syscall even with no waiter (about 157 ns), which caps it near 2.7 M items/s. Here
//! each side counts the threads asleep on its condvar and *not yet signalled*: a push or pop
//! notifies only when that count is non-zero and takes the signalled sleeper off it, so a burst of
//! pushes wakes a sleeping consumer once, not once per item while it is still waking up.
//!
//! The mutex and condition variables are parking_lot's (loom's under `--cfg loom`), which spin
//! before they park; on std's, the same design runs at about half the rate (measured with
//! `syncbench run buffer --threads 2 --set capacity=1024`).
//!
//! Before sleeping, a waiter spins briefly on a length hint with the lock released (as
//! parking_lot's mutex spins before parking), so two threads that keep up with each other hand
//! items over without sleeping, and the other side pays no wake-up call.
//!
//! A sleeper woken spuriously (or by `close`) stays counted, so the count may be too high, never
//! too low: too high costs one unneeded notify later, which corrects it; too low would strand a
//! sleeper. Every waiter re-checks its condition under the mutex in a loop.

use std::collections::VecDeque;
use std::sync::PoisonError;

#[cfg(not(any(loom, shuttle)))]
use crate::backoff::Backoff;
use crate::chaos;
use crate::queue::{check_capacity, BoundedQueue};
use crate::sync::parking::{Condvar, Mutex, MutexGuard};
use crate::sync::{AtomicUsize, Ordering};

/// A bounded MPMC FIFO buffer: a mutex, a `VecDeque`, and two condition variables (not full, not
/// empty) notified only when someone sleeps on them. Closes exactly (see [`BoundedQueue`]).
///
/// ```
/// use primitives::condvar_buffer::CondvarBuffer;
/// use primitives::queue::BoundedQueue;
///
/// let buffer = CondvarBuffer::with_capacity(2);
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         (0..5).for_each(|i| buffer.push(i).unwrap());
///         buffer.close();
///     });
///     let received: Vec<i32> = std::iter::from_fn(|| buffer.pop()).collect();
///     assert_eq!(received, [0, 1, 2, 3, 4]);
/// });
/// ```
pub struct CondvarBuffer<T> {
    state: Mutex<State<T>>,
    /// `items.len()` as of the last change, stored under the lock and read without it by a waiter
    /// spinning before it sleeps.
    len_hint: AtomicUsize,
    /// The most items the buffer holds (also in `State`, for use without the lock).
    #[cfg_attr(any(loom, shuttle), allow(dead_code))]
    capacity: usize,
    /// Signalled when an item is taken from a full buffer and a producer sleeps.
    not_full: Condvar,
    /// Signalled when an item is added and a consumer sleeps.
    not_empty: Condvar,
}

/// Everything the mutex guards.
struct State<T> {
    /// The items, oldest first. `items.len() <= capacity` always; allocated once, never grows.
    items: VecDeque<T>,
    capacity: usize,
    /// Set once by `close`, never cleared: pushes fail, pops stop at empty.
    closed: bool,
    /// Producers asleep on `not_full` and not yet signalled (an upper bound; see the module docs).
    sleeping_producers: usize,
    /// Consumers asleep on `not_empty` and not yet signalled (an upper bound).
    sleeping_consumers: usize,
}

impl<T> CondvarBuffer<T> {
    /// An empty, open buffer holding at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        check_capacity(capacity);
        Self {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                capacity,
                closed: false,
                sleeping_producers: 0,
                sleeping_consumers: 0,
            }),
            len_hint: AtomicUsize::new(0),
            capacity,
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
        }
    }

    /// Locks the state. Poisoning is ignored: no code under the lock can panic half-way through
    /// a change (the deque never reallocates), so the state is consistent even after a panic.
    #[inline]
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `item`, sleeping while the buffer is full; `Err(item)` once closed.
    #[inline]
    pub fn push(&self, item: T) -> Result<(), T> {
        chaos::point();
        let mut state = self.lock();
        if state.items.len() == state.capacity && !state.closed {
            state = self.wait_for(state, Side::Producer);
        }
        if state.closed {
            return Err(item);
        }
        state.items.push_back(item);
        self.len_hint.store(state.items.len(), Ordering::Relaxed);
        let wake = take_sleeper(&mut state.sleeping_consumers);
        drop(state);
        if wake {
            chaos::point();
            // Outside the lock, so the woken consumer does not block on the mutex we still hold.
            self.not_empty.notify_one();
        }
        Ok(())
    }

    /// Removes the oldest item, sleeping while the buffer is empty; `None` once closed and empty.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        chaos::point();
        let mut state = self.lock();
        if state.items.is_empty() && !state.closed {
            state = self.wait_for(state, Side::Consumer);
        }
        // Closed and empty gives `None`; closed with items left still drains them.
        let item = state.items.pop_front()?;
        self.len_hint.store(state.items.len(), Ordering::Relaxed);
        let wake = take_sleeper(&mut state.sleeping_producers);
        drop(state);
        if wake {
            chaos::point();
            self.not_full.notify_one();
        }
        Some(item)
    }

    /// Waits, from `state` (locked), until `side` can proceed or the buffer is closed, and returns
    /// the lock. First it spins on the length hint with the lock released, backing off: the other
    /// side usually changes the length within a microsecond, while a sleep and wake-up cost two
    /// syscalls and 5–40 µs — and a side that sleeps whenever the buffer is full (or empty) makes
    /// the other side pay a wake-up per item. Only then does it sleep on its condition variable,
    /// counted, re-checking under the lock.
    #[cold]
    fn wait_for<'a>(
        &'a self,
        state: MutexGuard<'a, State<T>>,
        side: Side,
    ) -> MutexGuard<'a, State<T>> {
        drop(state);
        chaos::point();
        // The spin only reads a hint and ends in the locked re-check below, so correctness never
        // depends on it; loom and shuttle skip it (its yields would multiply the schedules to
        // explore).
        #[cfg(not(any(loom, shuttle)))]
        {
            let mut backoff = Backoff::new();
            while !backoff.is_completed()
                && !side.worth_locking(self.len_hint.load(Ordering::Relaxed), self.capacity)
            {
                backoff.snooze();
            }
        }
        let mut state = self.lock();
        while !side.can_proceed(&state) {
            let condvar = match side {
                Side::Producer => {
                    state.sleeping_producers += 1;
                    &self.not_full
                }
                Side::Consumer => {
                    state.sleeping_consumers += 1;
                    &self.not_empty
                }
            };
            chaos::point();
            state = condvar.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        state
    }

    /// Closes the buffer and wakes every sleeper (see [`BoundedQueue::close`]).
    pub fn close(&self) {
        chaos::point();
        let mut state = self.lock();
        state.closed = true;
        state.sleeping_producers = 0;
        state.sleeping_consumers = 0;
        drop(state);
        self.not_full.notify_all();
        self.not_empty.notify_all();
    }
}

/// Which end of the buffer a thread waits at.
#[derive(Clone, Copy)]
enum Side {
    /// Waits for room.
    Producer,
    /// Waits for an item.
    Consumer,
}

impl Side {
    /// Whether a thread at this end can stop waiting: its condition holds or the buffer is closed.
    fn can_proceed<T>(self, state: &State<T>) -> bool {
        state.closed || self.may_proceed(state.items.len(), state.capacity)
    }

    /// Whether a buffer of `len` items out of `capacity` lets this end proceed.
    fn may_proceed(self, len: usize, capacity: usize) -> bool {
        match self {
            Side::Producer => len < capacity,
            Side::Consumer => len > 0,
        }
    }

    #[cfg(not(any(loom, shuttle)))]
    /// Whether a spinning waiter should stop spinning: a producer waits for some slack (an
    /// eighth of the buffer), so that it and the consumers stop taking turns at the mutex for
    /// every single item.
    fn worth_locking(self, len: usize, capacity: usize) -> bool {
        match self {
            Side::Producer => len + (capacity / 8).max(1) <= capacity,
            Side::Consumer => len > 0,
        }
    }
}

/// Claims one sleeper to signal, if the count says there is one. Called under the lock.
#[inline]
fn take_sleeper(sleeping: &mut usize) -> bool {
    let any = *sleeping > 0;
    if any {
        *sleeping -= 1;
    }
    any
}

impl<T: Send> BoundedQueue<T> for CondvarBuffer<T> {
    fn with_capacity(capacity: usize) -> Self {
        Self::new(capacity)
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        CondvarBuffer::push(self, item)
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        CondvarBuffer::pop(self)
    }

    fn close(&self) {
        CondvarBuffer::close(self)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn fifo_then_close_drains() {
        let buffer = CondvarBuffer::new(3);
        (1..=3).for_each(|i| buffer.push(i).unwrap());
        assert_eq!(buffer.pop(), Some(1));
        buffer.close();
        assert_eq!(buffer.push(9), Err(9), "push after close must fail");
        assert_eq!((buffer.pop(), buffer.pop(), buffer.pop()), (Some(2), Some(3), None));
        buffer.close(); // twice is harmless
        assert_eq!(buffer.pop(), None);
    }

    #[test]
    #[should_panic(expected = "capacity of at least 1")]
    fn zero_capacity_is_refused() {
        let _ = CondvarBuffer::<u8>::new(0);
    }

    /// A sleeping consumer is counted, signalled once, and taken off the count by the push.
    #[test]
    fn push_signals_a_counted_sleeper_once() {
        let buffer = CondvarBuffer::new(4);
        thread::scope(|s| {
            let consumer = s.spawn(|| buffer.pop());
            while buffer.lock().sleeping_consumers == 0 {
                thread::yield_now();
            }
            buffer.push(7).unwrap();
            assert_eq!(buffer.lock().sleeping_consumers, 0, "the push claims the sleeper");
            assert_eq!(consumer.join().unwrap(), Some(7));
        });
    }

    /// `close` wakes producers blocked on a full buffer and consumers blocked on an empty one.
    #[test]
    fn close_wakes_every_sleeper() {
        let full = CondvarBuffer::new(1);
        full.push(0).unwrap();
        let empty = CondvarBuffer::<i32>::new(1);
        thread::scope(|s| {
            let full = &full;
            let producers: Vec<_> = (1..3).map(|i| s.spawn(move || full.push(i))).collect();
            let consumers: Vec<_> = (0..2).map(|_| s.spawn(|| empty.pop())).collect();
            while full.lock().sleeping_producers < 2 || empty.lock().sleeping_consumers < 2 {
                thread::yield_now();
            }
            full.close();
            empty.close();
            for (i, producer) in (1..3).zip(producers) {
                assert_eq!(producer.join().unwrap(), Err(i));
            }
            consumers.into_iter().for_each(|c| assert_eq!(c.join().unwrap(), None));
        });
        assert_eq!((full.pop(), full.pop()), (Some(0), None));
    }
}
