//! Library queues behind [`BoundedQueue`].
//!
//! | type | what |
//! |---|---|
//! | [`StdSyncChannel`] | std `sync_channel`; its single `Receiver` behind a `Mutex` (the price of many consumers on std), none when promised one consumer |
//! | [`CrossbeamChannel`] | crossbeam-channel `bounded`: MPMC, parks when blocked |
//! | [`ArrayQueueBackoff`] | crossbeam-queue `ArrayQueue`, never parks: snoozes with [`Backoff`] while full or empty |
//! | [`StdTextbookQueue`] | std `Mutex<VecDeque>` + two `Condvar`s, notifying on every item |
//! | [`ParkingLotTextbookQueue`] | the same on parking_lot |
//!
//! The channels and `ArrayQueue` close by the rule documented on [`BoundedQueue`]: only after the
//! last push has returned. `close` sets a flag that pushes only read, then sends an end marker
//! ([`Msg::End`]); a consumer that receives it puts it back for the others and returns `None`.
//! The textbook queues close exactly, like the hand-rolled ones.

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, PoisonError};

use crossbeam::queue::ArrayQueue;
use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::queue::{check_capacity, BoundedQueue};

/// What travels through a channel adapter: an item, or the end marker sent by `close`.
pub enum Msg<T> {
    /// A pushed item.
    Item(T),
    /// Sent once by `close`, after the last item; consumers pass it on.
    End,
}

/// std's bounded channel. `Receiver` is not `Sync`, so consumers take turns through a `Mutex`,
/// unless the queue was promised a single consumer.
pub struct StdSyncChannel<T> {
    sender: mpsc::SyncSender<Msg<T>>,
    /// Only the consumer holding `turns` (or the one consumer promised to
    /// [`BoundedQueue::assume_single_consumer`]) touches it.
    receiver: UnsafeCell<mpsc::Receiver<Msg<T>>>,
    /// Written by every pop that takes it (lock and unlock), so it has a cache line of its own:
    /// beside the sender and the flag that every push reads, each pop would pull the pushing
    /// thread's copy of the line away, and each push pull it back.
    turns: CachePadded<std::sync::Mutex<()>>,
    /// Pops never overlap: no turns to take. A lock taken on every pop costs a one-consumer
    /// channel more than its atomics: the lock's read-modify-write waits for the stores the
    /// previous receive left in flight.
    single_consumer: bool,
    /// Set by `close`; read (never written) by pushes.
    closed: AtomicBool,
}

// SAFETY: the only field that is not `Sync` is `receiver`, and `pop` reaches it only while
// holding `turns`, or when the owner promised that no two pops overlap; `Receiver<Msg<T>>` is
// `Send` for `T: Send`, so the consumer that uses it may be any thread.
unsafe impl<T: Send> Sync for StdSyncChannel<T> {}

impl<T: Send> BoundedQueue<T> for StdSyncChannel<T> {
    fn with_capacity(capacity: usize) -> Self {
        check_capacity(capacity);
        let (sender, receiver) = mpsc::sync_channel(capacity);
        Self {
            sender,
            receiver: UnsafeCell::new(receiver),
            turns: CachePadded::new(std::sync::Mutex::new(())),
            single_consumer: false,
            closed: AtomicBool::new(false),
        }
    }

    unsafe fn assume_single_consumer(&mut self) {
        self.single_consumer = true;
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(item);
        }
        self.sender.send(Msg::Item(item)).map_err(|_| unreachable!("we own the receiver"))
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        let _turn = (!self.single_consumer)
            .then(|| self.turns.lock().unwrap_or_else(PoisonError::into_inner));
        // SAFETY: this pop holds `turns`, or pops never overlap (the caller of
        // `assume_single_consumer` promised it): no other thread uses the receiver meanwhile.
        let receiver = unsafe { &*self.receiver.get() };
        match receiver.recv().expect("we own a sender") {
            Msg::Item(item) => Some(item),
            Msg::End => {
                // Room for it: we just took it out, and nothing is pushed after `close`.
                self.sender.send(Msg::End).expect("we own the receiver");
                None
            }
        }
    }

    fn close(&self) {
        if !self.closed.swap(true, Ordering::Relaxed) {
            self.sender.send(Msg::End).expect("we own the receiver");
        }
    }
}

/// crossbeam-channel's bounded (array) channel; both ends are MPMC.
pub struct CrossbeamChannel<T> {
    sender: crossbeam::channel::Sender<Msg<T>>,
    receiver: crossbeam::channel::Receiver<Msg<T>>,
    /// Set by `close`; read (never written) by pushes.
    closed: AtomicBool,
}

impl<T: Send> BoundedQueue<T> for CrossbeamChannel<T> {
    fn with_capacity(capacity: usize) -> Self {
        check_capacity(capacity);
        let (sender, receiver) = crossbeam::channel::bounded(capacity);
        Self { sender, receiver, closed: AtomicBool::new(false) }
    }

    #[inline]
    fn push(&self, item: T) -> Result<(), T> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(item);
        }
        self.sender.send(Msg::Item(item)).map_err(|_| unreachable!("we own a receiver"))
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        match self.receiver.recv().expect("we own a sender") {
            Msg::Item(item) => Some(item),
            Msg::End => {
                // Pass the marker on for the other consumers; there is room, as for std above.
                self.sender.send(Msg::End).expect("we own a receiver");
                None
            }
        }
    }

    fn close(&self) {
        if !self.closed.swap(true, Ordering::Relaxed) {
            self.sender.send(Msg::End).expect("we own a receiver");
        }
    }
}

/// crossbeam's lock-free `ArrayQueue` (Vyukov's design), made blocking by snoozing: it spins,
/// then yields forever, and never parks. Fast when both sides keep up, wasteful when one waits.
pub struct ArrayQueueBackoff<T> {
    queue: ArrayQueue<T>,
    /// Set by `close` after the last push has returned; consumers stop once they see it and the
    /// queue is empty.
    closed: AtomicBool,
}

impl<T: Send> BoundedQueue<T> for ArrayQueueBackoff<T> {
    fn with_capacity(capacity: usize) -> Self {
        check_capacity(capacity);
        Self { queue: ArrayQueue::new(capacity), closed: AtomicBool::new(false) }
    }

    fn push(&self, mut item: T) -> Result<(), T> {
        let mut backoff = Backoff::new();
        loop {
            if self.closed.load(Ordering::Relaxed) {
                return Err(item);
            }
            match self.queue.push(item) {
                Ok(()) => return Ok(()),
                Err(back) => item = back,
            }
            backoff.snooze();
        }
    }

    fn pop(&self) -> Option<T> {
        let mut backoff = Backoff::new();
        loop {
            if let Some(item) = self.queue.pop() {
                return Some(item);
            }
            // Acquire: pairs with the Release in `close`, which follows every push, so the pop
            // below sees every item and an empty queue is final.
            if self.closed.load(Ordering::Acquire) {
                return self.queue.pop();
            }
            backoff.snooze();
        }
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }
}

/// The items (at most `capacity`) and whether the queue is closed, under the textbook's mutex.
type Textbook<T> = (VecDeque<T>, bool);

/// The textbook std monitor queue: `notify_one` after every push and every pop whether or not
/// anyone waits, so it is capped by about two futex syscalls per item. The baseline that
/// [`CondvarBuffer`](crate::condvar_buffer::CondvarBuffer) must beat.
pub struct StdTextbookQueue<T> {
    state: std::sync::Mutex<Textbook<T>>,
    capacity: usize,
    not_full: std::sync::Condvar,
    not_empty: std::sync::Condvar,
}

impl<T: Send> BoundedQueue<T> for StdTextbookQueue<T> {
    fn with_capacity(capacity: usize) -> Self {
        check_capacity(capacity);
        Self {
            state: std::sync::Mutex::new((VecDeque::with_capacity(capacity), false)),
            capacity,
            not_full: std::sync::Condvar::new(),
            not_empty: std::sync::Condvar::new(),
        }
    }

    fn push(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.0.len() == self.capacity && !state.1 {
            state = self.not_full.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        if state.1 {
            return Err(item);
        }
        state.0.push_back(item);
        self.not_empty.notify_one();
        Ok(())
    }

    fn pop(&self) -> Option<T> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.0.is_empty() && !state.1 {
            state = self.not_empty.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        let item = state.0.pop_front()?;
        self.not_full.notify_one();
        Some(item)
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = true;
        self.not_full.notify_all();
        self.not_empty.notify_all();
    }
}

/// The same textbook queue on parking_lot, whose `notify_one` without a waiter costs next to
/// nothing, so notifying on every item is cheap there.
pub struct ParkingLotTextbookQueue<T> {
    state: parking_lot::Mutex<Textbook<T>>,
    capacity: usize,
    not_full: parking_lot::Condvar,
    not_empty: parking_lot::Condvar,
}

impl<T: Send> BoundedQueue<T> for ParkingLotTextbookQueue<T> {
    fn with_capacity(capacity: usize) -> Self {
        check_capacity(capacity);
        Self {
            state: parking_lot::Mutex::new((VecDeque::with_capacity(capacity), false)),
            capacity,
            not_full: parking_lot::Condvar::new(),
            not_empty: parking_lot::Condvar::new(),
        }
    }

    fn push(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock();
        self.not_full.wait_while(&mut state, |state| state.0.len() == self.capacity && !state.1);
        if state.1 {
            return Err(item);
        }
        state.0.push_back(item);
        self.not_empty.notify_one();
        Ok(())
    }

    fn pop(&self) -> Option<T> {
        let mut state = self.state.lock();
        self.not_empty.wait_while(&mut state, |state| state.0.is_empty() && !state.1);
        let item = state.0.pop_front()?;
        self.not_full.notify_one();
        Some(item)
    }

    fn close(&self) {
        self.state.lock().1 = true;
        self.not_full.notify_all();
        self.not_empty.notify_all();
    }
}
