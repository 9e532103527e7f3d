//! The traits of the caching family: a bounded LRU [`Cache`], a copy-on-write list ([`CowList`]),
//! an atomically swapped immutable value ([`SwapCell`], e.g. a configuration) and one-time lazy
//! initialisation ([`LazyInit`]).
//!
//! Read-mostly structures only scale when a read writes nothing shared. Where a design needs a
//! per-thread handle to achieve that (a cached `Arc` revalidated by a version check, as in
//! [`VersionedArcCell`](crate::swap_cell::VersionedArcCell) or arc-swap's `Cache`), the trait
//! offers it as a [`SwapReader`] next to the plain, handle-free read, so a workload can measure
//! both.
//!
//! | trait | hand-rolled | library rivals (in [`adapters::caches`](crate::adapters::caches)) |
//! |---|---|---|
//! | [`Cache`] | [`LruCache`](crate::lru_cache::LruCache), [`ShardedLruCache`](crate::lru_cache::ShardedLruCache) | `lru::LruCache` behind any [`Lock`](crate::lock::Lock) |
//! | [`CowList`] | [`CopyOnWriteList`](crate::cow_list::CopyOnWriteList) | `arc_swap::ArcSwap<Vec<T>>` |
//! | [`SwapCell`] | [`VersionedArcCell`](crate::swap_cell::VersionedArcCell) | `arc_swap::ArcSwap<T>` |
//! | [`LazyInit`] | [`DoubleCheckedLazy`](crate::lazy_init::DoubleCheckedLazy) | std `OnceLock`, std `LazyLock` |

use std::ops::Deref;

/// A bounded key-value cache that evicts the least recently used entry when full.
///
/// Invariants a workload may check: `len() <= capacity()` at all times, and a `get` right after a
/// `put` of the same key returns the value put, unless another thread's `put` evicted it (or
/// replaced it) in between. Sharded implementations evict the least recently used entry of the
/// key's shard, which approximates global LRU order.
pub trait Cache<K, V>: Send + Sync {
    /// An empty cache holding at most `capacity` entries. Panics if `capacity` is 0.
    fn with_capacity(capacity: usize) -> Self
    where
        Self: Sized;

    /// A clone of the value of `key`, which becomes the most recently used entry.
    fn get(&self, key: &K) -> Option<V>;

    /// Inserts or replaces the value of `key`, which becomes the most recently used entry.
    /// Returns the entry evicted to make room, if any; replacing the value of a key already
    /// present evicts nothing and returns `None` (the old value is dropped).
    fn put(&self, key: K, value: V) -> Option<(K, V)>;

    /// The number of entries; a snapshot that may be stale at once.
    fn len(&self) -> usize;

    /// Whether the cache holds no entry; a snapshot that may be stale at once.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most entries the cache holds.
    fn capacity(&self) -> usize;
}

/// A per-thread handle that reads a shared, swappable value; cheap (nothing shared written) while
/// the value has not changed since this handle's previous load.
pub trait SwapReader<T: ?Sized> {
    /// The value current at the time of the call: never older than one this handle returned
    /// before, nor older than a store that happened before the call.
    fn load(&mut self) -> &T;
}

/// An immutable value behind an atomically swapped reference: readers see the old or the new
/// value, always complete, never a mix.
pub trait SwapCell<T>: Send + Sync {
    /// What [`load`](Self::load) returns: keeps the loaded value alive.
    type Guard<'a>: Deref<Target = T>
    where
        Self: 'a;

    /// A per-thread handle for repeated reads (see [`SwapReader`]).
    type Reader<'a>: SwapReader<T>
    where
        Self: 'a;

    /// A cell holding `value`.
    fn new(value: T) -> Self
    where
        Self: Sized;

    /// The current value, without a handle (which may cost a shared write per call).
    fn load(&self) -> Self::Guard<'_>;

    /// A handle for repeated reads by one thread.
    fn reader(&self) -> Self::Reader<'_>;

    /// Replaces the value; readers still holding the old one keep it until they drop it.
    fn store(&self, value: T);
}

/// A list that readers snapshot and iterate without blocking writers, and that writers extend by
/// copying it, appending and publishing the copy. Every snapshot is a prefix of the sequence of
/// pushes (in the order the pushes took effect), and snapshots never shrink.
pub trait CowList<T>: Send + Sync {
    /// What [`snapshot`](Self::snapshot) returns: an immutable view of the list at one moment.
    type Snapshot<'a>: Deref<Target = [T]>
    where
        Self: 'a;

    /// A per-thread handle for repeated snapshots (see [`SwapReader`]).
    type Reader<'a>: SwapReader<[T]>
    where
        Self: 'a;

    /// An empty list.
    fn new() -> Self
    where
        Self: Sized;

    /// The list as it is now, without a handle (which may cost a shared write per call).
    fn snapshot(&self) -> Self::Snapshot<'_>;

    /// A handle for repeated snapshots by one thread.
    fn reader(&self) -> Self::Reader<'_>;

    /// Appends `item`: copies the list, appends, publishes the copy. O(len) per push.
    fn push(&self, item: T);
}

/// A value computed on first use by `init`, exactly once however many threads race for it.
///
/// If `init` panics, the panic reaches the caller of [`get`](Self::get) that ran it; what later
/// calls do depends on the implementation (retry, or panic because the value is poisoned), and
/// each one documents it.
pub trait LazyInit<T>: Send + Sync {
    /// A cell that will run `init` on its first [`get`](Self::get).
    fn new(init: fn() -> T) -> Self
    where
        Self: Sized;

    /// The value, running `init` first if no thread has yet (others wait for it meanwhile).
    fn get(&self) -> &T;
}
