//! The model-checker shim: primitives import their atomics, locks, condition variables, threads
//! and spin hints from here, so the very same code runs on real threads, under `--cfg loom` inside
//! loom's model checker (every interleaving, weak memory), and under `--cfg shuttle` inside
//! shuttle's randomised scheduler (many threads, sequentially consistent memory).
//!
//! It is public so that a user's own primitive can be built on it and model-checked by the same
//! ready models as the hand-rolled ones ([`crate::model`]): write `use primitives::sync::{AtomicBool,
//! Ordering}` where you would write `std::sync::atomic`, and `primitives::sync::spin_loop()` in spin
//! loops (under a checker it is a scheduling point; a bare spin loop makes loom give up).
//!
//! `UnsafeCell` follows loom's API (`with` / `with_mut` closures) on every side, so loom can check
//! every access to the cell for a data race (shuttle does not track plain memory; its models check
//! occupancy with atomics instead, see [`crate::model::Occupancy`]).

// Not every build uses every item of the shim.
#![allow(unused_imports, dead_code)]

#[cfg(all(loom, shuttle))]
compile_error!("--cfg loom and --cfg shuttle replace the same types: build with one of them");

#[cfg(loom)]
pub use loom::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
#[cfg(shuttle)]
pub use shuttle::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
#[cfg(not(any(loom, shuttle)))]
pub use std::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};

#[cfg(loom)]
pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};
#[cfg(shuttle)]
pub use shuttle::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};
#[cfg(not(any(loom, shuttle)))]
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};

#[cfg(loom)]
pub use loom::thread;
#[cfg(shuttle)]
pub use shuttle::thread;
#[cfg(not(any(loom, shuttle)))]
pub use std::thread;

/// Per-thread and per-execution statics for the code that must see each modelled thread as a
/// thread of its own (std's would be shared by every thread a checker runs on one OS thread).
#[cfg(loom)]
pub use loom::{lazy_static, thread_local};
#[cfg(shuttle)]
pub use shuttle::{lazy_static, thread_local};

#[cfg(loom)]
pub use loom::cell::UnsafeCell;

/// `std::cell::UnsafeCell` with loom's closure API, so code written against it is checked for
/// data races under loom and costs nothing otherwise.
#[cfg(not(loom))]
#[derive(Debug, Default)]
pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Runs `f` with a raw shared pointer to the value.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a raw mutable pointer to the value.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// A spin-wait hint. Under loom and shuttle it is a scheduling point, so spin loops stay
/// explorable (a bare `while flag.swap(true)` loop makes loom report a false branch-limit failure).
#[inline]
pub fn spin_loop() {
    #[cfg(loom)]
    loom::hint::spin_loop();
    #[cfg(shuttle)]
    shuttle::hint::spin_loop();
    #[cfg(not(any(loom, shuttle)))]
    std::hint::spin_loop();
}

/// Gives the rest of this time slice to another thread (a scheduling point under loom and
/// shuttle).
#[inline]
pub fn yield_now() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(shuttle)]
    shuttle::thread::yield_now();
    #[cfg(not(any(loom, shuttle)))]
    std::thread::yield_now();
}

/// Memory reclamation for the lock-free linked structures: crossbeam-epoch's guards on real
/// threads. A node unlinked from a structure is [`retire`](epoch::retire)d, and freed only once
/// every thread that was pinned when it was unlinked has unpinned, so no reader is left holding
/// a pointer to freed memory.
///
/// crossbeam-epoch keeps its own std atomics and std thread-locals, which loom and shuttle cannot
/// see (and which every modelled thread would share, since a checker runs them all on one OS
/// thread). Under those cfgs a guard therefore protects nothing and a retired node is leaked: a
/// node that is never freed is never read after its free, so the models check the algorithms'
/// orderings and exactly-once hand-offs but not reclamation itself (crossbeam-epoch's own loom
/// build, `--cfg crossbeam_loom`, covers that).
pub(crate) mod epoch {
    #[cfg(not(any(loom, shuttle)))]
    pub(crate) use crossbeam_epoch::{pin, Guard};

    /// Stands in for crossbeam-epoch's guard under a model checker: pins nothing.
    #[cfg(any(loom, shuttle))]
    pub(crate) struct Guard(());

    /// Under a model checker: a guard that protects nothing (retired nodes are leaked instead).
    #[cfg(any(loom, shuttle))]
    #[inline]
    pub(crate) fn pin() -> Guard {
        Guard(())
    }

    /// Frees the boxed `node` once no thread pinned now can still read it; under a model checker,
    /// never.
    ///
    /// # Safety
    ///
    /// `node` comes from `Box::into_raw`, is unreachable for any thread that pins from now on, and
    /// is retired once.
    #[inline]
    #[allow(unused_variables)]
    pub(crate) unsafe fn retire<T>(guard: &Guard, node: *mut T) {
        #[cfg(not(any(loom, shuttle)))]
        // SAFETY: the caller's contract: nobody reaches `node` after the threads pinned now
        // unpin, which is when crossbeam-epoch runs the closure, and it runs once.
        unsafe {
            guard.defer_unchecked(move || drop(Box::from_raw(node)));
        }
    }
}

/// A mutex and condition variable that park well under contention: parking_lot's (FACTS.md: its
/// Mutex+Condvar pipeline runs about 5x std's), behind std's `LockResult` API so code written
/// against them also runs on loom's and shuttle's, which is what they are under those cfgs.
pub(crate) mod parking {
    #[cfg(loom)]
    pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};
    #[cfg(shuttle)]
    pub(crate) use shuttle::sync::{Condvar, Mutex, MutexGuard};

    #[cfg(not(any(loom, shuttle)))]
    pub(crate) use self::real::{Condvar, Mutex, MutexGuard};

    #[cfg(not(any(loom, shuttle)))]
    mod real {
        use std::sync::LockResult;

        pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

        /// `parking_lot::Mutex` with std's signature (it never poisons).
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

        impl<T> Mutex<T> {
            pub(crate) const fn new(value: T) -> Self {
                Self(parking_lot::Mutex::new(value))
            }

            #[inline]
            pub(crate) fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
                Ok(self.0.lock())
            }
        }

        /// `parking_lot::Condvar` with std's signatures.
        #[derive(Debug, Default)]
        pub(crate) struct Condvar(parking_lot::Condvar);

        impl Condvar {
            pub(crate) const fn new() -> Self {
                Self(parking_lot::Condvar::new())
            }

            #[inline]
            pub(crate) fn wait<'a, T>(
                &self,
                mut guard: MutexGuard<'a, T>,
            ) -> LockResult<MutexGuard<'a, T>> {
                self.0.wait(&mut guard);
                Ok(guard)
            }

            #[inline]
            pub(crate) fn notify_one(&self) -> bool {
                self.0.notify_one()
            }

            #[inline]
            pub(crate) fn notify_all(&self) -> usize {
                self.0.notify_all()
            }
        }
    }
}
