//! Hand-rolled concurrency primitives, and the traits through which they, the standard library and
//! well-kept crates are benchmarked side by side.
//!
//! | primitive | algorithm |
//! |---|---|
//! | [`SpinLock`] | test-and-test-and-set with exponential backoff; unfair |
//! | [`TicketLock`] | ticket lock: take a number, wait until it is served; FIFO-fair |
//! | [`ParkingTicketLock`] | ticket lock for more threads than cores: FIFO turns of up to 256 acquisitions (an unlocked turn stays open to one-CAS re-entry until the next waiter closes it); the next waiter spins, later ones park on a slot chosen by ticket, woken one place before their turn; fair, bypass bounded |
//! | [`ReentrantLock`] | owner thread id and depth over any raw lock |
//! | [`counters`] | racy (a demonstration), atomic `fetch_add`, CAS loop (retries counted), sharded and cache-padded, locked, reentrant |
//! | [`TreiberStack`] | Treiber's lock-free stack: CAS on the head; nodes reclaimed by epochs (crossbeam-epoch) |
//! | [`MsQueue`] | Michael–Scott lock-free queue: dummy head, lagging tail helped forward; epoch reclamation |
//! | [`TaggedArenaStack`] | Treiber stack over an index arena; head = index + version in one `AtomicU64`, immune to ABA |
//! | [`UntaggedArenaStack`] | the same without the version: **a deliberate ABA demonstration** that loses and duplicates items |
//! | [`ReaderPrefRwLock`] | one word: reader count + writer bit; readers pass waiting writers (writers can starve) |
//! | [`WriterPrefRwLock`] | one word: reader count + writer and writer-waiting bits; a waiting writer stops new readers |
//! | [`ShardedRwLock`] | a cache-padded reader count per slot (one slot per thread, round-robin) + a writer word; a read writes only its own line; writer-preferring |
//! | [`SeqLock`] | sequence lock over `N` atomic `u64` words; a read writes nothing shared |
//! | [`CondvarBuffer`] | mutex + two condvars, notified only when a counted sleeper waits; exact close |
//! | [`RingBuffer`] / [`BlockingRingBuffer`] | Vyukov's bounded MPMC ring (a sequence stamp per slot), close bit in the tail; blocking ends spin, then park |
//! | [`AtomicSemaphore`] | atomic permit count; spins, then parks on a condvar; RAII [`Permit`] |
//! | [`LruCache`] | hash map into a slab-backed doubly linked recency list, behind any lock; O(1) get/put |
//! | [`ShardedLruCache`] | independently locked LRU shards chosen by hash, capacity split across them |
//! | [`CopyOnWriteList`] | writers copy, append and publish an `Arc<[T]>`; readers take snapshots |
//! | [`VersionedArcCell`] | `Mutex<Arc<T>>` plus a version; per-thread readers revalidate a cached `Arc` with one load |
//! | [`DoubleCheckedLazy`] | double-checked locking: Acquire flag on the fast path, mutex on the slow path |
//! | [`StripedMap`] | lock striping (Herlihy & Shavit ch. 13): keys split by hash over N cache-padded stripes, each any [`Lock`] around its own `HashMap` |
//! | [`StripedRwMap`] | the same with `lock_api` reader-writer stripes: gets share a stripe |
//! | [`ThreadPool`] | fixed workers on one mutex FIFO; wakes only sleepers, spins before parking; join handles, finish/cancel shutdown |
//! | [`Banker`] | Dijkstra's banker's algorithm: a request is granted only if a safe sequence remains |
//! | [`DispatchPool`] | per-worker queues: shared, round-robin, key-hash, least-loaded, work-stealing (crossbeam-deque) |
//!
//! Traits: [`Lock`] and [`Reentrant`] (in [`lock`]), [`Counter`] (in [`counters`]),
//! [`RwLock`] (in [`rwlock`]), [`BoundedQueue`] (in [`queue`]), [`ConcurrentContainer`] (in
//! [`container`]: non-blocking push and pop, CAS retries reported per call), [`Semaphore`] (in
//! [`semaphore`]), [`Cache`], [`CowList`], [`SwapCell`], [`SwapReader`], [`LazyInit`] (in
//! [`cache`]), [`ConcurrentMap`] (in [`map`]), [`Executor`] (in [`executor`]). Library rivals
//! plug in through [`adapters`]. Atomics come from the [`sync`] shim, which switches to
//! loom under `--cfg loom` and to shuttle under `--cfg shuttle`, so the same code is
//! model-checked; [`model`] holds the ready models, one call each, that check the hand-rolled
//! primitives and a user's own under either checker; [`chaos`] (feature `chaos`) perturbs the primitives' synchronisation points in
//! stress runs.

pub mod adapters;
pub mod arena_stack;
pub mod backoff;
pub mod banker;
pub mod cache;
pub mod chaos;
pub mod condvar_buffer;
pub mod container;
pub mod counters;
pub mod cow_list;
pub mod dispatch;
pub mod executor;
pub mod lazy_init;
pub mod lock;
pub mod lru_cache;
pub mod map;
pub mod model;
pub mod ms_queue;
pub mod parking_ticket_lock;
pub mod queue;
pub mod reentrant_lock;
pub mod ring_buffer;
pub mod rwlock;
pub mod rwlock_reader_pref;
pub mod rwlock_sharded;
pub mod rwlock_writer_pref;
pub mod semaphore;
pub mod seqlock;
pub mod spin_lock;
pub mod splitmix;
pub mod striped_map;
pub mod swap_cell;
pub mod sync;
pub mod thread_pool;
pub mod ticket_lock;
pub mod treiber_stack;

pub use arena_stack::{TaggedArenaStack, UntaggedArenaStack};
pub use banker::Banker;
pub use cache::{Cache, CowList, LazyInit, SwapCell, SwapReader};
pub use condvar_buffer::CondvarBuffer;
pub use container::{ConcurrentContainer, Order};
pub use counters::Counter;
pub use cow_list::CopyOnWriteList;
pub use dispatch::{Dispatch, DispatchPool};
pub use executor::{Executor, Job, JobTracker};
pub use lazy_init::DoubleCheckedLazy;
pub use lock::{Lock, Reentrant};
pub use lru_cache::{Lru, LruCache, ShardedLruCache};
pub use map::ConcurrentMap;
pub use ms_queue::MsQueue;
pub use parking_ticket_lock::{ParkingTicketLock, RawParkingTicketLock, StrictParkingTicketLock};
pub use queue::BoundedQueue;
pub use reentrant_lock::ReentrantLock;
pub use ring_buffer::{BlockingRingBuffer, RingBuffer};
pub use rwlock::RwLock;
pub use rwlock_reader_pref::{RawReaderPrefRwLock, ReaderPrefRwLock};
pub use rwlock_sharded::{RawShardedRwLock, ShardedRwLock};
pub use rwlock_writer_pref::{RawWriterPrefRwLock, WriterPrefRwLock};
pub use semaphore::{AtomicSemaphore, Permit, Semaphore};
pub use seqlock::SeqLock;
pub use spin_lock::{RawSpinLock, SpinLock};
pub use striped_map::{StripedMap, StripedRwMap};
pub use swap_cell::{VersionedArcCell, VersionedReader};
pub use thread_pool::{JoinError, JoinHandle, Shutdown, ThreadPool};
pub use ticket_lock::{RawTicketLock, TicketLock};
pub use treiber_stack::TreiberStack;
