//! Stress cases on real threads with the chaos hooks on (`primitives::chaos`): random yields and
//! sleeps at every synchronisation point of the hand-rolled primitives, so that holders are
//! descheduled inside critical sections and waiters arrive late to their re-checks far more often
//! than plain scheduling on 2 cores allows. Correctness must still hold: exact counts, exclusion
//! (occupancy counted inside each section), exact delivery, bounded holders, every job once, every
//! item of a lock-free container popped once.
//!
//! Run: `cargo test -p primitives --features chaos --test chaos_stress` (without the feature this
//! file compiles to nothing: the points would be empty).
#![cfg(all(feature = "chaos", not(loom), not(shuttle)))]

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use primitives::container::ConcurrentContainer;
use primitives::executor::Executor;
use primitives::queue::BoundedQueue;
use primitives::rwlock::RwLock;
use primitives::semaphore::Semaphore;
use primitives::thread_pool::Shutdown;
use primitives::{
    AtomicSemaphore, BlockingRingBuffer, ConcurrentMap, CondvarBuffer, DoubleCheckedLazy, LazyInit,
    Lock, MsQueue, ReaderPrefRwLock, Reentrant, ReentrantLock, SeqLock, ShardedRwLock, SpinLock,
    StripedMap, TaggedArenaStack, ThreadPool, TicketLock, TreiberStack, WriterPrefRwLock,
};

/// More threads than the 2 cores of the test machines.
const THREADS: usize = 4;
/// Operations per thread: chaos sleeps at about one point in 64, so a few thousand suffice.
const OPS: usize = 5_000;
/// Every test enables chaos with this seed (the same for all: enabling is process-wide).
const SEED: u64 = 0xc4a0_5eed;

/// Enables chaos, then runs `work(thread index)` on [`THREADS`] threads released together.
fn on_threads(work: impl Fn(usize) + Sync) {
    primitives::chaos::enable(SEED);
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for thread in 0..THREADS {
            let (start, work) = (&start, &work);
            s.spawn(move || {
                start.wait();
                work(thread);
            });
        }
    });
}

/// Fails if another thread is inside while `work` runs.
fn alone(inside: &AtomicUsize, work: impl FnOnce()) {
    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two threads inside the critical section");
    work();
    inside.fetch_sub(1, Ordering::SeqCst);
}

fn exact_count<L: Lock<usize>>() {
    let (lock, inside) = (L::new(0), AtomicUsize::new(0));
    on_threads(|_| (0..OPS).for_each(|_| lock.with(|value| alone(&inside, || *value += 1))));
    assert_eq!(lock.with(|value| *value), THREADS * OPS, "an increment was lost");
}

#[test]
fn spin_lock() {
    exact_count::<SpinLock<usize>>();
}

#[test]
fn ticket_lock() {
    exact_count::<TicketLock<usize>>();
}

#[test]
fn reentrant_lock() {
    let (lock, inside) = (ReentrantLock::<Cell<usize>>::new(Cell::new(0)), AtomicUsize::new(0));
    on_threads(|_| {
        for _ in 0..OPS {
            Reentrant::with(&lock, |outer| {
                alone(&inside, || Reentrant::with(&lock, |_| outer.set(outer.get() + 1)));
            });
        }
    });
    assert_eq!(Reentrant::with(&lock, Cell::get), THREADS * OPS);
}

/// One operation in 4 writes (adds 1 to both words); readers check they are alone with readers
/// and that the words are equal.
fn readers_and_writers<L: RwLock<[usize; 2]>>() {
    let (lock, writers, readers) = (L::new([0; 2]), AtomicUsize::new(0), AtomicUsize::new(0));
    on_threads(|thread| {
        for op in 0..OPS {
            if op % 4 == thread % 4 {
                lock.write(|words| {
                    alone(&writers, || {
                        assert_eq!(
                            readers.load(Ordering::SeqCst),
                            0,
                            "a writer overlapped a reader"
                        );
                        words.iter_mut().for_each(|word| *word += 1);
                    });
                });
            } else {
                lock.read(|words| {
                    readers.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(writers.load(Ordering::SeqCst), 0, "a reader overlapped a writer");
                    assert_eq!(words[0], words[1], "torn read {words:?}");
                    readers.fetch_sub(1, Ordering::SeqCst);
                });
            }
        }
    });
    assert_eq!(lock.read(|words| *words), [THREADS * OPS / 4; 2], "a write was lost");
}

#[test]
fn reader_pref_rwlock() {
    readers_and_writers::<ReaderPrefRwLock<[usize; 2]>>();
}

#[test]
fn writer_pref_rwlock() {
    readers_and_writers::<WriterPrefRwLock<[usize; 2]>>();
}

#[test]
fn sharded_rwlock() {
    readers_and_writers::<ShardedRwLock<[usize; 2]>>();
}

/// The seqlock's reads run on a copy, outside any section: only the value is checked.
#[test]
fn seqlock() {
    let lock = SeqLock::new([0; 2]);
    on_threads(|thread| {
        for op in 0..OPS {
            if op % 4 == thread % 4 {
                lock.write(|words| words.iter_mut().for_each(|word| *word += 1));
            } else {
                let words = lock.read();
                assert_eq!(words[0], words[1], "torn read {words:?}");
            }
        }
    });
    assert_eq!(lock.read(), [(THREADS * OPS / 4) as u64; 2], "a write was lost");
}

/// Two producers, two consumers; every item delivered exactly once, in each producer's order.
fn exact_delivery<Q: BoundedQueue<usize>>(capacity: usize) {
    let (queue, producing) = (Q::with_capacity(capacity), AtomicUsize::new(2));
    let received: Vec<_> = (0..2).map(|_| std::sync::Mutex::new(Vec::new())).collect();
    on_threads(|thread| {
        if thread < 2 {
            (0..OPS).for_each(|index| assert!(queue.push(thread * OPS + index).is_ok()));
            if producing.fetch_sub(1, Ordering::AcqRel) == 1 {
                queue.close();
            }
        } else {
            *received[thread - 2].lock().unwrap() = std::iter::from_fn(|| queue.pop()).collect();
        }
    });
    let mut delivered = Vec::new();
    for items in received.into_iter().map(|items| items.into_inner().unwrap()) {
        for producer in 0..2 {
            let own: Vec<_> = items.iter().filter(|&&item| item / OPS == producer).collect();
            assert!(own.is_sorted(), "producer {producer}'s order broken");
        }
        delivered.extend(items);
    }
    delivered.sort_unstable();
    assert_eq!(delivered, (0..2 * OPS).collect::<Vec<_>>(), "lost or duplicated items");
}

/// Every thread pushes its own items, popping one after every push, into a lock-free container
/// with chaos between each load and CAS; what was popped plus what is left is every item once.
fn exactly_once<C: ConcurrentContainer<u64>>(capacity: usize) {
    let container = C::with_capacity(capacity);
    let popped: Vec<_> = (0..THREADS).map(|_| std::sync::Mutex::new(Vec::new())).collect();
    on_threads(|thread| {
        let mut mine = Vec::new();
        for index in 0..OPS as u64 {
            let mut item = thread as u64 * OPS as u64 + index;
            // A bounded container may be full: make room until the push fits.
            while let Err(back) = container.push(item) {
                item = back;
                mine.extend(container.pop());
            }
            if index % 2 == 0 {
                mine.extend(container.pop());
            }
        }
        *popped[thread].lock().unwrap() = mine;
    });
    let mut delivered: Vec<_> =
        popped.into_iter().flat_map(|items| items.into_inner().unwrap()).collect();
    delivered.extend(std::iter::from_fn(|| container.pop()).take(THREADS * OPS));
    delivered.sort_unstable();
    assert_eq!(delivered, (0..(THREADS * OPS) as u64).collect::<Vec<_>>(), "lost or duplicated");
}

#[test]
fn treiber_stack() {
    exactly_once::<TreiberStack<u64>>(0);
}

#[test]
fn ms_queue() {
    exactly_once::<MsQueue<u64>>(0);
}

#[test]
fn tagged_arena_stack() {
    exactly_once::<TaggedArenaStack>(16);
}

#[test]
fn condvar_buffer() {
    exact_delivery::<CondvarBuffer<usize>>(1);
    exact_delivery::<CondvarBuffer<usize>>(16);
}

#[test]
fn blocking_ring_buffer() {
    exact_delivery::<BlockingRingBuffer<usize>>(1);
    exact_delivery::<BlockingRingBuffer<usize>>(16);
}

#[test]
fn atomic_semaphore() {
    let (semaphore, holders) = (AtomicSemaphore::new(2), AtomicUsize::new(0));
    on_threads(|thread| {
        for op in 0..OPS {
            let permit = if (thread + op) % 2 == 0 {
                semaphore.acquire()
            } else {
                match semaphore.try_acquire() {
                    Some(permit) => permit,
                    None => continue,
                }
            };
            let inside = holders.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(inside <= 2, "{inside} holders with 2 permits");
            holders.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
        }
    });
    assert_eq!(semaphore.available(), 2, "a permit was lost or created");
}

/// Jobs from every thread, a finishing shutdown straight after: each job ran exactly once.
#[test]
fn thread_pool_finish() {
    let pool = ThreadPool::new(THREADS);
    let runs: Arc<Vec<AtomicUsize>> =
        Arc::new((0..THREADS * OPS).map(|_| AtomicUsize::new(0)).collect());
    on_threads(|thread| {
        for index in thread * OPS..(thread + 1) * OPS {
            let runs = runs.clone();
            pool.execute(Box::new(move || {
                runs[index].fetch_add(1, Ordering::Relaxed);
            }));
        }
    });
    pool.shutdown();
    assert!(runs.iter().all(|runs| runs.load(Ordering::Relaxed) == 1), "a job ran twice or never");
}

/// A cancelling shutdown under load: jobs run + jobs cancelled = jobs submitted.
#[test]
fn thread_pool_cancel() {
    primitives::chaos::enable(SEED);
    let pool = ThreadPool::new(THREADS);
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..OPS {
        let ran = ran.clone();
        pool.execute(Box::new(move || {
            ran.fetch_add(1, Ordering::Relaxed);
        }));
    }
    let cancelled = pool.shutdown_with(Shutdown::Cancel);
    assert_eq!(ran.load(Ordering::Relaxed) + cancelled, OPS);
}

static LAZY_RUNS: AtomicUsize = AtomicUsize::new(0);

fn counted_init() -> usize {
    LAZY_RUNS.fetch_add(1, Ordering::SeqCst);
    42
}

/// Many rounds of threads racing for a fresh cell: the initialiser runs once per round.
#[test]
fn double_checked_lazy() {
    for round in 1..=100 {
        let lazy = DoubleCheckedLazy::new(counted_init);
        on_threads(|_| assert_eq!(*LazyInit::get(&lazy), 42));
        assert_eq!(LAZY_RUNS.load(Ordering::SeqCst), round, "initialiser not run exactly once");
    }
}

/// Every thread upserts the same few keys on a striped map of spin locks: no increment is lost.
#[test]
fn striped_map() {
    let map: StripedMap<u64, usize, std::hash::RandomState, SpinLock<_>> =
        StripedMap::with_stripes(4, 16);
    on_threads(|_| {
        for op in 0..OPS {
            map.upsert(op as u64 % 8, 1, |count| *count += 1);
        }
    });
    let total: usize = (0..8).map(|key| map.get(&key).unwrap()).sum();
    assert_eq!(total, THREADS * OPS, "an upsert was lost");
}
