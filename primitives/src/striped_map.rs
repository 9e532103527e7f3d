//! Lock striping: a hash map split by key hash into stripes, each a lock around its own table
//! (Herlihy and Shavit, "The Art of Multiprocessor Programming", 2008, the `StripedHashSet` of
//! chapter 13; the segments of Java 5's `ConcurrentHashMap`; DashMap's shards).
//!
//! An operation hashes its key to pick the stripe, then locks that stripe alone, so
//! operations on different stripes touch no common cache line: stripes are cache-padded and
//! nothing is shared across them (no global count; [`len`](ConcurrentMap::len) sums the stripes).
//! That is what lets a read-mostly load scale, where one `RwLock<HashMap>` makes every reader write
//! the same reader count.
//!
//! [`StripedMap`] guards each stripe with any [`Lock`] (parking_lot's `Mutex` by default, or the
//! project's [`SpinLock`](crate::SpinLock)); [`StripedRwMap`] with any `lock_api` reader-writer
//! lock, so that readers of one stripe share it.
//!
//! The stripe comes from a cheap hash of its own (FxHash's multiply), not from the tables' hasher
//! `S`: std's `HashMap` cannot be handed a precomputed hash, so sharing `S` would run it twice
//! per operation (with SipHash, more than the lock costs). Here the second hash is the cheap one.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::marker::PhantomData;

use crossbeam_utils::CachePadded;

use crate::lock::Lock;
use crate::map::{table, ConcurrentMap};

/// Stripe counts are rounded up to a power of two and capped here.
pub const MAX_STRIPES: usize = 1 << 16;

/// The stripe count [`ConcurrentMap::with_capacity`] uses: four per logical CPU, rounded up to a
/// power of two, so that threads rarely meet on a stripe even with a few hot keys.
pub fn default_stripes() -> usize {
    let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
    (4 * cpus).next_power_of_two().min(MAX_STRIPES)
}

/// The stripes, shared by both maps. Invariant: a key lives only in stripe `index(key)`.
struct Stripes<L> {
    /// A power-of-two number of locks, each around one table.
    locks: Box<[CachePadded<L>]>,
    /// `(stripe_hash >> shift) & mask` is the stripe: the top `log2(len)` bits of the hash, with
    /// `shift = (64 - log2(len)) % 64` and `mask = len - 1` (so one stripe needs no branch).
    shift: u32,
    mask: u64,
}

impl<L> Stripes<L> {
    /// `stripes` locks made by `new_lock`, each around an empty table hashed by a clone of `hasher`
    /// with room for its share of `capacity`.
    fn new<K, V, S: Clone>(
        stripes: usize,
        capacity: usize,
        hasher: S,
        new_lock: impl Fn(HashMap<K, V, S>) -> L,
    ) -> Self {
        let count = stripes.clamp(1, MAX_STRIPES).next_power_of_two();
        let per_stripe = capacity.div_ceil(count);
        let table = || HashMap::with_capacity_and_hasher(per_stripe, hasher.clone());
        let locks = (0..count).map(|_| CachePadded::new(new_lock(table()))).collect();
        Self { locks, shift: (64 - count.trailing_zeros()) % 64, mask: count as u64 - 1 }
    }

    fn index<K: Hash>(&self, key: &K) -> usize {
        let hash = BuildHasherDefault::<StripeHasher>::default().hash_one(key);
        ((hash >> self.shift) & self.mask) as usize
    }

    fn of<K: Hash>(&self, key: &K) -> &L {
        &self.locks[self.index(key)]
    }
}

/// The multiply-rotate hash of rustc's `FxHasher`, for stripe selection only: about a nanosecond
/// for an integer key, so the tables' own hasher still runs once per operation, as in a plain
/// `HashMap`. It is unseeded (crafted keys could crowd one stripe, never break a table) and
/// independent of the tables' hasher, so stripes and table slots do not correlate. Its top bits
/// pick the stripe: the product mixes every input bit into them (Fibonacci hashing).
#[derive(Default)]
struct StripeHasher(u64);

impl Hasher for StripeHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The tables inside the stripe locks; `fn() -> _` leaves `Send` and `Sync` to the lock alone.
type TablesInside<K, V, S> = PhantomData<fn() -> HashMap<K, V, S>>;

/// A hash map of `K` to `V` in lock stripes, each a [`Lock`] `L` around a `HashMap` hashed by `S`.
pub struct StripedMap<K, V, S = RandomState, L = parking_lot::Mutex<HashMap<K, V, S>>> {
    stripes: Stripes<L>,
    _tables: TablesInside<K, V, S>,
}

impl<K, V, S, L> StripedMap<K, V, S, L>
where
    K: Hash,
    S: BuildHasher + Clone,
    L: Lock<HashMap<K, V, S>>,
{
    /// An empty map of `stripes` stripes (rounded up to a power of two, at least 1, at most
    /// [`MAX_STRIPES`]) with room for about `capacity` entries in all.
    pub fn with_stripes(stripes: usize, capacity: usize) -> Self
    where
        S: Default,
    {
        Self::with_stripes_and_hasher(stripes, capacity, S::default())
    }

    /// As [`with_stripes`](Self::with_stripes), hashing with `hasher`.
    pub fn with_stripes_and_hasher(stripes: usize, capacity: usize, hasher: S) -> Self {
        Self { stripes: Stripes::new(stripes, capacity, hasher, L::new), _tables: PhantomData }
    }

    /// The number of stripes, a power of two.
    pub fn stripes(&self) -> usize {
        self.stripes.locks.len()
    }

    /// The stripe that holds `key`, below [`stripes`](Self::stripes) (for tests and diagnostics).
    pub fn stripe_of(&self, key: &K) -> usize {
        self.stripes.index(key)
    }
}

impl<K, V, S, L> ConcurrentMap<K, V> for StripedMap<K, V, S, L>
where
    K: Hash + Eq,
    V: Clone,
    S: BuildHasher + Clone + Default + Send + Sync,
    L: Lock<HashMap<K, V, S>>,
{
    fn with_capacity(capacity: usize) -> Self {
        Self::with_stripes(default_stripes(), capacity)
    }

    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        self.stripes.of(key).with(|table| table.get(key).cloned())
    }

    #[inline]
    fn insert(&self, key: K, value: V) -> bool {
        self.stripes.of(&key).with(|map| table::insert(map, key, value))
    }

    #[inline]
    fn remove(&self, key: &K) -> bool {
        self.stripes.of(key).with(|table| table.remove(key).is_some())
    }

    #[inline]
    fn update(&self, key: &K, f: impl FnMut(&mut V)) -> bool {
        self.stripes.of(key).with(|map| table::update(map, key, f))
    }

    #[inline]
    fn upsert(&self, key: K, value: V, f: impl FnMut(&mut V)) -> bool {
        self.stripes.of(&key).with(|map| table::upsert(map, key, value, f))
    }

    fn len(&self) -> usize {
        self.stripes.locks.iter().map(|stripe| stripe.with(|table| table.len())).sum()
    }
}

/// A hash map in stripes of `lock_api` reader-writer locks (raw lock `R`, parking_lot's by
/// default): gets share their stripe, writes take it alone.
pub struct StripedRwMap<K, V, S = RandomState, R = parking_lot::RawRwLock> {
    stripes: Stripes<lock_api::RwLock<R, HashMap<K, V, S>>>,
}

impl<K, V, S, R> StripedRwMap<K, V, S, R>
where
    K: Hash,
    S: BuildHasher + Clone,
    R: lock_api::RawRwLock,
{
    /// An empty map of `stripes` stripes (rounded up to a power of two, at least 1, at most
    /// [`MAX_STRIPES`]) with room for about `capacity` entries in all.
    pub fn with_stripes(stripes: usize, capacity: usize) -> Self
    where
        S: Default,
    {
        Self::with_stripes_and_hasher(stripes, capacity, S::default())
    }

    /// As [`with_stripes`](Self::with_stripes), hashing with `hasher`.
    pub fn with_stripes_and_hasher(stripes: usize, capacity: usize, hasher: S) -> Self {
        Self { stripes: Stripes::new(stripes, capacity, hasher, lock_api::RwLock::new) }
    }

    /// The number of stripes, a power of two.
    pub fn stripes(&self) -> usize {
        self.stripes.locks.len()
    }

    /// The stripe that holds `key`, below [`stripes`](Self::stripes) (for tests and diagnostics).
    pub fn stripe_of(&self, key: &K) -> usize {
        self.stripes.index(key)
    }
}

impl<K, V, S, R> ConcurrentMap<K, V> for StripedRwMap<K, V, S, R>
where
    K: Hash + Eq + Send + Sync,
    V: Clone + Send + Sync,
    S: BuildHasher + Clone + Default + Send + Sync,
    R: lock_api::RawRwLock + Send + Sync,
{
    fn with_capacity(capacity: usize) -> Self {
        Self::with_stripes(default_stripes(), capacity)
    }

    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        self.stripes.of(key).read().get(key).cloned()
    }

    #[inline]
    fn insert(&self, key: K, value: V) -> bool {
        table::insert(&mut self.stripes.of(&key).write(), key, value)
    }

    #[inline]
    fn remove(&self, key: &K) -> bool {
        self.stripes.of(key).write().remove(key).is_some()
    }

    #[inline]
    fn update(&self, key: &K, f: impl FnMut(&mut V)) -> bool {
        table::update(&mut self.stripes.of(key).write(), key, f)
    }

    #[inline]
    fn upsert(&self, key: K, value: V, f: impl FnMut(&mut V)) -> bool {
        table::upsert(&mut self.stripes.of(&key).write(), key, value, f)
    }

    fn len(&self) -> usize {
        self.stripes.locks.iter().map(|stripe| stripe.read().len()).sum()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::map::tests::semantics;
    use crate::SpinLock;

    type SpinStripedMap = StripedMap<u64, u64, RandomState, SpinLock<HashMap<u64, u64>>>;

    #[test]
    fn semantics_of_every_variant() {
        for stripes in [1, 2, 16] {
            semantics(StripedMap::<u64, u64>::with_stripes(stripes, 0));
            semantics(SpinStripedMap::with_stripes(stripes, 8));
            semantics(StripedRwMap::<u64, u64>::with_stripes(stripes, 100));
        }
        semantics(StripedMap::<u64, u64>::with_capacity(0));
        semantics(StripedRwMap::<u64, u64>::with_capacity(0));
    }

    #[test]
    fn stripe_counts_round_up_to_powers_of_two() {
        let counts =
            [0, 1, 3, 4, 5, 64, MAX_STRIPES + 1].map(|n| SpinStripedMap::with_stripes(n, 0));
        let counts = counts.map(|map| map.stripes());
        assert_eq!(counts, [1, 1, 4, 4, 8, 64, MAX_STRIPES]);
        assert!(default_stripes().is_power_of_two());
    }

    /// Keys spread over every stripe, and each key sits in the stripe selection names.
    #[test]
    fn keys_spread_over_every_stripe() {
        let map = StripedMap::<u64, u64>::with_stripes(16, 0);
        (0..4096).for_each(|key| assert!(map.insert(key, key)));
        let sizes: Vec<usize> = map.stripes.locks.iter().map(|s| s.with(|t| t.len())).collect();
        assert!(sizes.iter().all(|&size| size > 4096 / 16 / 2), "uneven stripes: {sizes:?}");
        for key in 0..4096 {
            assert!(map.stripes.of(&key).with(|table| table.contains_key(&key)));
        }
    }
}
