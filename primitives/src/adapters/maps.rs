//! Rival maps behind [`ConcurrentMap`]: one `HashMap` under one lock (std's and `lock_api`'s
//! mutexes and reader-writer locks, which covers parking_lot's and the hand-rolled ones), DashMap
//! (sharded `RwLock`s, the library twin of [`StripedRwMap`](crate::striped_map::StripedRwMap)),
//! scc's `HashMap` (bucket-level locks, lock-free reads) and papaya's (lock-free, epoch-reclaimed).
//!
//! Each keeps the trait's meaning exactly: `insert` never overwrites, `upsert` reports whether it
//! inserted. Every map is generic over its hasher `S`, so a workload can give all of them the same.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::PoisonError;

use crate::map::{table, ConcurrentMap};

/// `ConcurrentMap` for one lock around a whole `HashMap`, given how to lock it for reading and for
/// writing: `|lock| guard` for each.
macro_rules! single_lock_map {
    ($(
        <$($param:ident: $bound:path),*> $lock:ty,
        read: |$r:ident| $read:expr, write: |$w:ident| $write:expr;
    )*) => {$(
        impl<K, V, S, $($param: $bound),*> ConcurrentMap<K, V> for $lock
        where
            K: Hash + Eq + Send + Sync,
            V: Clone + Send + Sync,
            S: BuildHasher + Default + Send + Sync,
            $($param: Send + Sync,)*
        {
            fn with_capacity(capacity: usize) -> Self {
                <$lock>::new(HashMap::with_capacity_and_hasher(capacity, S::default()))
            }

            #[inline]
            fn get(&self, key: &K) -> Option<V> {
                { let $r = self; $read }.get(key).cloned()
            }

            #[inline]
            fn insert(&self, key: K, value: V) -> bool {
                table::insert(&mut *{ let $w = self; $write }, key, value)
            }

            #[inline]
            fn remove(&self, key: &K) -> bool {
                { let $w = self; $write }.remove(key).is_some()
            }

            #[inline]
            fn update(&self, key: &K, f: impl FnMut(&mut V)) -> bool {
                table::update(&mut *{ let $w = self; $write }, key, f)
            }

            #[inline]
            fn upsert(&self, key: K, value: V, f: impl FnMut(&mut V)) -> bool {
                table::upsert(&mut *{ let $w = self; $write }, key, value, f)
            }

            fn len(&self) -> usize {
                { let $r = self; $read }.len()
            }
        }
    )*};
}

// A panic under a std lock is a bug in the workload, not a state to recover: poison is ignored,
// as in the std `Lock` adapter.
single_lock_map! {
    <> std::sync::Mutex<HashMap<K, V, S>>,
        read: |m| m.lock().unwrap_or_else(PoisonError::into_inner),
        write: |m| m.lock().unwrap_or_else(PoisonError::into_inner);
    <> std::sync::RwLock<HashMap<K, V, S>>,
        read: |m| m.read().unwrap_or_else(PoisonError::into_inner),
        write: |m| m.write().unwrap_or_else(PoisonError::into_inner);
    <R: lock_api::RawMutex> lock_api::Mutex<R, HashMap<K, V, S>>,
        read: |m| m.lock(),
        write: |m| m.lock();
    <R: lock_api::RawRwLock> lock_api::RwLock<R, HashMap<K, V, S>>,
        read: |m| m.read(),
        write: |m| m.write();
}

impl<K, V, S> ConcurrentMap<K, V> for dashmap::DashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync,
    V: Clone + Send + Sync,
    S: BuildHasher + Clone + Default + Send + Sync,
{
    fn with_capacity(capacity: usize) -> Self {
        dashmap::DashMap::with_capacity_and_hasher(capacity, S::default())
    }

    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        dashmap::DashMap::get(self, key).map(|entry| entry.value().clone())
    }

    #[inline]
    fn insert(&self, key: K, value: V) -> bool {
        match self.entry(key) {
            dashmap::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
            dashmap::Entry::Occupied(_) => false,
        }
    }

    #[inline]
    fn remove(&self, key: &K) -> bool {
        dashmap::DashMap::remove(self, key).is_some()
    }

    #[inline]
    fn update(&self, key: &K, mut f: impl FnMut(&mut V)) -> bool {
        self.get_mut(key).map(|mut entry| f(entry.value_mut())).is_some()
    }

    #[inline]
    fn upsert(&self, key: K, value: V, mut f: impl FnMut(&mut V)) -> bool {
        match self.entry(key) {
            dashmap::Entry::Occupied(mut entry) => {
                f(entry.get_mut());
                false
            }
            dashmap::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
        }
    }

    fn len(&self) -> usize {
        dashmap::DashMap::len(self)
    }
}

impl<K, V, S> ConcurrentMap<K, V> for scc::HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync,
    V: Clone + Send + Sync,
    S: BuildHasher + Default + Send + Sync,
{
    fn with_capacity(capacity: usize) -> Self {
        scc::HashMap::with_capacity_and_hasher(capacity, S::default())
    }

    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        self.read_sync(key, |_, value| value.clone())
    }

    #[inline]
    fn insert(&self, key: K, value: V) -> bool {
        self.insert_sync(key, value).is_ok()
    }

    #[inline]
    fn remove(&self, key: &K) -> bool {
        self.remove_sync(key).is_some()
    }

    #[inline]
    fn update(&self, key: &K, mut f: impl FnMut(&mut V)) -> bool {
        self.update_sync(key, |_, value| f(value)).is_some()
    }

    #[inline]
    fn upsert(&self, key: K, value: V, mut f: impl FnMut(&mut V)) -> bool {
        match self.entry_sync(key) {
            scc::hash_map::Entry::Occupied(mut entry) => {
                f(entry.get_mut());
                false
            }
            scc::hash_map::Entry::Vacant(slot) => {
                slot.insert_entry(value);
                true
            }
        }
    }

    fn len(&self) -> usize {
        scc::HashMap::len(self)
    }
}

/// papaya updates by copy and compare-and-swap, so `update` and `upsert` clone the value (and the
/// key, which papaya takes by value) and may run `f` again on a fresh copy after a lost race.
impl<K, V, S> ConcurrentMap<K, V> for papaya::HashMap<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
    S: BuildHasher + Default + Send + Sync,
{
    fn with_capacity(capacity: usize) -> Self {
        papaya::HashMap::with_capacity_and_hasher(capacity, S::default())
    }

    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        self.pin().get(key).cloned()
    }

    #[inline]
    fn insert(&self, key: K, value: V) -> bool {
        self.pin().try_insert(key, value).is_ok()
    }

    #[inline]
    fn remove(&self, key: &K) -> bool {
        self.pin().remove(key).is_some()
    }

    #[inline]
    fn update(&self, key: &K, mut f: impl FnMut(&mut V)) -> bool {
        let map = self.pin();
        let updated = map.compute(key.clone(), |entry| match entry {
            Some((_, value)) => papaya::Operation::Insert(changed(value, &mut f)),
            None => papaya::Operation::Abort(()),
        });
        matches!(updated, papaya::Compute::Updated { .. })
    }

    #[inline]
    fn upsert(&self, key: K, value: V, mut f: impl FnMut(&mut V)) -> bool {
        let map = self.pin();
        let done = map.compute(key, |entry| match entry {
            Some((_, current)) => papaya::Operation::Insert::<V, ()>(changed(current, &mut f)),
            None => papaya::Operation::Insert(value.clone()),
        });
        matches!(done, papaya::Compute::Inserted(..))
    }

    fn len(&self) -> usize {
        papaya::HashMap::len(self)
    }
}

/// A copy of `value` with `f` applied.
fn changed<V: Clone>(value: &V, f: &mut impl FnMut(&mut V)) -> V {
    let mut copy = value.clone();
    f(&mut copy);
    copy
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::map::tests::semantics;

    #[test]
    fn every_rival_keeps_the_trait_semantics() {
        type Table = HashMap<u64, u64>;
        semantics(std::sync::Mutex::<Table>::with_capacity(4));
        semantics(std::sync::RwLock::<Table>::with_capacity(4));
        semantics(parking_lot::Mutex::<Table>::with_capacity(4));
        semantics(parking_lot::RwLock::<Table>::with_capacity(4));
        semantics(crate::SpinLock::<Table>::with_capacity(4));
        semantics(dashmap::DashMap::<u64, u64>::with_capacity(4));
        semantics(scc::HashMap::<u64, u64>::with_capacity(4));
        semantics(papaya::HashMap::<u64, u64>::with_capacity(4));
    }
}
