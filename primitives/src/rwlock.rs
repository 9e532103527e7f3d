//! The trait that every reader–writer lock plugs into, hand-rolled or library.
//!
//! Like [`Lock`](crate::lock::Lock), it is closure-style, so that `std::sync::RwLock` (which has
//! no raw unlock) joins the comparison on equal terms. Hand-rolled raw locks implement
//! [`lock_api::RawRwLock`], which gives them an idiomatic guard-based `lock_api::RwLock` for free,
//! and the blanket impl below makes every such lock (parking_lot's `RwLock` included) an
//! [`RwLock`].
//!
//! The read-mostly [`SeqLock`](crate::seqlock::SeqLock) implements the trait too, for values of
//! `u64` words: its `read` runs the closure on a consistent copy rather than inside the lock, so a
//! read writes nothing shared. That is why the contract of `read` below promises a consistent
//! value, not that writers wait for the closure.

/// A reader–writer lock around a value of type `T`: many readers at once, or one writer.
///
/// ```
/// use primitives::rwlock::RwLock;
/// use primitives::rwlock_writer_pref::WriterPrefRwLock;
///
/// fn bump<L: RwLock<u64>>(lock: &L) -> u64 {
///     lock.write(|value| *value += 1);
///     lock.read(|value| *value)
/// }
/// assert_eq!(bump(&WriterPrefRwLock::new(41)), 42);
/// assert_eq!(bump(&std::sync::RwLock::new(41)), 42);
/// ```
pub trait RwLock<T>: Send + Sync {
    /// Wraps `value` in a new, unlocked lock.
    fn new(value: T) -> Self
    where
        Self: Sized;

    /// Runs `f` on the value as left by some complete `write` (never a half-written one) and
    /// returns its result. Other readers may run at the same time. Locks run `f` while holding
    /// the lock shared, so writers wait for it; a seqlock runs `f` on a copy it read without
    /// blocking writers.
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R;

    /// Runs `f` with exclusive access to the value (no other writer, and no reader sees the value
    /// until `f` is done) and returns its result.
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R;
}

impl<R, T> RwLock<T> for lock_api::RwLock<R, T>
where
    R: lock_api::RawRwLock + Send + Sync,
    T: Send + Sync,
{
    fn new(value: T) -> Self {
        lock_api::RwLock::new(value)
    }

    #[inline]
    fn read<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        f(&self.read())
    }

    #[inline]
    fn write<U>(&self, f: impl FnOnce(&mut T) -> U) -> U {
        f(&mut self.write())
    }
}

/// Implements `lock_api::RawRwLock` for a hand-rolled raw RW lock by forwarding to its inherent
/// methods of the same names (`new`, `lock_shared`, `try_lock_shared -> bool`, `unsafe
/// unlock_shared`, the three exclusive twins, `is_locked`, `is_locked_exclusive`), with stateless
/// `GuardSend` guards (the lock word is not tied to a thread). Not under loom, whose atomics are
/// not `const` (`INIT`). The invocation reads `unsafe impl for T` and carries the `// SAFETY:`
/// argument of why `T` lets one writer or only readers in.
macro_rules! forward_raw_rwlock {
    (unsafe impl for $lock:ident) => {
        #[cfg(not(loom))]
        // SAFETY: the invocation's comment argues the exclusion; every method forwards to the
        // inherent method that keeps it, and the unlocks are reached only with a guard of the
        // matching kind (the trait's contract).
        unsafe impl lock_api::RawRwLock for $lock {
            #[allow(clippy::declare_interior_mutable_const)]
            const INIT: Self = Self::new();

            type SharedGuard = lock_api::GuardSend;
            type ExclusiveGuard = lock_api::GuardSend;

            #[inline]
            fn lock_shared(&self) -> Self::SharedGuard {
                $lock::lock_shared(self);
                lock_api::GuardSend::new()
            }

            #[inline]
            fn try_lock_shared(&self) -> Option<Self::SharedGuard> {
                $lock::try_lock_shared(self).then(lock_api::GuardSend::new)
            }

            #[inline]
            unsafe fn unlock_shared(&self, _guard: Self::SharedGuard) {
                // SAFETY: the guard state proves a shared hold (the trait's contract).
                unsafe { $lock::unlock_shared(self) }
            }

            #[inline]
            fn lock_exclusive(&self) -> Self::ExclusiveGuard {
                $lock::lock_exclusive(self);
                lock_api::GuardSend::new()
            }

            #[inline]
            fn try_lock_exclusive(&self) -> Option<Self::ExclusiveGuard> {
                $lock::try_lock_exclusive(self).then(lock_api::GuardSend::new)
            }

            #[inline]
            unsafe fn unlock_exclusive(&self, _guard: Self::ExclusiveGuard) {
                // SAFETY: the guard state proves an exclusive hold (the trait's contract).
                unsafe { $lock::unlock_exclusive(self) }
            }

            #[inline]
            fn is_locked(&self) -> bool {
                $lock::is_locked(self)
            }

            #[inline]
            fn is_locked_exclusive(&self) -> bool {
                $lock::is_locked_exclusive(self)
            }
        }
    };
}
pub(crate) use forward_raw_rwlock;
