//! The trait that every concurrent stack and unbounded-style queue plugs into, hand-rolled or
//! library: `push` and a non-blocking `pop`, nothing else, so a workload can be generic over
//! them (`fn run<C: ConcurrentContainer<u64>>()`) and check an exactly-once ledger.
//!
//! Unlike [`BoundedQueue`](crate::queue::BoundedQueue), neither end blocks and there is no close:
//! `pop` on an empty container returns `None` at once, and a full bounded one hands the item back
//! from `push`. Lock-free structures report how often they had to start an operation over
//! (a failed compare-and-swap) through [`push_counted`](ConcurrentContainer::push_counted) and
//! [`pop_counted`](ConcurrentContainer::pop_counted), so a workload can report retries per
//! operation without a shared counter that would add contention of its own.
//!
//! | implementation | where | order | retries counted |
//! |---|---|---|---|
//! | [`TreiberStack`](crate::treiber_stack::TreiberStack) | hand-rolled, crossbeam-epoch | LIFO | yes |
//! | [`MsQueue`](crate::ms_queue::MsQueue) | hand-rolled, crossbeam-epoch | FIFO | yes |
//! | [`TaggedArenaStack`](crate::arena_stack::TaggedArenaStack) | hand-rolled, index arena | LIFO | yes |
//! | [`UntaggedArenaStack`](crate::arena_stack::UntaggedArenaStack) | deliberately broken (ABA) | LIFO | yes |
//! | [`adapters::containers`](crate::adapters::containers) | std, parking_lot, crossbeam | both | no |

/// The order in which a container hands items back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Last in, first out (a stack).
    Lifo,
    /// First in, first out (a queue).
    Fifo,
}

/// A concurrent collection of items with `push` and a non-blocking `pop`.
///
/// Every pushed item is popped at most once, and none is popped that was not pushed; with a
/// single thread, items come back in [`ORDER`](Self::ORDER).
pub trait ConcurrentContainer<T: Send>: Send + Sync {
    /// LIFO for stacks, FIFO for queues.
    const ORDER: Order;

    /// Whether [`push_counted`](Self::push_counted) and [`pop_counted`](Self::pop_counted) report
    /// real retry counts. `false` for locks and library types, whose counted methods report 0.
    const COUNTS_RETRIES: bool = false;

    /// An empty container. `capacity` is the most items it must hold at once: bounded
    /// implementations hold exactly that many, unbounded ones take it as a hint.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 and the implementation is bounded.
    fn with_capacity(capacity: usize) -> Self
    where
        Self: Sized;

    /// Adds `item`; a full bounded container hands it back as `Err(item)`.
    fn push(&self, item: T) -> Result<(), T>;

    /// Removes an item (the newest for LIFO, the oldest for FIFO), or `None` if there is none.
    fn pop(&self) -> Option<T>;

    /// [`push`](Self::push), also returning how many times the operation started over because
    /// another thread changed the structure first (0 when [`COUNTS_RETRIES`](Self::COUNTS_RETRIES)
    /// is `false`).
    #[inline]
    fn push_counted(&self, item: T) -> (Result<(), T>, u32) {
        (self.push(item), 0)
    }

    /// [`pop`](Self::pop), also returning its retries, as for
    /// [`push_counted`](Self::push_counted).
    #[inline]
    fn pop_counted(&self) -> (Option<T>, u32) {
        (self.pop(), 0)
    }
}

/// The [`ConcurrentContainer`] of an unbounded lock-free structure that counts its retries:
/// `$structure::new`, `push`, `pop`, `push_counted -> u32` and `pop_counted -> (Option<T>, u32)`.
macro_rules! unbounded_counted_container {
    ($structure:ident, $order:expr) => {
        impl<T: Send> $crate::container::ConcurrentContainer<T> for $structure<T> {
            const ORDER: $crate::container::Order = $order;
            const COUNTS_RETRIES: bool = true;

            fn with_capacity(_capacity: usize) -> Self {
                Self::new()
            }

            #[inline]
            fn push(&self, item: T) -> Result<(), T> {
                $structure::push(self, item);
                Ok(())
            }

            #[inline]
            fn pop(&self) -> Option<T> {
                $structure::pop(self)
            }

            #[inline]
            fn push_counted(&self, item: T) -> (Result<(), T>, u32) {
                (Ok(()), $structure::push_counted(self, item))
            }

            #[inline]
            fn pop_counted(&self) -> (Option<T>, u32) {
                $structure::pop_counted(self)
            }
        }
    };
}
pub(crate) use unbounded_counted_container;
