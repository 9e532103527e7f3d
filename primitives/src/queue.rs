//! The trait that every bounded queue plugs into, hand-rolled or library.
//!
//! Both ends block, as in a producer/consumer pipeline: `push` waits while the queue is full,
//! `pop` while it is empty, and `close` is the shutdown that lets consumers drain and stop. A
//! workload is generic over the trait (`fn run<Q: BoundedQueue<u64>>()`), so it never knows which
//! implementation it drives.
//!
//! | implementation | where | how it waits |
//! |---|---|---|
//! | [`CondvarBuffer`](crate::condvar_buffer::CondvarBuffer) | hand-rolled | mutex + two condvars, notifying only counted sleepers |
//! | [`BlockingRingBuffer`](crate::ring_buffer::BlockingRingBuffer) | hand-rolled | Vyukov's lock-free ring; spins, then parks |
//! | [`adapters::queues`](crate::adapters::queues) | std, parking_lot, crossbeam | `sync_channel`, `bounded`, `ArrayQueue` + backoff, textbook `Mutex<VecDeque>` + `Condvar` |

/// A bounded multi-producer, multi-consumer FIFO queue whose ends block, with a close for shutdown.
///
/// # Close
///
/// After [`close`](Self::close), pushes fail and pops drain what is left, then return `None`;
/// every thread blocked in `push` or `pop` wakes up. The hand-rolled queues and the textbook
/// `Mutex<VecDeque>` adapters close *exactly*: a push racing the close either succeeds and its
/// item is delivered, or fails and hands the item back.
///
/// The channel adapters (std `sync_channel`, crossbeam `bounded`, `ArrayQueue`) could only match
/// that by adding a shared write to every push, which would misrepresent them. They assume what
/// dropping the last `Sender` of a channel means: **`close` is called only after the last `push`
/// has returned**. Benchmarks close that way (the last producer to finish closes), and so must
/// any code that is generic over this trait.
pub trait BoundedQueue<T: Send>: Send + Sync {
    /// An empty, open queue holding at most `capacity` items.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 (a rendezvous channel is a different primitive).
    fn with_capacity(capacity: usize) -> Self
    where
        Self: Sized;

    /// Appends `item`, blocking while the queue is full. Once the queue is closed, the item comes
    /// back as `Err(item)`.
    fn push(&self, item: T) -> Result<(), T>;

    /// Removes the oldest item, blocking while the queue is empty. `None` once the queue is closed
    /// and drained.
    fn pop(&self) -> Option<T>;

    /// A promise, made before the queue is shared, that pops will never overlap: one thread pops,
    /// or several take turns with each pop happening before the next. A queue that locks only so
    /// that consumers can take turns (std's channel, whose receiver is not `Sync`) may then leave
    /// the lock out, and a one-consumer benchmark measures the queue rather than that lock. The
    /// default ignores it.
    ///
    /// # Safety
    ///
    /// No two calls of [`pop`](Self::pop) on this queue may run at the same time, for the rest of
    /// its life.
    unsafe fn assume_single_consumer(&mut self) {}

    /// Shuts the queue down: later pushes fail; pops drain what is left, then return `None`; every
    /// waiter wakes. Closing twice is harmless. What the closing thread did before `close`
    /// happens before any `None` that the close causes.
    fn close(&self);
}

/// Panics unless `capacity` is usable; shared by every implementation's `with_capacity`.
#[inline]
pub(crate) fn check_capacity(capacity: usize) {
    assert!(capacity > 0, "a bounded queue needs a capacity of at least 1");
}
