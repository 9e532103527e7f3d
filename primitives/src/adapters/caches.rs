//! Library rivals of the caching family (see [`crate::cache`]) behind its traits:
//!
//! | type | trait | what it is |
//! |---|---|---|
//! | [`LockedLruCrate`] | [`Cache`] | `lru::LruCache` (pointer-linked list over a hashbrown map) behind any [`Lock`] |
//! | `arc_swap::ArcSwap<T>` | [`SwapCell`] | lock-free swapped `Arc`; reads pay a debt slot, or nothing through `arc_swap::Cache` |
//! | `arc_swap::ArcSwap<Vec<T>>` | [`CowList`] | the same, with lock-free `rcu` writers (a writer that loses a race copies again) |
//! | [`OnceLockLazy`] | [`LazyInit`] | std `OnceLock` and its initialiser; retries after a panicking initialiser |
//! | `std::sync::LazyLock<T>` | [`LazyInit`] | std; poisoned by a panicking initialiser: every later `get` panics |

use std::hash::Hash;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, OnceLock};

use arc_swap::ArcSwap;

use crate::cache::{Cache, CowList, LazyInit, SwapCell, SwapReader};
use crate::lock::Lock;

/// `lru::LruCache` behind one lock `L`.
pub struct LockedLruCrate<K, V, L = parking_lot::Mutex<lru::LruCache<K, V>>> {
    lru: L,
    /// Equals the capacity of the `lru::LruCache` inside, readable without the lock.
    capacity: usize,
    _entries: PhantomData<fn() -> (K, V)>,
}

/// The `lru` crate behind parking_lot's mutex.
pub type LruCrateParkingLot<K, V> = LockedLruCrate<K, V, parking_lot::Mutex<lru::LruCache<K, V>>>;
/// The `lru` crate behind std's mutex.
pub type LruCrateStdMutex<K, V> = LockedLruCrate<K, V, std::sync::Mutex<lru::LruCache<K, V>>>;

impl<K, V, L> Cache<K, V> for LockedLruCrate<K, V, L>
where
    K: Hash + Eq + Send,
    V: Clone + Send,
    L: Lock<lru::LruCache<K, V>>,
{
    fn with_capacity(capacity: usize) -> Self {
        let cap = NonZeroUsize::new(capacity).expect("an LRU cache needs a capacity of at least 1");
        Self { lru: L::new(lru::LruCache::new(cap)), capacity, _entries: PhantomData }
    }

    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        self.lru.with(|lru| lru.get(key).cloned())
    }

    #[inline]
    fn put(&self, key: K, value: V) -> Option<(K, V)> {
        // `push` returns the old entry both when it replaces and when it evicts; only an evicted
        // key is gone afterwards (`contains` does not touch the recency order).
        self.lru.with(|lru| lru.push(key, value).filter(|(old, _)| !lru.contains(old)))
    }

    fn len(&self) -> usize {
        self.lru.with(|lru| lru.len())
    }

    fn capacity(&self) -> usize {
        self.capacity
    }
}

/// What `SwapCell::load` returns for `ArcSwap<T>`: arc-swap's guard, dereferencing to `T`.
pub struct ArcSwapGuard<T>(arc_swap::Guard<Arc<T>>);

impl<T> Deref for ArcSwapGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A read handle of an `ArcSwap<T>`: arc-swap's own `Cache`.
pub struct ArcSwapReader<'a, T>(arc_swap::Cache<&'a ArcSwap<T>, Arc<T>>);

impl<T> SwapReader<T> for ArcSwapReader<'_, T> {
    #[inline]
    fn load(&mut self) -> &T {
        self.0.load()
    }
}

impl<T: Send + Sync> SwapCell<T> for ArcSwap<T> {
    type Guard<'a>
        = ArcSwapGuard<T>
    where
        Self: 'a;
    type Reader<'a>
        = ArcSwapReader<'a, T>
    where
        Self: 'a;

    fn new(value: T) -> Self {
        ArcSwap::from_pointee(value)
    }

    #[inline]
    fn load(&self) -> ArcSwapGuard<T> {
        ArcSwapGuard(ArcSwap::load(self))
    }

    fn reader(&self) -> ArcSwapReader<'_, T> {
        ArcSwapReader(arc_swap::Cache::new(self))
    }

    fn store(&self, value: T) {
        ArcSwap::store(self, Arc::new(value));
    }
}

/// A snapshot of an `ArcSwap<Vec<T>>` list: arc-swap's guard, dereferencing to the slice.
pub struct ArcSwapSlice<T>(arc_swap::Guard<Arc<Vec<T>>>);

impl<T> Deref for ArcSwapSlice<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

/// A snapshot handle of an `ArcSwap<Vec<T>>` list: arc-swap's own `Cache`.
pub struct ArcSwapListReader<'a, T>(arc_swap::Cache<&'a ArcSwap<Vec<T>>, Arc<Vec<T>>>);

impl<T> SwapReader<[T]> for ArcSwapListReader<'_, T> {
    #[inline]
    fn load(&mut self) -> &[T] {
        self.0.load()
    }
}

impl<T: Clone + Send + Sync> CowList<T> for ArcSwap<Vec<T>> {
    type Snapshot<'a>
        = ArcSwapSlice<T>
    where
        Self: 'a;
    type Reader<'a>
        = ArcSwapListReader<'a, T>
    where
        Self: 'a;

    fn new() -> Self {
        ArcSwap::from_pointee(Vec::new())
    }

    #[inline]
    fn snapshot(&self) -> ArcSwapSlice<T> {
        ArcSwapSlice(ArcSwap::load(self))
    }

    fn reader(&self) -> ArcSwapListReader<'_, T> {
        ArcSwapListReader(arc_swap::Cache::new(self))
    }

    fn push(&self, item: T) {
        self.rcu(|current| {
            let mut copy = Vec::with_capacity(current.len() + 1);
            copy.extend_from_slice(current);
            copy.push(item.clone());
            copy
        });
    }
}

/// std's `OnceLock` and the initialiser it runs on first `get`.
pub struct OnceLockLazy<T> {
    cell: OnceLock<T>,
    init: fn() -> T,
}

impl<T: Send + Sync> LazyInit<T> for OnceLockLazy<T> {
    fn new(init: fn() -> T) -> Self {
        Self { cell: OnceLock::new(), init }
    }

    #[inline]
    fn get(&self) -> &T {
        self.cell.get_or_init(self.init)
    }
}

impl<T: Send + Sync> LazyInit<T> for LazyLock<T, fn() -> T> {
    fn new(init: fn() -> T) -> Self {
        LazyLock::new(init)
    }

    #[inline]
    fn get(&self) -> &T {
        LazyLock::force(self)
    }
}
