//! Models of a reader–writer lock: writers exclude everyone, readers exclude writers, and a write
//! is published to the readers and writers after it.

use super::cell::ModelCell;
use super::check::{check, check_bounded};
use super::occupancy::Occupancy;
use crate::rwlock_reader_pref::RawReaderPrefRwLock;
use crate::rwlock_sharded::{RawShardedRwLock, ReaderSlot};
use crate::rwlock_writer_pref::RawWriterPrefRwLock;
use crate::sync::{thread, Arc};

/// A raw reader–writer lock as the models drive it: implement it by forwarding.
pub trait ModelRwLock: Send + Sync + 'static {
    /// What a shared hold carries to its unlock (`()` for most locks).
    type Shared;
    /// An unlocked lock.
    fn new() -> Self;
    /// Takes the lock shared, waiting as long as it takes.
    fn lock_shared(&self) -> Self::Shared;
    /// Releases a shared hold.
    ///
    /// # Safety
    ///
    /// The caller holds the lock shared, as `hold` proves.
    unsafe fn unlock_shared(&self, hold: Self::Shared);
    /// Takes the lock exclusive, waiting as long as it takes.
    fn lock_exclusive(&self);
    /// Releases the exclusive hold.
    ///
    /// # Safety
    ///
    /// The caller holds the lock exclusive.
    unsafe fn unlock_exclusive(&self);
}

/// The models of [`rwlock_writer_and_reader`] and [`rwlock_two_writers`].
pub fn rwlock<L: ModelRwLock>() {
    rwlock_writer_and_reader::<L>();
    rwlock_two_writers::<L>();
}

/// The data a model's lock guards, and who is inside.
struct Guarded<L> {
    lock: L,
    value: ModelCell,
    inside: Occupancy,
}

impl<L: ModelRwLock> Guarded<L> {
    fn new() -> Arc<Self> {
        Arc::new(Self { lock: L::new(), value: ModelCell::new(0), inside: Occupancy::new() })
    }

    fn add_one(&self) {
        self.lock.lock_exclusive();
        self.inside.exclusive(|| self.value.add_one());
        // SAFETY: locked just above.
        unsafe { self.lock.unlock_exclusive() };
    }

    fn read(&self) -> usize {
        let hold = self.lock.lock_shared();
        let value = self.inside.shared(|| self.value.read());
        // SAFETY: locked just above.
        unsafe { self.lock.unlock_shared(hold) };
        value
    }
}

/// A writer adds 1 twice while a reader reads: the reader sees 0, 1 or 2, then sees 2.
pub fn rwlock_writer_and_reader<L: ModelRwLock>() {
    check(|| {
        let shared = Guarded::<L>::new();
        let writer = thread::spawn({
            let shared = shared.clone();
            move || (shared.add_one(), shared.add_one())
        });
        let seen = shared.read();
        writer.join().unwrap();
        assert!(seen <= 2, "read {seen}, never written");
        assert_eq!(shared.read(), 2, "a write lost");
    });
}

/// Two writers add 1 each: neither update is lost, and no access overlaps.
pub fn rwlock_two_writers<L: ModelRwLock>() {
    check(|| {
        let shared = Guarded::<L>::new();
        let other = thread::spawn({
            let shared = shared.clone();
            move || shared.add_one()
        });
        shared.add_one();
        other.join().unwrap();
        assert_eq!(shared.read(), 2, "a write lost");
    });
}

/// A writer and two readers: no reader sees a half-done write, the write lands. Within one
/// preemption (three threads; loom issue 53).
pub fn rwlock_writer_and_two_readers<L: ModelRwLock>() {
    check_bounded(1, || {
        let shared = Guarded::<L>::new();
        let writer = thread::spawn({
            let shared = shared.clone();
            move || shared.add_one()
        });
        let reader = thread::spawn({
            let shared = shared.clone();
            move || assert!(shared.read() <= 1)
        });
        assert!(shared.read() <= 1);
        writer.join().unwrap();
        reader.join().unwrap();
        assert_eq!(shared.read(), 1, "the write lost");
    });
}

/// Implements [`ModelRwLock`] (with `Shared = ()`) for types whose inherent `new`,
/// `lock_shared`, `unsafe unlock_shared`, `lock_exclusive` and `unsafe unlock_exclusive` have
/// those signatures: `primitives::model_rwlock!(MyRawRwLock);`.
#[macro_export]
macro_rules! model_rwlock {
    ($($lock:ty),* $(,)?) => {$(
        impl $crate::model::ModelRwLock for $lock {
            type Shared = ();
            fn new() -> Self { <$lock>::new() }
            fn lock_shared(&self) { <$lock>::lock_shared(self) }
            unsafe fn unlock_shared(&self, _hold: ()) {
                // SAFETY: forwarded from this method's contract.
                unsafe { <$lock>::unlock_shared(self) }
            }
            fn lock_exclusive(&self) { <$lock>::lock_exclusive(self) }
            unsafe fn unlock_exclusive(&self) {
                // SAFETY: forwarded from this method's contract.
                unsafe { <$lock>::unlock_exclusive(self) }
            }
        }
    )*};
}
crate::model_rwlock!(RawReaderPrefRwLock, RawWriterPrefRwLock);

impl ModelRwLock for RawShardedRwLock {
    type Shared = ReaderSlot;
    fn new() -> Self {
        RawShardedRwLock::new()
    }
    fn lock_shared(&self) -> ReaderSlot {
        RawShardedRwLock::lock_shared(self)
    }
    unsafe fn unlock_shared(&self, hold: ReaderSlot) {
        // SAFETY: forwarded from this method's contract.
        unsafe { RawShardedRwLock::unlock_shared(self, hold) }
    }
    fn lock_exclusive(&self) {
        RawShardedRwLock::lock_exclusive(self)
    }
    unsafe fn unlock_exclusive(&self) {
        // SAFETY: forwarded from this method's contract.
        unsafe { RawShardedRwLock::unlock_exclusive(self) }
    }
}
