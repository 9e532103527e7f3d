//! The trait that every concurrent hash map plugs into, hand-rolled or library, after the
//! `Collection` trait of jonhoo's bustle benchmark: a map workload is generic over
//! [`ConcurrentMap`], so it never knows which implementation it drives.
//!
//! Every operation is one atomic step on one key (linearizable), and each reports what it found,
//! so a workload can check its results against what is possible: a get of a key never inserted
//! finds nothing, and the final [`len`](ConcurrentMap::len) equals the prefill plus the successful
//! inserts (including upserts that inserted) minus the successful removes.
//!
//! The closures of [`update`](ConcurrentMap::update) and [`upsert`](ConcurrentMap::upsert) are
//! `FnMut`, not `FnOnce`: a lock-free map (papaya) updates by copy and compare-and-swap and may run
//! the closure again on a fresh copy when it loses a race. Only one run's result is stored.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// A concurrent hash map, as the map workload drives it.
///
/// ```
/// use primitives::map::ConcurrentMap;
/// use primitives::striped_map::StripedMap;
///
/// /// A workload sees only the trait: here, count word occurrences on two threads.
/// fn count_words<M: ConcurrentMap<&'static str, u64>>(map: &M, words: &[&'static str]) {
///     std::thread::scope(|s| {
///         for half in words.chunks(words.len().div_ceil(2)) {
///             s.spawn(move || half.iter().for_each(|&w| _ = map.upsert(w, 1, |n| *n += 1)));
///         }
///     });
/// }
///
/// let map: StripedMap<&str, u64> = StripedMap::with_stripes(8, 16);
/// count_words(&map, &["a", "b", "a", "c", "a", "b"]);
/// assert_eq!((map.get(&"a"), map.get(&"b"), map.get(&"z")), (Some(3), Some(2), None));
/// assert_eq!(map.len(), 3);
/// ```
pub trait ConcurrentMap<K, V>: Send + Sync {
    /// An empty map with room for about `capacity` entries.
    fn with_capacity(capacity: usize) -> Self
    where
        Self: Sized;

    /// A copy of the value under `key`, if any.
    fn get(&self, key: &K) -> Option<V>;

    /// Inserts `value` under `key` if the key is absent, and returns whether it did. A present key
    /// keeps its value (insert-if-absent, so that `true` means the map grew).
    fn insert(&self, key: K, value: V) -> bool;

    /// Removes `key` and returns whether it was present.
    fn remove(&self, key: &K) -> bool;

    /// Runs `f` on the value under `key`, in place and atomically; returns whether the key was
    /// present. `f` may run more than once on fresh copies (see the module docs).
    fn update(&self, key: &K, f: impl FnMut(&mut V)) -> bool;

    /// Runs `f` on the value under `key` if present, else inserts `value`, as one atomic step;
    /// returns whether it inserted (the map grew). `f` may run more than once on fresh copies.
    fn upsert(&self, key: K, value: V, f: impl FnMut(&mut V)) -> bool;

    /// The number of entries. Exact when no operation runs concurrently; otherwise a value the
    /// map may have had at some moment during the call (or, for striped maps, a sum of per-stripe
    /// counts taken one after another).
    fn len(&self) -> usize;

    /// Whether [`len`](Self::len) is zero.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The operations on one plain table held exclusively (under a lock), shared by the striped maps
/// and the locked-`HashMap` rivals so that all of them mean exactly the same thing.
pub(crate) mod table {
    use super::*;

    #[inline]
    pub(crate) fn insert<K: Hash + Eq, V, S: BuildHasher>(
        table: &mut HashMap<K, V, S>,
        key: K,
        value: V,
    ) -> bool {
        match table.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
            Entry::Occupied(_) => false,
        }
    }

    #[inline]
    pub(crate) fn update<K: Hash + Eq, V, S: BuildHasher>(
        table: &mut HashMap<K, V, S>,
        key: &K,
        f: impl FnMut(&mut V),
    ) -> bool {
        table.get_mut(key).map(f).is_some()
    }

    #[inline]
    pub(crate) fn upsert<K: Hash + Eq, V, S: BuildHasher>(
        table: &mut HashMap<K, V, S>,
        key: K,
        value: V,
        mut f: impl FnMut(&mut V),
    ) -> bool {
        match table.entry(key) {
            Entry::Occupied(mut entry) => {
                f(entry.get_mut());
                false
            }
            Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
pub(crate) mod tests {
    use super::ConcurrentMap;

    /// Every operation's result on an empty `map`, one thread, against the documented semantics:
    /// the unit test of every implementation.
    pub(crate) fn semantics<M: ConcurrentMap<u64, u64>>(map: M) {
        assert!(map.is_empty());
        assert!(map.insert(1, 10));
        assert!(!map.insert(1, 11), "insert of a present key");
        assert_eq!(map.get(&1), Some(10), "a present key keeps its value");
        assert_eq!(map.get(&2), None);
        assert!(map.update(&1, |v| *v += 5));
        assert!(!map.update(&2, |_| panic!("update ran on an absent key")));
        assert_eq!(map.get(&1), Some(15));
        assert!(map.upsert(2, 20, |_| panic!("upsert ran its closure on an absent key")));
        assert!(!map.upsert(2, 99, |v| *v += 1));
        assert_eq!(map.get(&2), Some(21));
        assert_eq!(map.len(), 2);
        assert!(map.remove(&1));
        assert!(!map.remove(&1));
        assert_eq!((map.get(&1), map.len()), (None, 1));
    }
}
