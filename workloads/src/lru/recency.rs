//! The check of the exact-LRU claim: a probe against a model, run single-threaded after the
//! measured phase.
//!
//! The probe puts `capacity` fresh keys (keys the workers never use), which leaves an exact LRU
//! cache holding only them, oldest first; it then gets the oldest, which makes it the most
//! recent, and puts one more fresh key: the entry evicted must be the second oldest, and every
//! other fresh key must still be there. A cache that evicts in insertion order, or by shard, or
//! whose recency list the measured phase corrupted, evicts another entry or loses one.

use primitives::Cache;

/// Caches larger than this are not probed: the probe costs two operations per entry.
pub const MAX_PROBED_CAPACITY: usize = 1 << 16;

/// The fresh key number `i`: far above any key the workers use (those fit in 32 bits).
fn fresh_key(i: usize) -> u64 {
    u64::MAX - i as u64
}

/// `Ok` with what was checked, `Err` with what broke.
pub fn check_exact_lru<C: Cache<u64, u64>>(cache: &C) -> Result<String, String> {
    let capacity = cache.capacity();
    if capacity > MAX_PROBED_CAPACITY {
        return Ok(format!("recency probe skipped (capacity above {MAX_PROBED_CAPACITY})"));
    }
    for i in 0..capacity {
        cache.put(fresh_key(i), fresh_key(i));
    }
    let claim = "claims exact LRU, but";
    if cache.get(&fresh_key(0)) != Some(fresh_key(0)) {
        return Err(format!("{claim} the oldest of {capacity} keys just put is gone"));
    }
    // With one entry, the key just got is also the only one to evict.
    let expected = if capacity == 1 { 0 } else { 1 };
    match cache.put(fresh_key(capacity), fresh_key(capacity)) {
        Some((key, _)) if key == fresh_key(expected) => {}
        Some((key, _)) => {
            let which = match (0..capacity).find(|&i| fresh_key(i) == key) {
                Some(i) => format!("key {i} of the {capacity} just put"),
                None => "an entry older than the probe".to_owned(),
            };
            return Err(format!(
                "{claim} it evicted {which} instead of the least recently used (key {expected})"
            ));
        }
        None => return Err(format!("{claim} a put into a full cache evicted nothing")),
    }
    let missing = (0..=capacity)
        .filter(|&i| i != expected && cache.get(&fresh_key(i)) != Some(fresh_key(i)))
        .count();
    if missing > 0 {
        return Err(format!("{claim} {missing} of the {capacity} most recent keys are gone"));
    }
    Ok(format!("recency probe of {capacity} keys matches an LRU model"))
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use primitives::LruCache;

    use super::*;

    #[test]
    fn an_exact_lru_cache_passes_at_every_small_capacity() {
        for capacity in [1, 2, 3, 64] {
            let cache = LruCache::<u64, u64>::with_capacity(capacity);
            for key in 0..100 {
                cache.put(key, key);
            }
            assert!(check_exact_lru(&cache).is_ok(), "capacity {capacity}");
        }
    }

    /// A cache that evicts in insertion order: a get does not refresh an entry.
    struct FifoCache(Mutex<VecDeque<(u64, u64)>>, usize);

    impl Cache<u64, u64> for FifoCache {
        fn with_capacity(capacity: usize) -> Self {
            Self(Mutex::new(VecDeque::new()), capacity)
        }
        fn get(&self, key: &u64) -> Option<u64> {
            self.0.lock().unwrap().iter().find(|(k, _)| k == key).map(|&(_, v)| v)
        }
        fn put(&self, key: u64, value: u64) -> Option<(u64, u64)> {
            let mut entries = self.0.lock().unwrap();
            if let Some(entry) = entries.iter_mut().find(|(k, _)| *k == key) {
                entry.1 = value;
                return None;
            }
            entries.push_back((key, value));
            (entries.len() > self.1).then(|| entries.pop_front().unwrap())
        }
        fn len(&self) -> usize {
            self.0.lock().unwrap().len()
        }
        fn capacity(&self) -> usize {
            self.1
        }
    }

    #[test]
    fn a_cache_that_evicts_in_insertion_order_fails() {
        let broken = check_exact_lru(&FifoCache::with_capacity(8)).unwrap_err();
        assert_eq!(
            broken,
            "claims exact LRU, but it evicted key 0 of the 8 just put instead of the least \
             recently used (key 1)"
        );
    }
}
