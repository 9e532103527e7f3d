//! Lazy one-time initialisation by double-checked locking (Schmidt and Harrison, "Double-Checked
//! Locking", 1996), with the memory orderings that make it correct (its famous flaw in Java and
//! C++ before their memory models was exactly a missing acquire/release pair).
//!
//! Once the value exists, a `get` is one Acquire load of a flag that is never written again: it
//! costs what a plain load costs and scales with readers. Before that, racing threads serialise
//! on a mutex and the first one in runs the initialiser; the rest find the flag set under the lock
//! and return. A panicking initialiser leaves the cell empty (the mutex's poison is ignored), so
//! the next `get` runs the initialiser again, as std's `OnceLock::get_or_init` does (std's
//! `LazyLock` instead poisons itself, and every later access panics).
//!
//! An initialiser that calls `get` on its own cell deadlocks, as with std's cells.

use std::mem::MaybeUninit;

use crate::cache::LazyInit;
use crate::chaos;
use crate::sync::{AtomicBool, Mutex, Ordering, UnsafeCell};

/// A value computed by `init` on first use; see the [module documentation](self).
pub struct DoubleCheckedLazy<T> {
    /// | value | meaning |
    /// |---|---|
    /// | `false` | `value` is uninitialised; only a holder of `init_lock` may write it |
    /// | `true` | `value` is initialised and never written again; anyone may read it |
    ///
    /// Becomes `true` once, with Release, right after the write; never goes back.
    ready: AtomicBool,
    /// Serialises initialisers.
    init_lock: Mutex<()>,
    /// Initialised exactly when `ready` is `true`.
    value: UnsafeCell<MaybeUninit<T>>,
    init: fn() -> T,
}

// SAFETY: `value` is written once, by one thread holding `init_lock` while `ready` is false, and
// read only after an Acquire load of `ready` saw the Release store that followed the write (or
// under `init_lock`, which orders the reader after the writer). So shared access is free of data
// races; `T: Sync` because threads share `&T`, and `T: Send` because whichever thread
// initialises creates the `T` that the cell's owner later drops.
unsafe impl<T: Send + Sync> Sync for DoubleCheckedLazy<T> {}

impl<T> DoubleCheckedLazy<T> {
    /// A cell that runs `init` on first use; usable in a `static`.
    #[cfg(not(loom))]
    pub const fn new(init: fn() -> T) -> Self {
        Self {
            ready: AtomicBool::new(false),
            init_lock: Mutex::new(()),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init,
        }
    }

    /// A cell that runs `init` on first use (not `const` under loom, whose atomics cannot be
    /// built in constants).
    #[cfg(loom)]
    pub fn new(init: fn() -> T) -> Self {
        Self {
            ready: AtomicBool::new(false),
            init_lock: Mutex::new(()),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init,
        }
    }

    /// The value, running the initialiser first if no thread has yet.
    #[inline]
    pub fn get(&self) -> &T {
        chaos::point();
        // First check, without the lock. Acquire pairs with the Release in `initialise`: seeing
        // `true` makes the initialiser's write of `value` visible to us.
        if !self.ready.load(Ordering::Acquire) {
            self.initialise();
        }
        // SAFETY: `ready` is true (seen above, or set by `initialise` before it returned, with
        // the ordering argued there), so `value` is initialised and no thread writes it again.
        self.value.with(|value| unsafe { (*value).assume_init_ref() })
    }

    #[cold]
    fn initialise(&self) {
        let _lock = self.init_lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Second check, under the lock. Relaxed is enough: a thread that stored `true` did so
        // before releasing the lock we now hold, so the lock orders its write before our read.
        if self.ready.load(Ordering::Relaxed) {
            return;
        }
        // A panic here unwinds with `ready` still false: the next caller retries.
        let value = (self.init)();
        // SAFETY: we hold `init_lock` and `ready` is false, so no other thread reads or writes
        // `value`; it is uninitialised (a failed initialiser never wrote it), so nothing leaks.
        self.value.with_mut(|slot| unsafe { (*slot).write(value) });
        // Release: publishes the write above to every Acquire load in `get` that sees `true`.
        self.ready.store(true, Ordering::Release);
    }
}

impl<T> Drop for DoubleCheckedLazy<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can touch the cell, so any ordering is enough.
        if self.ready.load(Ordering::Relaxed) {
            // SAFETY: `ready` means initialised, and the value is dropped once, here.
            self.value.with_mut(|value| unsafe { (*value).assume_init_drop() });
        }
    }
}

impl<T: Send + Sync> LazyInit<T> for DoubleCheckedLazy<T> {
    fn new(init: fn() -> T) -> Self {
        DoubleCheckedLazy::new(init)
    }

    #[inline]
    fn get(&self) -> &T {
        DoubleCheckedLazy::get(self)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static STATIC_LAZY: DoubleCheckedLazy<Vec<u8>> = DoubleCheckedLazy::new(|| vec![1, 2, 3]);

    #[test]
    fn works_in_a_static_and_returns_one_place() {
        assert_eq!(STATIC_LAZY.get(), &[1, 2, 3]);
        assert!(std::ptr::eq(STATIC_LAZY.get(), STATIC_LAZY.get()));
    }

    #[test]
    fn a_panicking_initialiser_is_retried() {
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let lazy = DoubleCheckedLazy::new(|| match CALLS.fetch_add(1, Ordering::Relaxed) {
            0 => panic!("first initialisation fails"),
            n => n,
        });
        let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| *lazy.get()));
        assert!(first.is_err());
        assert_eq!((*lazy.get(), *lazy.get()), (1, 1));
        assert_eq!(CALLS.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn drops_the_value_only_if_initialised() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct CountsDrops;
        impl Drop for CountsDrops {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        drop(DoubleCheckedLazy::new(|| CountsDrops));
        assert_eq!(DROPS.load(Ordering::Relaxed), 0);
        let lazy = DoubleCheckedLazy::new(|| CountsDrops);
        lazy.get();
        drop(lazy);
        assert_eq!(DROPS.load(Ordering::Relaxed), 1);
    }
}
