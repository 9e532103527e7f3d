//! A least-recently-used cache with O(1) `get` and `put`, whole or sharded, behind any [`Lock`].
//!
//! The classic design (a hash map into a doubly linked recency list; e.g. Knuth's and every
//! textbook's LRU) without pointers: the list lives in a slab (`Vec`) and links are slab indices,
//! so the structure is entirely safe code. The slab never shrinks and never has holes: it grows
//! to the capacity, after which an eviction reuses the evicted node's slot for the new entry.
//!
//! Every `get` reorders the list, so even reads take the lock exclusively: a single [`LruCache`]
//! serialises all threads. [`ShardedLruCache`] splits keys by hash over independently locked
//! shards, each an LRU of its share of the capacity, trading exact global LRU order for
//! parallelism (memcached and caffeine-style segmented caches do the same). The map hashes with
//! `lru::DefaultHasher`, the `lru` crate's own, so the comparison with it isolates the design.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

use crossbeam_utils::CachePadded;

use crate::cache::Cache;
use crate::lock::Lock;

/// Marks the absence of a neighbour in the recency list.
const NIL: usize = usize::MAX;

/// One entry and its links in the recency list.
struct Node<K, V> {
    key: K,
    value: V,
    /// The next more recently used node, or `NIL` at the head.
    newer: usize,
    /// The next less recently used node, or `NIL` at the tail.
    older: usize,
}

/// The single-threaded LRU that [`LruCache`] and [`ShardedLruCache`] put behind locks.
pub struct Lru<K, V> {
    /// Invariant: maps each key in the cache to the index of its node, and nothing else.
    slots: HashMap<K, usize, lru::DefaultHasher>,
    /// Invariant: `nodes.len() == slots.len() <= capacity`; every node is on the recency list.
    nodes: Vec<Node<K, V>>,
    /// The most recently used node, or `NIL` when empty.
    newest: usize,
    /// The least recently used node (evicted next), or `NIL` when empty.
    oldest: usize,
    /// At least 1.
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    /// An empty LRU holding at most `capacity` entries. Panics if `capacity` is 0.
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "an LRU cache needs a capacity of at least 1");
        Self {
            slots: HashMap::with_capacity_and_hasher(capacity, Default::default()),
            nodes: Vec::with_capacity(capacity),
            newest: NIL,
            oldest: NIL,
            capacity,
        }
    }

    /// The value of `key`, which becomes the most recently used entry.
    #[inline]
    pub fn get(&mut self, key: &K) -> Option<&V> {
        let slot = *self.slots.get(key)?;
        self.move_to_front(slot);
        Some(&self.nodes[slot].value)
    }

    /// Inserts or replaces; returns the entry evicted to make room (see [`Cache::put`]).
    #[inline]
    pub fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        if let Some(&slot) = self.slots.get(&key) {
            self.nodes[slot].value = value;
            self.move_to_front(slot);
            return None;
        }
        if self.nodes.len() < self.capacity {
            let slot = self.nodes.len();
            self.nodes.push(Node { key: key.clone(), value, newer: NIL, older: NIL });
            self.slots.insert(key, slot);
            self.link_front(slot);
            return None;
        }
        // Full: the oldest node's slot takes the new entry.
        let slot = self.oldest;
        self.unlink(slot);
        let fresh = Node { key: key.clone(), value, newer: NIL, older: NIL };
        let evicted = std::mem::replace(&mut self.nodes[slot], fresh);
        self.slots.remove(&evicted.key);
        self.slots.insert(key, slot);
        self.link_front(slot);
        Some((evicted.key, evicted.value))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The most entries this LRU holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn move_to_front(&mut self, slot: usize) {
        if self.newest != slot {
            self.unlink(slot);
            self.link_front(slot);
        }
    }

    /// Takes `slot` off the list, leaving its own links stale.
    fn unlink(&mut self, slot: usize) {
        let (newer, older) = (self.nodes[slot].newer, self.nodes[slot].older);
        match newer {
            NIL => self.newest = older,
            newer => self.nodes[newer].older = older,
        }
        match older {
            NIL => self.oldest = newer,
            older => self.nodes[older].newer = newer,
        }
    }

    /// Puts `slot`, which is off the list, at the head.
    fn link_front(&mut self, slot: usize) {
        self.nodes[slot].newer = NIL;
        self.nodes[slot].older = self.newest;
        match self.newest {
            NIL => self.oldest = slot,
            newest => self.nodes[newest].newer = slot,
        }
        self.newest = slot;
    }
}

/// An [`Lru`] behind one lock `L` (parking_lot's mutex unless chosen otherwise, e.g.
/// [`SpinLock`](crate::SpinLock)).
pub struct LruCache<K, V, L = parking_lot::Mutex<Lru<K, V>>> {
    lru: L,
    /// Equals the capacity of the `Lru` inside, readable without the lock.
    capacity: usize,
    _entries: std::marker::PhantomData<fn() -> (K, V)>,
}

impl<K, V, L> Cache<K, V> for LruCache<K, V, L>
where
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    L: Lock<Lru<K, V>>,
{
    fn with_capacity(capacity: usize) -> Self {
        Self { lru: L::new(Lru::new(capacity)), capacity, _entries: std::marker::PhantomData }
    }

    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        self.lru.with(|lru| lru.get(key).cloned())
    }

    #[inline]
    fn put(&self, key: K, value: V) -> Option<(K, V)> {
        self.lru.with(|lru| lru.put(key, value))
    }

    fn len(&self) -> usize {
        self.lru.with(|lru| lru.len())
    }

    fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Keys spread by hash over independently locked [`Lru`] shards that share the capacity; each
/// shard evicts its own least recently used entry.
pub struct ShardedLruCache<K, V, L = parking_lot::Mutex<Lru<K, V>>> {
    /// Invariant: the key `k` lives only in `shards[mix(hash(k)) % shards.len()]`; the shards'
    /// capacities sum to `capacity` and each is at least 1.
    shards: Box<[CachePadded<L>]>,
    /// Picks the shard; seeded independently of the shards' maps, so keys of one shard do not
    /// collide inside its map.
    shard_hasher: lru::DefaultHasher,
    capacity: usize,
    _entries: std::marker::PhantomData<fn() -> (K, V)>,
}

impl<K, V, L> ShardedLruCache<K, V, L>
where
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    L: Lock<Lru<K, V>>,
{
    /// A cache of `capacity` entries (at least 1) over `shards` shards, fewer if the capacity is
    /// smaller. The capacity is split as evenly as possible.
    pub fn new(capacity: usize, shards: usize) -> Self {
        assert!(capacity > 0, "an LRU cache needs a capacity of at least 1");
        let count = shards.clamp(1, capacity);
        let shards = (0..count)
            .map(|i| {
                let share = capacity / count + usize::from(i < capacity % count);
                CachePadded::new(L::new(Lru::new(share)))
            })
            .collect();
        Self { shards, shard_hasher: Default::default(), capacity, _entries: Default::default() }
    }

    /// The number of shards.
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    #[inline]
    fn shard(&self, key: &K) -> &L {
        // The map's fast hash spreads structured keys (a thread id in the high bits, a counter in
        // the low ones) unevenly over a handful of shards under some seeds: the SplitMix64
        // finaliser mixes every bit into every bit first.
        let hash = crate::splitmix::finalise(self.shard_hasher.hash_one(key));
        &self.shards[(hash % self.shards.len() as u64) as usize]
    }
}

impl<K, V, L> Cache<K, V> for ShardedLruCache<K, V, L>
where
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    L: Lock<Lru<K, V>>,
{
    /// Four shards per logical CPU, so two threads rarely want the same shard.
    fn with_capacity(capacity: usize) -> Self {
        let cpus = std::thread::available_parallelism().map_or(8, |n| n.get());
        Self::new(capacity, 4 * cpus)
    }

    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        self.shard(key).with(|lru| lru.get(key).cloned())
    }

    #[inline]
    fn put(&self, key: K, value: V) -> Option<(K, V)> {
        self.shard(&key).with(|lru| lru.put(key, value))
    }

    /// The sum of the shards' lengths, each taken under its lock at a different moment.
    fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.with(|lru| lru.len())).sum()
    }

    fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn get_refreshes_and_the_oldest_is_evicted() {
        let mut lru = Lru::new(3);
        assert_eq!(lru.put(1, "a"), None);
        assert_eq!(lru.put(2, "b"), None);
        assert_eq!(lru.put(3, "c"), None);
        assert_eq!(lru.get(&1), Some(&"a")); // order, newest first: 1 3 2
        assert_eq!(lru.put(4, "d"), Some((2, "b")));
        assert_eq!(lru.put(3, "C"), None, "replacing evicts nothing"); // 3 4 1
        assert_eq!(lru.put(5, "e"), Some((1, "a")));
        assert_eq!(lru.put(6, "f"), Some((4, "d")));
        assert_eq!((lru.get(&2).copied(), lru.get(&3).copied()), (None, Some("C")));
        assert_eq!(lru.len(), 3);
    }

    #[test]
    #[should_panic(expected = "capacity of at least 1")]
    fn zero_capacity_is_refused() {
        Lru::<u8, u8>::new(0);
    }

    #[test]
    fn shards_split_the_capacity_exactly() {
        let cache = ShardedLruCache::<u32, u32>::new(10, 4);
        assert_eq!(cache.shard_count(), 4);
        let shares: Vec<_> = cache.shards.iter().map(|s| s.lock().capacity()).collect();
        assert_eq!(shares, [3, 3, 2, 2]);
        assert_eq!(ShardedLruCache::<u32, u32>::new(3, 16).shard_count(), 3);
        for key in 0..1000 {
            cache.put(key, key);
            assert!(cache.len() <= 10);
        }
        assert_eq!(cache.len(), 10, "every shard fills up under enough distinct keys");
    }
}

#[cfg(all(test, not(loom)))]
mod shard_spread_tests {
    use super::*;

    /// Keys of four threads (thread id in the high bits, 0..64 in the low ones) fill every one of
    /// eight shards, whatever the hasher's random seed: 50 caches, 50 seeds.
    #[test]
    fn structured_keys_reach_every_shard() {
        for _ in 0..50 {
            let cache = ShardedLruCache::<u64, u64>::new(64, 8);
            let mut per_shard = vec![0usize; 8];
            for thread in 0..4u64 {
                for k in 0..64u64 {
                    let key = (thread << 32) | k;
                    let shard = cache.shard(&key) as *const _;
                    let index =
                        cache.shards.iter().position(|s| std::ptr::eq(&**s, shard)).unwrap();
                    per_shard[index] += 1;
                }
            }
            assert!(per_shard.iter().all(|&n| n >= 8), "keys per shard {per_shard:?}");
        }
    }
}
