//! Shared counters, from deliberately broken to contention-free.
//!
//! | type | how an increment works | exact? |
//! |---|---|---|
//! | [`RacyCounter`] | atomic load, then a separate atomic store | no: a demonstration of lost updates |
//! | [`AtomicCounter`] | one `fetch_add` on one cache line | yes |
//! | [`CasCounter`] | load, then `compare_exchange` of value + 1, retried until no other thread got in first | yes |
//! | [`ShardedCounter`] | `fetch_add` on this thread's cache-padded shard; reads sum the shards | yes |
//! | [`LockedCounter`] | `u64 += 1` inside any [`Lock`] | yes |
//! | [`ReentrantCounter`] | `+= 1` at the innermost of `depth` nested acquisitions of a [`Reentrant`] lock | yes |

use std::cell::Cell;

use crossbeam_utils::CachePadded;

use crate::lock::{Lock, Reentrant};
use crate::sync::{AtomicU64, Ordering};

/// A counter shared by many threads.
pub trait Counter: Send + Sync {
    /// Adds one. `critical` is the caller's work that belongs to the update: it runs inside the
    /// critical section where there is one (a lock), between the load and the store of the racy
    /// counter (widening its race window, as a real read-modify-write would), and just before the
    /// atomic add otherwise.
    fn increment(&self, critical: impl FnOnce());

    /// Whether [`increment_counted`](Self::increment_counted) reports real retry counts; `false`
    /// for counters whose update cannot be refused (a lock, a single `fetch_add`).
    const COUNTS_RETRIES: bool = false;

    /// [`increment`](Self::increment), also returning how many times the update started over
    /// because another thread changed the value first (0 when
    /// [`COUNTS_RETRIES`](Self::COUNTS_RETRIES) is `false`). Returned per call, so a workload sums
    /// retries per thread without a shared counter of its own.
    #[inline]
    fn increment_counted(&self, critical: impl FnOnce()) -> u32 {
        self.increment(critical);
        0
    }

    /// The current total. Exact once every incrementing thread has been joined.
    fn value(&self) -> u64;
}

/// Increments by an atomic load followed by a separate atomic store, so concurrent increments are
/// lost — without undefined behaviour, since every access is atomic. Kept as the demonstration
/// of a read-modify-write race; never use it for anything else.
#[derive(Default)]
pub struct RacyCounter {
    value: AtomicU64,
}

impl RacyCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Counter for RacyCounter {
    #[inline]
    fn increment(&self, critical: impl FnOnce()) {
        let seen = self.value.load(Ordering::Relaxed);
        critical();
        self.value.store(seen + 1, Ordering::Relaxed);
    }

    fn value(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// One atomic `fetch_add` per increment: exact, lock-free, but every increment moves the one cache
/// line between cores, so it cannot scale.
#[derive(Default)]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl AtomicCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Counter for AtomicCounter {
    #[inline]
    fn increment(&self, critical: impl FnOnce()) {
        critical();
        // Relaxed is enough: the count orders nothing else, and joining the threads publishes it.
        self.value.fetch_add(1, Ordering::Relaxed);
    }

    fn value(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// A compare-and-swap loop: read the value, compute value + 1, and install it only if the value
/// is still the one read; otherwise start over from the value found. Exact and lock-free like
/// [`AtomicCounter`], but under contention it retries, and the retries are what it measures
/// against `fetch_add` (which the hardware never refuses).
#[derive(Default)]
pub struct CasCounter {
    value: AtomicU64,
}

impl CasCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Counter for CasCounter {
    const COUNTS_RETRIES: bool = true;

    #[inline]
    fn increment(&self, critical: impl FnOnce()) {
        self.increment_counted(critical);
    }

    /// `critical` runs once, between the first load and the first CAS, as the computation of a
    /// real read-modify-write would: the longer it takes, the likelier the CAS fails. Retries
    /// recompute only the `+ 1`.
    #[inline]
    fn increment_counted(&self, critical: impl FnOnce()) -> u32 {
        let mut seen = self.value.load(Ordering::Relaxed);
        critical();
        let mut retries = 0;
        // Relaxed, as for `AtomicCounter`: the count orders nothing else. A strong CAS, so that
        // every retry is another thread's update rather than a spurious failure.
        while let Err(now) =
            self.value.compare_exchange(seen, seen + 1, Ordering::Relaxed, Ordering::Relaxed)
        {
            seen = now;
            retries += 1;
        }
        retries
    }

    fn value(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// A counter split into cache-padded shards, one per thread slot: increments on different shards
/// never share a cache line, so they scale; reading sums every shard.
pub struct ShardedCounter {
    /// Invariant: the true total is the sum of the shards.
    shards: Box<[CachePadded<AtomicU64>]>,
}

impl ShardedCounter {
    /// A counter with `shards` shards (at least one). With at least as many shards as threads,
    /// no two threads share one.
    pub fn new(shards: usize) -> Self {
        let shards = (0..shards.max(1)).map(|_| CachePadded::new(AtomicU64::new(0))).collect();
        Self { shards }
    }

    /// A counter with enough shards for twice the machine's logical CPUs.
    pub fn for_this_machine() -> Self {
        let cpus = std::thread::available_parallelism().map_or(8, |n| n.get());
        Self::new((2 * cpus).next_power_of_two())
    }

    fn my_shard(&self) -> &AtomicU64 {
        &self.shards[thread_slot() % self.shards.len()]
    }
}

impl Default for ShardedCounter {
    fn default() -> Self {
        Self::for_this_machine()
    }
}

/// A small number unique to this thread among the threads started so far: threads of one run get
/// consecutive slots, so they land on distinct shards.
fn thread_slot() -> usize {
    static NEXT_SLOT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static SLOT: usize = NEXT_SLOT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    SLOT.with(|slot| *slot)
}

impl Counter for ShardedCounter {
    #[inline]
    fn increment(&self, critical: impl FnOnce()) {
        critical();
        self.my_shard().fetch_add(1, Ordering::Relaxed);
    }

    fn value(&self) -> u64 {
        self.shards.iter().map(|shard| shard.load(Ordering::Relaxed)).sum()
    }
}

/// A plain `u64` guarded by any [`Lock`].
pub struct LockedCounter<L> {
    lock: L,
}

impl<L: Lock<u64>> LockedCounter<L> {
    /// A counter at zero.
    pub fn new() -> Self {
        Self { lock: L::new(0) }
    }
}

impl<L: Lock<u64>> Default for LockedCounter<L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L: Lock<u64>> Counter for LockedCounter<L> {
    #[inline]
    fn increment(&self, critical: impl FnOnce()) {
        self.lock.with(|value| {
            critical();
            *value += 1;
        });
    }

    fn value(&self) -> u64 {
        self.lock.with(|value| *value)
    }
}

/// A counter behind a [`Reentrant`] lock that each increment takes `depth` times, nested, as
/// recursive code would: the cost of re-entry is what this measures.
pub struct ReentrantCounter<L> {
    lock: L,
    depth: usize,
}

impl<L: Reentrant<Cell<u64>>> ReentrantCounter<L> {
    /// A counter at zero whose increments nest the lock `depth` times (at least once).
    pub fn new(depth: usize) -> Self {
        Self { lock: L::new(Cell::new(0)), depth: depth.max(1) }
    }

    fn nest(&self, levels_left: usize, critical: impl FnOnce()) {
        self.lock.with(|value| {
            if levels_left > 1 {
                self.nest(levels_left - 1, critical);
            } else {
                critical();
                value.set(value.get() + 1);
            }
        });
    }
}

impl<L: Reentrant<Cell<u64>>> Counter for ReentrantCounter<L> {
    #[inline]
    fn increment(&self, critical: impl FnOnce()) {
        self.nest(self.depth, critical);
    }

    fn value(&self) -> u64 {
        self.lock.with(Cell::get)
    }
}

#[cfg(all(test, not(any(loom, shuttle))))]
mod tests {
    use super::*;

    #[test]
    fn cas_counter_counts_a_retry_when_another_update_gets_in_first() {
        let counter = CasCounter::new();
        assert_eq!(counter.increment_counted(|| {}), 0);
        // An update inside the window between the load and the CAS makes the CAS fail once.
        let retries = counter.increment_counted(|| assert_eq!(counter.increment_counted(|| {}), 0));
        assert_eq!(retries, 1);
        assert_eq!(counter.value(), 3, "the retried update is not lost");
    }

    #[test]
    fn counters_that_cannot_be_refused_report_no_retries() {
        let counter = AtomicCounter::new();
        const { assert!(!AtomicCounter::COUNTS_RETRIES && CasCounter::COUNTS_RETRIES) };
        assert_eq!(counter.increment_counted(|| counter.increment(|| {})), 0);
        assert_eq!(counter.value(), 2);
    }
}
