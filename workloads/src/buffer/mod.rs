//! `buffer`: producers hand items to consumers through a bounded blocking queue.
//!
//! The thread count is split into producers and consumers (`split`); one thread alone pushes and
//! pops in turn. Throughput counts items delivered (pops); producers are side workers whose push
//! latency is kept as the `push` histogram, and a sample of items carries its send time for the
//! `push-to-pop` histogram. When the measured phase ends, producers stop, the last one closes the
//! queue, and consumers drain it: shutdown must lose nothing.
//!
//! Invariant, checked on every run: every item pushed is popped exactly once, intact, and each
//! consumer sees each producer's items in the order they were pushed (see `ledger.rs`); the queue
//! never holds more than its capacity, and no pop reports it closed before it is (see
//! `occupancy.rs`).

mod item;
mod ledger;
mod occupancy;
mod send_times;
mod workers;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crossbeam_utils::CachePadded;
use primitives::adapters::queues::{
    ArrayQueueBackoff, CrossbeamChannel, ParkingLotTextbookQueue, StdSyncChannel, StdTextbookQueue,
};
use primitives::queue::BoundedQueue;
use primitives::{BlockingRingBuffer, CondvarBuffer};

pub use item::Item;
use ledger::Ledger;
use occupancy::Occupancy;
use send_times::SendTimes;
use workers::{Consumer, Producer, Solo};

use crate::catalog::Catalog;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "split",
        kind: ParamKind::Choice(&["balanced", "one-producer", "one-consumer"]),
        default: "balanced",
        help: "producers x consumers: half and half (1x1 at 2 threads), 1xN, or Nx1",
    },
    ParamSpec {
        name: "capacity",
        kind: ParamKind::Count(Range::new(1, 1 << 20).drawn_to(1 << 16)),
        default: "1024",
        help: "items the queue holds before push blocks (try 1,16,1024)",
    },
    ParamSpec {
        name: "payload",
        kind: ParamKind::Choice(&["8", "256"]),
        default: "8",
        help: "bytes per item; the first 8 are its id (producer and sequence number), the rest copies of it",
    },
];

/// Names a queue type for every item type, so the payload size can be chosen at run time.
///
/// ```
/// use workloads::buffer::QueueFamily;
///
/// struct MyFamily;
/// impl QueueFamily for MyFamily {
///     type Queue<T: Send + 'static> = primitives::CondvarBuffer<T>;
/// }
/// ```
pub trait QueueFamily: 'static {
    type Queue<T: Send + 'static>: BoundedQueue<T> + 'static;
}

/// Declares a [`QueueFamily`] marker for a queue type generic over its item.
macro_rules! queue_family {
    ($family:ident => $queue:ident) => {
        #[doc = concat!("[`", stringify!($queue), "`] for any item type.")]
        pub struct $family;
        impl QueueFamily for $family {
            type Queue<T: Send + 'static> = $queue<T>;
        }
    };
}

queue_family!(CondvarBufferFamily => CondvarBuffer);
queue_family!(BlockingRingBufferFamily => BlockingRingBuffer);
queue_family!(StdSyncChannelFamily => StdSyncChannel);
queue_family!(CrossbeamChannelFamily => CrossbeamChannel);
queue_family!(ArrayQueueBackoffFamily => ArrayQueueBackoff);
queue_family!(StdTextbookQueueFamily => StdTextbookQueue);
queue_family!(ParkingLotTextbookQueueFamily => ParkingLotTextbookQueue);

/// Producers and consumers of one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub producers: usize,
    pub consumers: usize,
}

impl Split {
    /// How `split` divides `threads` (at least 2) into producers and consumers.
    pub fn of(split: &str, threads: usize) -> Self {
        let producers = match split {
            "balanced" => threads / 2,
            "one-producer" => 1,
            "one-consumer" => threads - 1,
            other => unreachable!("'{other}' is not a declared split"),
        };
        Self { producers, consumers: threads - producers }
    }
}

/// What one trial is built from.
#[derive(Debug, Clone, Copy)]
struct BufferSetup {
    /// `None` when one thread plays both parts.
    split: Option<Split>,
    capacity: usize,
    payload_words: usize,
}

/// The buffer workload over any set of [`BoundedQueue`] implementations.
pub struct BufferWorkload {
    catalog: Catalog<BufferSetup>,
}

impl BufferWorkload {
    /// A workload with no implementations yet; add them with [`BufferWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every queue this project ships: hand-rolled and library.
    pub fn standard() -> Self {
        use ImplKind::{HandRolled, Library};
        Self::empty()
            .with::<CondvarBufferFamily>(
                "condvar-buffer",
                HandRolled,
                "mutex + two condvars, notifying only counted sleepers",
            )
            .with::<BlockingRingBufferFamily>(
                "vyukov-ring",
                HandRolled,
                "Vyukov's lock-free MPMC ring; blocking ends spin, then park",
            )
            .with::<StdSyncChannelFamily>(
                "std-sync-channel",
                Library,
                "std::sync::mpsc::sync_channel, receiver behind a mutex for many consumers",
            )
            .with::<CrossbeamChannelFamily>(
                "crossbeam-bounded",
                Library,
                "crossbeam_channel::bounded",
            )
            .with::<ArrayQueueBackoffFamily>(
                "crossbeam-array-queue",
                Library,
                "crossbeam ArrayQueue, spinning and yielding with Backoff, never parking",
            )
            .with::<StdTextbookQueueFamily>(
                "std-mutex-condvar",
                Library,
                "textbook std Mutex<VecDeque> + Condvar, notifying on every item",
            )
            .with::<ParkingLotTextbookQueueFamily>(
                "parking-lot-mutex-condvar",
                Library,
                "textbook parking_lot Mutex<VecDeque> + Condvar, notifying on every item",
            )
    }

    /// Adds the queue family `F` under `name`.
    pub fn with<F: QueueFamily>(mut self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.catalog.add(name, kind, about, |setup: &BufferSetup| match setup.payload_words {
            1 => Box::new(BufferTrial::<F::Queue<Item<0>>, 0>::new(setup)),
            _ => Box::new(BufferTrial::<F::Queue<Item<31>>, 31>::new(setup)),
        });
        self
    }
}

impl Workload for BufferWorkload {
    fn name(&self) -> &str {
        "buffer"
    }

    fn about(&self) -> &str {
        "producers hand items to consumers through a bounded blocking queue"
    }

    fn invariant(&self) -> &str {
        "every item popped once, intact, in per-producer order; within capacity; closed only when closed"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let params = setup.params;
        let buffer_setup = BufferSetup {
            split: (setup.threads > 1).then(|| Split::of(params.choice("split"), setup.threads)),
            capacity: params.number("capacity") as usize,
            payload_words: match params.choice("payload") {
                "8" => 1,
                "256" => 32,
                other => unreachable!("'{other}' is not a declared payload"),
            },
        };
        self.catalog.make(implementation, &buffer_setup)
    }
}

/// The shared state of one buffer trial.
struct BufferTrial<Q, const EXTRA: usize> {
    /// In cache lines of its own: the fields below are read on every push or pop, and a queue's
    /// own state written by the other side beside them would move their line with every item.
    queue: CachePadded<Q>,
    split: Option<Split>,
    /// Producers that have not finished yet; the last one to finish closes the queue.
    producers_running: AtomicUsize,
    /// Consumers (or solo workers) handed out so far: never more than the split has, so the
    /// single-consumer promise made to the queue holds whoever calls `worker`.
    consumers_made: AtomicUsize,
    consumers: usize,
    /// Send times of the sampled items.
    send_times: SendTimes,
    /// Filled in by each worker as it finishes.
    ledger: Mutex<Ledger>,
    occupancy: Occupancy,
}

impl<Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> BufferTrial<Q, EXTRA> {
    fn new(setup: &BufferSetup) -> Self {
        let producers = setup.split.map_or(1, |split| split.producers);
        let consumers = setup.split.map_or(1, |split| split.consumers);
        let mut queue = Q::with_capacity(setup.capacity);
        if consumers == 1 {
            // SAFETY: `worker` hands out at most `consumers` workers that pop (see
            // `claim_consumer`), each popping on its own thread through `&mut self`: with one
            // consumer, no two pops overlap.
            unsafe { queue.assume_single_consumer() };
        }
        Self {
            queue: CachePadded::new(queue),
            split: setup.split,
            producers_running: AtomicUsize::new(producers),
            consumers_made: AtomicUsize::new(0),
            consumers,
            send_times: SendTimes::new(producers, setup.capacity),
            ledger: Mutex::new(Ledger::new(producers)),
            occupancy: Occupancy::new(producers, consumers, setup.capacity),
        }
    }
}

impl<Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> BufferTrial<Q, EXTRA> {
    /// Counts one more worker that pops; panics beyond the split's consumers.
    fn claim_consumer(&self) {
        let made = self.consumers_made.fetch_add(1, Ordering::Relaxed);
        assert!(
            made < self.consumers,
            "a buffer trial has {} consumer(s), no more",
            self.consumers
        );
    }
}

impl<Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> Trial for BufferTrial<Q, EXTRA> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        let pops = self.split.is_none_or(|split| index >= split.producers);
        if pops {
            self.claim_consumer();
        }
        match self.split {
            None => Box::new(Solo::new(self)),
            Some(split) if index < split.producers => Box::new(Producer::new(self, index as u32)),
            Some(split) => Box::new(Consumer::new(self, index - split.producers, split.producers)),
        }
    }

    fn check(&self, _ops: u64) -> Check {
        let mut problems = self.occupancy.problems();
        match self.ledger.lock().expect("a worker panicked").verdict() {
            Ok(summary) if problems.is_empty() => {
                Check::Held(format!("{summary}; within capacity"))
            }
            Ok(_) => Check::Violated(problems.join("; ")),
            Err(delivery) => {
                problems.insert(0, delivery);
                Check::Violated(problems.join("; "))
            }
        }
    }
}

#[cfg(test)]
mod tests;
