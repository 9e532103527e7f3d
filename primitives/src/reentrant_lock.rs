//! A reentrant lock built by hand from an owner thread id and a depth over any raw lock — the
//! scheme of Java's `ReentrantLock` and of `lock_api::RawReentrantMutex`, rewritten here so its
//! cost can be compared with parking_lot's.
//!
//! The thread that holds the lock may take it again; the raw lock is taken only at depth 0 → 1
//! and released only at 1 → 0. Because nested levels see the value at the same time, the lock
//! hands out `&T` only; use a `Cell` or `RefCell` inside for mutation. The guard must be dropped
//! on the thread that took it:
//!
//! ```compile_fail
//! let lock = primitives::ReentrantLock::<u32>::new(0);
//! let guard = lock.lock();
//! std::thread::scope(|s| { s.spawn(move || drop(guard)); }); // error: the guard is not `Send`
//! ```

use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;

use lock_api::RawMutex;

use crate::lock::Reentrant;
use crate::sync::{AtomicUsize, Ordering};

/// The default raw lock, [`RawSpinLock`](crate::RawSpinLock). Under loom that type cannot
/// implement `lock_api::RawMutex` (its `INIT` needs `const` atomics), so a placeholder keeps the
/// default well-formed there; loom models name their raw lock explicitly.
#[cfg(not(loom))]
type DefaultRaw = crate::spin_lock::RawSpinLock;
#[cfg(loom)]
type DefaultRaw = parking_lot::RawMutex;

/// A lock that its holder may take again, over the raw lock `R`.
///
/// State: `owner == 0` and `depth == 0` when free; otherwise `owner` is the holder's thread id
/// and `depth >= 1` the number of its live guards.
pub struct ReentrantLock<T, R: RawMutex = DefaultRaw> {
    raw: R,
    /// Thread id of the holder, 0 for none. Written only while holding `raw` (set after taking
    /// it, cleared before releasing it), so a thread reads its own id here exactly when it holds
    /// the lock: any other value it sees is stale or another thread's, never its own. That is
    /// why Relaxed accesses are enough.
    owner: AtomicUsize,
    /// Nesting depth. Read and written only by the holder, so a `Cell` suffices; the raw lock's
    /// Acquire/Release orders it between successive holders.
    depth: Cell<usize>,
    /// The raw lock's guard state for the outermost acquisition: `Some` exactly when `depth > 0`.
    /// Holder only, like `depth`. `ManuallyDrop`, so dropping a lock whose guard was forgotten
    /// leaks the state instead of running its destructor on another thread.
    raw_guard: Cell<Option<ManuallyDrop<R::Guard>>>,
    value: T,
}

// SAFETY: moving the lock needs ownership, so no guard borrows it; a guard state still stored was
// forgotten, is never used by another thread (only the thread whose id is in `owner` reads it),
// and is leaked rather than dropped. The value itself moves, hence `T: Send`.
unsafe impl<T: Send, R: RawMutex + Send> Send for ReentrantLock<T, R> {}

// SAFETY: `owner` is atomic; `depth` and `raw_guard` are touched only by the holder of `raw`, which
// excludes other threads and orders successive holders. `&T` goes only to the holder's guards,
// which cannot leave its thread, so threads use the value one at a time: `T: Send` suffices, as
// for a mutex.
unsafe impl<T: Send, R: RawMutex + Sync> Sync for ReentrantLock<T, R> {}

/// Proof of holding a [`ReentrantLock`] at some depth; dropping it leaves that level.
pub struct ReentrantLockGuard<'a, T, R: RawMutex = DefaultRaw> {
    lock: &'a ReentrantLock<T, R>,
    /// Not `Send`: release touches the holder-only fields, so it must run on the holder's thread.
    _not_send: PhantomData<*const ()>,
}

impl<T, R: RawMutex> ReentrantLock<T, R> {
    /// Wraps `value` in a new, unlocked lock.
    pub fn new(value: T) -> Self {
        Self {
            raw: R::INIT,
            owner: AtomicUsize::new(0),
            depth: Cell::new(0),
            raw_guard: Cell::new(None),
            value,
        }
    }

    /// Takes the lock, blocking while another thread holds it; nests if this thread holds it.
    #[inline]
    pub fn lock(&self) -> ReentrantLockGuard<'_, T, R> {
        let me = current_thread_id();
        if !self.enter_again(me) {
            self.enter_first(me, self.raw.lock());
        }
        ReentrantLockGuard { lock: self, _not_send: PhantomData }
    }

    /// Takes the lock if this thread holds it or nobody does; `None` if another thread holds it.
    #[inline]
    pub fn try_lock(&self) -> Option<ReentrantLockGuard<'_, T, R>> {
        let me = current_thread_id();
        if !self.enter_again(me) {
            self.enter_first(me, self.raw.try_lock()?);
        }
        Some(ReentrantLockGuard { lock: self, _not_send: PhantomData })
    }

    /// Nests one level deeper if thread `me` already holds the lock.
    #[inline]
    fn enter_again(&self, me: usize) -> bool {
        let held_by_me = self.owner.load(Ordering::Relaxed) == me;
        if held_by_me {
            self.depth.set(self.depth.get().checked_add(1).expect("ReentrantLock depth overflow"));
        }
        held_by_me
    }

    /// Records thread `me` as holder at depth 1, having just taken the raw lock.
    #[inline]
    fn enter_first(&self, me: usize, raw_guard: R::Guard) {
        debug_assert_eq!(self.depth.get(), 0);
        self.raw_guard.set(Some(ManuallyDrop::new(raw_guard)));
        self.depth.set(1);
        self.owner.store(me, Ordering::Relaxed);
    }
}

impl<T, R: RawMutex> Deref for ReentrantLockGuard<'_, T, R> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.lock.value
    }
}

impl<T, R: RawMutex> Drop for ReentrantLockGuard<'_, T, R> {
    #[inline]
    fn drop(&mut self) {
        let lock = self.lock;
        // This guard lives on the holder's thread, so the holder-only fields are ours.
        let depth = lock.depth.get() - 1;
        lock.depth.set(depth);
        if depth == 0 {
            // Relaxed: the Release in the raw unlock below orders this before the next holder.
            lock.owner.store(0, Ordering::Relaxed);
            let raw_guard =
                lock.raw_guard.take().expect("a held ReentrantLock stores its raw guard");
            // SAFETY: this is the outermost guard, so `raw_guard` is the state of our acquisition
            // of `raw`, which we still hold.
            unsafe { lock.raw.unlock(ManuallyDrop::into_inner(raw_guard)) };
        }
    }
}

impl<T: Send, R: RawMutex + Send + Sync> Reentrant<T> for ReentrantLock<T, R> {
    fn new(value: T) -> Self {
        ReentrantLock::new(value)
    }

    #[inline]
    fn with<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        f(&self.lock())
    }
}

/// A nonzero number unique to this thread for the life of the process (a counter, not the
/// address of a thread-local, so a later thread never inherits a dead owner's id). The counter
/// is a std atomic even under loom: it only hands out distinct ids and is not part of the model.
#[inline]
fn current_thread_id() -> usize {
    #[cfg(any(loom, shuttle))]
    use crate::sync::thread_local;

    static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    thread_local! {
        static ID: usize = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    ID.with(|id| *id)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::thread;
    use std::time::Duration;

    #[test]
    fn nests_and_releases() {
        let lock = ReentrantLock::<Cell<u32>>::new(Cell::new(0));
        {
            let outer = lock.lock();
            let inner = lock.try_lock().expect("the holder may take it again");
            inner.set(inner.get() + 1);
            assert_eq!(outer.get(), 1);
        }
        assert_eq!(lock.depth.get(), 0);
        assert_eq!(lock.owner.load(Ordering::Relaxed), 0);
        assert!(!lock.raw.is_locked());
    }

    /// Held to depth 5, the lock keeps another thread out until the last guard is gone.
    #[test]
    fn keeps_others_out_until_depth_returns_to_zero() {
        let lock = ReentrantLock::<Cell<u32>, parking_lot::RawMutex>::new(Cell::new(0));
        let entered = AtomicBool::new(false);
        let other_try_lock_fails =
            || thread::scope(|s| s.spawn(|| lock.try_lock().is_none()).join().unwrap());
        thread::scope(|s| {
            let mut guards: Vec<_> = (0..5).map(|_| lock.lock()).collect();
            assert_eq!(lock.depth.get(), 5);
            assert!(other_try_lock_fails());
            let waiter = s.spawn(|| {
                let value = lock.lock();
                value.set(value.get() + 1);
                entered.store(true, Ordering::SeqCst);
            });
            while let Some(guard) = guards.pop() {
                // Give the waiter time to get in if the lock were broken (no assertion on time).
                thread::sleep(Duration::from_millis(2));
                assert!(!entered.load(Ordering::SeqCst), "entered at depth {}", guards.len() + 1);
                assert!(other_try_lock_fails());
                drop(guard);
            }
            waiter.join().unwrap();
        });
        assert!(entered.load(Ordering::SeqCst));
        assert_eq!(lock.lock().get(), 1);
    }

    #[test]
    fn mutual_exclusion_with_nesting() {
        let lock = ReentrantLock::<Cell<u64>>::new(Cell::new(0));
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..5_000 {
                        let outer = lock.lock();
                        let inner = lock.lock();
                        inner.set(outer.get() + 1);
                    }
                });
            }
        });
        assert_eq!(lock.lock().get(), 20_000);
    }
}
