//! A user's spin locks (and a reader–writer lock, in `rwlock.rs`), written only against syncbench's public API: the atomics come from
//! `primitives::sync`, so the same code runs on real threads, under loom and under shuttle.
//! `tests/model.rs` model-checks them with one line each.

mod rwlock;

pub use rwlock::{MyRwLock, ReadersPassRwLock, WriterFirstRwLock};

use primitives::sync::{spin_loop, AtomicBool, Ordering};

/// A correct test-and-set spin lock: Acquire on the swap that takes it, Release on the store
/// that frees it, so each holder sees the previous holder's writes.
pub struct MySpinLock(AtomicBool);

/// The same lock with a `Relaxed` unlock: exclusive, but a holder's writes need not be visible
/// to the next holder. No stress run on x86 shows it; loom does.
pub struct RelaxedUnlockLock(AtomicBool);

/// Checks the flag, then sets it in a separate step: two threads can both take it. Shuttle shows
/// it (loom too).
pub struct LoadThenStoreLock(AtomicBool);

macro_rules! spin_lock {
    ($lock:ident, $unlock_ordering:expr, |$flag:ident| $try_lock:expr) => {
        impl $lock {
            pub fn new() -> Self {
                Self(AtomicBool::new(false))
            }

            pub fn lock(&self) {
                while !self.try_lock() {
                    spin_loop();
                }
            }

            pub fn try_lock(&self) -> bool {
                let $flag = &self.0;
                $try_lock
            }

            /// # Safety
            ///
            /// The caller holds the lock.
            pub unsafe fn unlock(&self) {
                self.0.store(false, $unlock_ordering);
            }
        }

        impl Default for $lock {
            fn default() -> Self {
                Self::new()
            }
        }

        primitives::model_mutex!($lock);
    };
}

spin_lock!(MySpinLock, Ordering::Release, |flag| flag
    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
    .is_ok());
spin_lock!(RelaxedUnlockLock, Ordering::Relaxed, |flag| flag
    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
    .is_ok());
spin_lock!(LoadThenStoreLock, Ordering::Release, |flag| !flag.load(Ordering::Acquire) && {
    flag.store(true, Ordering::Release);
    true
});
