//! Library reader–writer locks behind [`RwLock`]. parking_lot's `RwLock` is a `lock_api` lock and
//! is covered by the blanket impl in [`crate::rwlock`]; std's `RwLock` and crossbeam's
//! `ShardedLock` (one RW lock per shard: a reader locks only its own shard's, a writer all of
//! them, so readers on different cores write different lines) have no raw lock and need these.

use crate::rwlock::RwLock;

impl<T: Send + Sync> RwLock<T> for std::sync::RwLock<T> {
    fn new(value: T) -> Self {
        std::sync::RwLock::new(value)
    }

    // A panic inside a benchmark closure is a bug in the workload, not a state to recover:
    // poisoning is ignored so that the next measurement still sees the value.
    #[inline]
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    #[inline]
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.write().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl<T: Send + Sync> RwLock<T> for crossbeam::sync::ShardedLock<T> {
    fn new(value: T) -> Self {
        crossbeam::sync::ShardedLock::new(value)
    }

    // Poisoning ignored, as for std.
    #[inline]
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    #[inline]
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.write().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<L: RwLock<Vec<u32>>>() {
        let lock = L::new(vec![1]);
        lock.write(|v| v.push(2));
        assert_eq!(lock.read(|v| v.clone()), [1, 2]);
    }

    #[test]
    fn std_parking_lot_and_crossbeam() {
        round_trip::<std::sync::RwLock<Vec<u32>>>();
        round_trip::<crossbeam::sync::ShardedLock<Vec<u32>>>();
        round_trip::<parking_lot::RwLock<Vec<u32>>>();
    }
}
