//! Stress tests on real threads for every bounded queue and every semaphore, hand-rolled or
//! library:
//! - queues deliver every item exactly once, in each producer's order, at 1x1, 1x3, 3x1 and 3x3
//!   producers x consumers with capacities 1 and 16, and the last producer's `close` lets every
//!   consumer finish (no thread is left blocked: a watchdog fails the test instead of hanging);
//! - the queues that close exactly keep their promise under a racing close;
//! - a semaphore never admits more than its permits, and loses or gains none.
//!
//! A deliberately broken queue shows that the delivery check can fail. Wrong memory orderings are
//! invisible here on x86; `tests/loom_buffers.rs` checks those.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Barrier};
use std::thread;
use std::time::Duration;

use primitives::adapters::queues::{
    ArrayQueueBackoff, CrossbeamChannel, ParkingLotTextbookQueue, StdSyncChannel, StdTextbookQueue,
};
use primitives::adapters::semaphores::{CondvarSemaphore, StdCondvarSemaphore, TokenPoolSemaphore};
use primitives::condvar_buffer::CondvarBuffer;
use primitives::queue::BoundedQueue;
use primitives::ring_buffer::BlockingRingBuffer;
use primitives::semaphore::{AtomicSemaphore, Semaphore};

/// Items per producer, the same in debug and release: at capacity 1 a hand-off can cost a
/// wake-up of tens of microseconds in any build.
const ITEMS: u64 = 2_000;
/// A run that takes longer than this has a thread stuck for good.
const WATCHDOG: Duration = Duration::from_secs(30);

/// Runs `test` on its own thread and fails if it does not finish within [`WATCHDOG`] (a thread
/// left blocked forever would otherwise hang the test run). Panics inside `test` propagate.
fn with_watchdog<R: Send + 'static>(test: impl FnOnce() -> R + Send + 'static) -> R {
    let (done, finished) = mpsc::channel();
    let runner = thread::spawn(move || {
        let result = test();
        let _ = done.send(());
        result
    });
    match finished.recv_timeout(WATCHDOG) {
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("deadlock: a thread is still blocked"),
        _ => runner.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
    }
}

/// An item names its producer (high 32 bits) and its index in that producer's sequence.
fn item(producer: u64, index: u64) -> u64 {
    producer << 32 | index
}

/// `producers` threads push [`ITEMS`] each, the last to finish closes, `consumers` threads pop
/// until `None`. Returns what each consumer received, in order.
fn transfer<Q: BoundedQueue<u64> + 'static>(
    producers: u64,
    consumers: usize,
    capacity: usize,
) -> Vec<Vec<u64>> {
    with_watchdog(move || {
        let queue = Q::with_capacity(capacity);
        let producing = AtomicUsize::new(producers as usize);
        let start = Barrier::new(producers as usize + consumers);
        thread::scope(|s| {
            for producer in 0..producers {
                let (queue, producing, start) = (&queue, &producing, &start);
                s.spawn(move || {
                    start.wait();
                    for index in 0..ITEMS {
                        assert!(
                            queue.push(item(producer, index)).is_ok(),
                            "push failed while open"
                        );
                    }
                    if producing.fetch_sub(1, Ordering::AcqRel) == 1 {
                        queue.close();
                    }
                });
            }
            let receivers: Vec<_> = (0..consumers)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        std::iter::from_fn(|| queue.pop()).collect::<Vec<_>>()
                    })
                })
                .collect();
            receivers.into_iter().map(|receiver| receiver.join().unwrap()).collect()
        })
    })
}

/// Every item of every producer exactly once; each consumer sees each producer's items in order.
fn check_delivery(received: &[Vec<u64>], producers: u64) {
    let mut seen = vec![vec![false; ITEMS as usize]; producers as usize];
    for items in received {
        let mut last = vec![None; producers as usize];
        for &value in items {
            let (producer, index) = ((value >> 32) as usize, value & u64::from(u32::MAX));
            assert!(producer < producers as usize && index < ITEMS, "invented item {value:#x}");
            assert!(!seen[producer][index as usize], "item {value:#x} delivered twice");
            seen[producer][index as usize] = true;
            assert!(last[producer] < Some(index), "producer {producer}'s order broken at {index}");
            last[producer] = Some(index);
        }
    }
    let delivered = seen.iter().flatten().filter(|&&seen| seen).count();
    assert_eq!(delivered as u64, producers * ITEMS, "items lost");
}

/// Exact delivery at every shape the benchmarks use.
fn exact_delivery<Q: BoundedQueue<u64> + 'static>() {
    for capacity in [1, 16] {
        for (producers, consumers) in [(1, 1), (1, 3), (3, 1), (3, 3)] {
            check_delivery(&transfer::<Q>(producers, consumers, capacity), producers);
        }
    }
}

/// `close` with no racing push: pushes then fail, consumers drain and see `None`, and consumers
/// blocked on an empty queue wake. Holds for every implementation.
fn close_drains_and_wakes<Q: BoundedQueue<u64> + 'static>() {
    with_watchdog(|| {
        let queue = Q::with_capacity(4);
        queue.push(1).unwrap();
        queue.push(2).unwrap();
        queue.close();
        assert_eq!(queue.push(3), Err(3));
        assert_eq!(
            (queue.pop(), queue.pop(), queue.pop(), queue.pop()),
            (Some(1), Some(2), None, None)
        );

        let queue = Q::with_capacity(4);
        thread::scope(|s| {
            let consumers: Vec<_> = (0..3).map(|_| s.spawn(|| queue.pop())).collect();
            thread::sleep(Duration::from_millis(20)); // let them block (not required to pass)
            queue.close();
            consumers.into_iter().for_each(|c| assert_eq!(c.join().unwrap(), None));
        });
    });
}

/// For the queues that close exactly: producers push until their first failure while another
/// thread closes mid-stream. Every successful push is delivered once, nothing else is, no push
/// succeeds after one failed, and producers blocked on a full queue wake with their item back.
fn close_races_pushes<Q: BoundedQueue<u64> + 'static>() {
    with_watchdog(|| {
        for capacity in [1, 16] {
            let queue = Q::with_capacity(capacity);
            let pushed: Vec<AtomicUsize> = (0..3).map(|_| AtomicUsize::new(0)).collect();
            let received = thread::scope(|s| {
                for (producer, pushed) in pushed.iter().enumerate() {
                    let queue = &queue;
                    s.spawn(move || {
                        for index in 0.. {
                            if let Err(back) = queue.push(item(producer as u64, index)) {
                                assert_eq!(back, item(producer as u64, index), "wrong item back");
                                assert!(queue.push(0).is_err(), "a push succeeded after close");
                                return;
                            }
                            pushed.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
                let consumer = s.spawn(|| std::iter::from_fn(|| queue.pop()).collect::<Vec<_>>());
                // Close once some items have flowed, while producers are busy or blocked.
                while pushed.iter().map(|p| p.load(Ordering::Relaxed)).sum::<usize>() < 100 {
                    thread::yield_now();
                }
                queue.close();
                consumer.join().unwrap()
            });
            let mut expected: Vec<u64> = (0..3u64)
                .flat_map(|p| {
                    (0..pushed[p as usize].load(Ordering::Relaxed) as u64).map(move |i| item(p, i))
                })
                .collect();
            let mut delivered = received.clone();
            expected.sort_unstable();
            delivered.sort_unstable();
            assert_eq!(delivered, expected, "delivered items differ from successful pushes");
        }
    });
}

/// One module per queue; `close_races_pushes` only for the queues that promise an exact close.
macro_rules! queue_tests {
    ($($name:ident: $queue:ty $(, $exact_close:ident)?;)*) => {$(
        mod $name {
            use super::*;

            #[test]
            fn exact_delivery() {
                super::exact_delivery::<$queue>();
            }

            #[test]
            fn close_drains_and_wakes() {
                super::close_drains_and_wakes::<$queue>();
            }

            $(
                #[test]
                fn $exact_close() {
                    super::$exact_close::<$queue>();
                }
            )?
        }
    )*};
}

queue_tests! {
    condvar_buffer: CondvarBuffer<u64>, close_races_pushes;
    blocking_ring_buffer: BlockingRingBuffer<u64>, close_races_pushes;
    std_textbook: StdTextbookQueue<u64>, close_races_pushes;
    parking_lot_textbook: ParkingLotTextbookQueue<u64>, close_races_pushes;
    std_sync_channel: StdSyncChannel<u64>;
    crossbeam_channel: CrossbeamChannel<u64>;
    array_queue_backoff: ArrayQueueBackoff<u64>;
}

/// Broken on purpose: every 100th pop hands out the previous item again instead of taking a new
/// one (a stale slot read twice). Exists only to show that `check_delivery` catches it.
struct StaleReadQueue {
    inner: CondvarBuffer<u64>,
    pops: AtomicUsize,
    last: AtomicU64,
}

impl BoundedQueue<u64> for StaleReadQueue {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: CondvarBuffer::new(capacity),
            pops: AtomicUsize::new(0),
            last: AtomicU64::new(0),
        }
    }
    fn push(&self, item: u64) -> Result<(), u64> {
        self.inner.push(item)
    }
    fn pop(&self) -> Option<u64> {
        if self.pops.fetch_add(1, Ordering::Relaxed) % 100 == 99 {
            return Some(self.last.load(Ordering::Relaxed));
        }
        let item = self.inner.pop()?;
        self.last.store(item, Ordering::Relaxed);
        Some(item)
    }
    fn close(&self) {
        self.inner.close();
    }
}

#[test]
#[should_panic(expected = "delivered twice")]
fn delivery_check_catches_a_duplicating_queue() {
    check_delivery(&transfer::<StaleReadQueue>(3, 3, 16), 3);
}

/// Acquires per thread; as for [`ITEMS`], hand-offs cost wake-ups in any build.
const ACQUIRES: usize = 2_000;

/// 4 threads (on 2 cores) take permits every way the trait offers; the number of holders, counted
/// inside, never exceeds the permits; afterwards exactly `permits` can be taken again.
fn bounded_holders<S: Semaphore + 'static>() {
    with_watchdog(|| {
        for permits in [1, 3] {
            let semaphore = S::new(permits);
            let holders = AtomicUsize::new(0);
            let start = Barrier::new(4);
            thread::scope(|s| {
                for thread in 0..4 {
                    let (semaphore, holders, start) = (&semaphore, &holders, &start);
                    s.spawn(move || {
                        start.wait();
                        for i in 0..ACQUIRES {
                            let permit = match (thread + i) % 3 {
                                0 => semaphore.acquire(),
                                1 => match semaphore.try_acquire() {
                                    Some(permit) => permit,
                                    None => continue,
                                },
                                _ => match semaphore.acquire_timeout(Duration::from_millis(50)) {
                                    Some(permit) => permit,
                                    None => continue,
                                },
                            };
                            let inside = holders.fetch_add(1, Ordering::AcqRel) + 1;
                            assert!(inside <= permits, "{inside} holders with {permits} permits");
                            if i % 64 == 0 {
                                thread::yield_now(); // hold it across a reschedule now and then
                            }
                            holders.fetch_sub(1, Ordering::AcqRel);
                            drop(permit);
                        }
                    });
                }
            });
            let taken: Vec<_> = (0..permits).map(|_| semaphore.try_acquire()).collect();
            assert!(taken.iter().all(Option::is_some), "a permit was lost");
            assert!(semaphore.try_acquire().is_none(), "a permit was created");
        }
    });
}

/// With every permit held, a timed acquire gives up and returns `None`; once one is released, a
/// blocked timed acquire gets it.
fn timeout_without_permit<S: Semaphore + 'static>() {
    with_watchdog(|| {
        let semaphore = S::new(2);
        let held = (semaphore.acquire(), semaphore.acquire());
        assert!(semaphore.acquire_timeout(Duration::from_millis(10)).is_none());
        assert!(semaphore.acquire_timeout(Duration::ZERO).is_none());
        thread::scope(|s| {
            let waiter = s.spawn(|| semaphore.acquire_timeout(Duration::from_secs(20)).is_some());
            drop(held);
            assert!(waiter.join().unwrap(), "timed out although permits were released");
        });
    });
}

macro_rules! semaphore_tests {
    ($($name:ident: $semaphore:ty;)*) => {$(
        mod $name {
            use super::*;

            #[test]
            fn bounded_holders() {
                super::bounded_holders::<$semaphore>();
            }

            #[test]
            fn timeout_without_permit() {
                super::timeout_without_permit::<$semaphore>();
            }
        }
    )*};
}

semaphore_tests! {
    atomic_semaphore: AtomicSemaphore;
    condvar_semaphore: CondvarSemaphore;
    std_condvar_semaphore: StdCondvarSemaphore;
    token_pool_semaphore: TokenPoolSemaphore;
}
