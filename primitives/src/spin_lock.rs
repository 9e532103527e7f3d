//! Test-and-test-and-set spin lock with exponential backoff (Rudolph and Segall, 1984; backoff
//! after Anderson, 1990; the same lock as chapter 4 of Mara Bos, "Rust Atomics and Locks").
//!
//! A waiter does not hammer the lock word with compare-and-swap, which would pull the cache line
//! over in exclusive state on every attempt; it spins on a plain load, which every waiter can
//! serve from its own shared copy, and tries the swap only once the lock looks free. The lock is
//! unfair: whoever swaps first after the release wins, typically the thread that just released.

use crate::backoff::Backoff;
use crate::chaos;
use crate::sync::{AtomicBool, Ordering};

/// The raw lock: one flag. Use it through [`SpinLock`], or directly for a hand-written guard.
pub struct RawSpinLock {
    /// | value | meaning |
    /// |---|---|
    /// | `false` | unlocked |
    /// | `true` | locked; only the holder stores `false` |
    locked: AtomicBool,
}

/// A mutex whose raw lock is a [`RawSpinLock`]: `SpinLock::new(value).lock()` gives a guard.
/// (Under loom the alias exists but cannot be used: loom's atomics have no `const` constructor for
/// `lock_api::RawMutex::INIT`; model-check [`RawSpinLock`] directly.)
pub type SpinLock<T> = lock_api::Mutex<RawSpinLock, T>;

impl RawSpinLock {
    /// An unlocked lock.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self { locked: AtomicBool::new(false) }
    }

    /// An unlocked lock (not `const` under loom, whose atomics cannot be built in constants).
    #[cfg(loom)]
    pub fn new() -> Self {
        Self { locked: AtomicBool::new(false) }
    }

    /// Takes the lock, spinning (then yielding) until it is free.
    #[inline]
    pub fn lock(&self) {
        chaos::point();
        // Acquire on success: pairs with the Release in `unlock`, so the previous holder's
        // writes to the protected data are visible to us.
        if self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut backoff = Backoff::new();
        loop {
            // Test: wait on a shared copy of the line until the lock looks free...
            while self.locked.load(Ordering::Relaxed) {
                backoff.snooze();
            }
            // ...then test-and-set. Losing the race (or a spurious failure) goes back to waiting.
            chaos::point();
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Takes the lock if it is free right now. Never fails spuriously.
    #[inline]
    pub fn try_lock(&self) -> bool {
        chaos::point();
        self.locked.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// Releases the lock.
    ///
    /// # Safety
    ///
    /// The calling context must hold the lock (from a successful [`lock`](Self::lock) or
    /// [`try_lock`](Self::try_lock) not yet released).
    #[inline]
    pub unsafe fn unlock(&self) {
        chaos::point();
        // Release: publishes the critical section's writes to the next Acquire in `lock`.
        self.locked.store(false, Ordering::Release);
    }

    /// Whether some thread holds the lock; a snapshot that may be stale at once.
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::Relaxed)
    }
}

impl Default for RawSpinLock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(not(loom))]
// SAFETY: `lock`/`try_lock` succeed only by swapping `false` for `true`, which one thread at a time
// can do, with Acquire; `unlock` stores `false` with Release. The guard is a stateless token, and
// any thread may release (the flag is not tied to a thread), so it is `GuardSend`.
unsafe impl lock_api::RawMutex for RawSpinLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();

    type Guard = lock_api::GuardSend;

    #[inline]
    fn lock(&self) -> Self::Guard {
        RawSpinLock::lock(self);
        lock_api::GuardSend::new()
    }

    #[inline]
    fn try_lock(&self) -> Option<Self::Guard> {
        RawSpinLock::try_lock(self).then(lock_api::GuardSend::new)
    }

    #[inline]
    unsafe fn unlock(&self, _guard: Self::Guard) {
        // SAFETY: the guard state proves this context holds the lock (the trait's contract).
        unsafe { RawSpinLock::unlock(self) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        RawSpinLock::is_locked(self)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn lock_unlock_and_try_lock() {
        let lock = RawSpinLock::new();
        assert!(!lock.is_locked());
        lock.lock();
        assert!(lock.is_locked());
        assert!(!lock.try_lock(), "try_lock must fail while held");
        // SAFETY: locked just above.
        unsafe { lock.unlock() };
        assert!(lock.try_lock(), "try_lock must succeed once released");
        // SAFETY: the try_lock above succeeded.
        unsafe { lock.unlock() };
        assert!(!lock.is_locked());
    }

    #[test]
    fn guard_api_and_try_lock_from_another_thread() {
        let mutex = SpinLock::new(1);
        let guard = mutex.lock();
        std::thread::scope(|s| assert!(s.spawn(|| mutex.try_lock().is_none()).join().unwrap()));
        drop(guard);
        std::thread::scope(|s| assert!(s.spawn(|| mutex.try_lock().is_some()).join().unwrap()));
        *mutex.lock() += 1;
        assert_eq!(mutex.into_inner(), 2);
    }

    #[test]
    fn mutual_exclusion() {
        let mutex = SpinLock::new(0u64);
        let inside = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        let mut value = mutex.lock();
                        assert_eq!(
                            inside.fetch_add(1, Ordering::Relaxed),
                            0,
                            "two holders at once"
                        );
                        *value += 1;
                        inside.fetch_sub(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(mutex.into_inner(), 40_000);
    }
}
