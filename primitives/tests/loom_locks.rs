//! Loom models of the hand-rolled locks: every interleaving (and every weak-memory outcome loom
//! models) of a few threads incrementing a `loom::cell::UnsafeCell` under the lock. Loom reports
//! unsynchronised access to the cell, so a lock with a wrong ordering fails here even though
//! stress tests on x86 never see it. Two deliberately broken locks prove the models can fail.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test 'loom*'`
#![cfg(loom)]

use std::sync::OnceLock;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use primitives::{RawSpinLock, RawTicketLock, ReentrantLock};

/// The raw-lock interface the models drive.
trait ModelLock: Send + Sync + 'static {
    fn new() -> Self;
    fn lock(&self);
    fn try_lock(&self) -> bool;
    /// # Safety
    /// The caller holds the lock.
    unsafe fn unlock(&self);
}

macro_rules! model_lock {
    ($($lock:ty),*) => {$(
        impl ModelLock for $lock {
            fn new() -> Self { <$lock>::new() }
            fn lock(&self) { <$lock>::lock(self) }
            fn try_lock(&self) -> bool { <$lock>::try_lock(self) }
            unsafe fn unlock(&self) {
                // SAFETY: forwarded from this method's contract.
                unsafe { <$lock>::unlock(self) }
            }
        }
    )*};
}
model_lock!(RawSpinLock, RawTicketLock, LoadThenStoreLock, RelaxedUnlockLock);

/// `threads` threads (the model's main thread among them) each add 1 under the lock.
fn increments<L: ModelLock>(threads: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let shared = Arc::new((L::new(), UnsafeCell::new(0usize)));
        let increment = |shared: &(L, UnsafeCell<usize>)| {
            shared.0.lock();
            // SAFETY: the lock makes this access exclusive (which is what loom checks).
            shared.1.with_mut(|value| unsafe { *value += 1 });
            // SAFETY: locked just above.
            unsafe { shared.0.unlock() };
        };
        let others: Vec<_> = (1..threads)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || increment(&shared))
            })
            .collect();
        increment(&shared);
        others.into_iter().for_each(|other| other.join().unwrap());
        // SAFETY: every other thread has been joined.
        assert_eq!(shared.1.with(|value| unsafe { *value }), threads);
    }
}

/// try_lock fails while another thread holds the lock and succeeds once it is released; two
/// concurrent try_locks never both succeed while overlapping, and at least one succeeds.
fn try_lock_semantics<L: ModelLock>() {
    loom::model(|| {
        let lock = Arc::new(L::new());
        lock.lock();
        let other = lock.clone();
        assert!(!thread::spawn(move || other.try_lock()).join().unwrap());
        // SAFETY: locked above.
        unsafe { lock.unlock() };
        let other = lock.clone();
        assert!(thread::spawn(move || other.try_lock()).join().unwrap());
        // SAFETY: the other thread's try_lock succeeded and this lock is not tied to a thread.
        unsafe { lock.unlock() };
    });
    loom::model(|| {
        let shared = Arc::new((L::new(), UnsafeCell::new(0usize)));
        let attempt = |shared: &(L, UnsafeCell<usize>)| {
            let won = shared.0.try_lock();
            if won {
                // SAFETY: the successful try_lock makes this access exclusive (loom checks it).
                shared.1.with_mut(|value| unsafe { *value += 1 });
                // SAFETY: the try_lock above succeeded.
                unsafe { shared.0.unlock() };
            }
            usize::from(won)
        };
        let other = thread::spawn({
            let shared = shared.clone();
            move || attempt(&shared)
        });
        let wins = attempt(&shared) + other.join().unwrap();
        assert!(wins >= 1, "a try_lock fails only while the other thread holds the lock");
        // SAFETY: the other thread has been joined.
        assert_eq!(shared.1.with(|value| unsafe { *value }), wins);
    });
}

/// Three threads, at most one preemption (more exceeds loom's branch limit; loom issue 53).
fn three_threads(model: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(1);
    builder.check(model);
}

#[test]
fn spin_lock_two_threads() {
    loom::model(increments::<RawSpinLock>(2));
}

#[test]
fn spin_lock_try_lock() {
    try_lock_semantics::<RawSpinLock>();
}

#[test]
fn spin_lock_three_threads() {
    three_threads(increments::<RawSpinLock>(3));
}

#[test]
fn ticket_lock_two_threads() {
    loom::model(increments::<RawTicketLock>(2));
}

#[test]
fn ticket_lock_try_lock() {
    try_lock_semantics::<RawTicketLock>();
}

#[test]
fn ticket_lock_three_threads() {
    three_threads(increments::<RawTicketLock>(3));
}

/// `ReentrantLock` needs a `lock_api::RawMutex`, whose `const INIT` loom's atomics cannot provide.
/// This adapter builds the loom `RawSpinLock` lazily; the model creates it on its main thread
/// before spawning, so the (unmodelled) `OnceLock` is never contended.
struct LazyRawSpinLock(OnceLock<RawSpinLock>);

impl LazyRawSpinLock {
    fn get(&self) -> &RawSpinLock {
        self.0.get_or_init(RawSpinLock::new)
    }
}

// SAFETY: every operation forwards to the one `RawSpinLock` inside, which provides exclusion with
// Acquire/Release; the guard is a stateless token.
unsafe impl lock_api::RawMutex for LazyRawSpinLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self(OnceLock::new());
    type Guard = lock_api::GuardSend;

    fn lock(&self) -> Self::Guard {
        self.get().lock();
        lock_api::GuardSend::new()
    }

    fn try_lock(&self) -> Option<Self::Guard> {
        self.get().try_lock().then(lock_api::GuardSend::new)
    }

    unsafe fn unlock(&self, _guard: Self::Guard) {
        // SAFETY: the guard state proves this context holds the lock.
        unsafe { self.get().unlock() }
    }

    fn is_locked(&self) -> bool {
        self.get().is_locked()
    }
}

type ModelReentrantLock = ReentrantLock<UnsafeCell<usize>, LazyRawSpinLock>;

#[test]
fn reentrant_lock_two_threads_nesting() {
    loom::model(|| {
        let lock = Arc::new(ModelReentrantLock::new(UnsafeCell::new(0)));
        drop(lock.lock()); // builds the lazy raw lock before any thread is spawned
        let nest = |lock: &ModelReentrantLock| {
            let outer = lock.lock();
            {
                let inner = lock.lock();
                // SAFETY: only the holder touches the cell, one level at a time (loom checks it).
                inner.with_mut(|value| unsafe { *value += 1 });
            }
            // SAFETY: as above, now at depth 1.
            outer.with_mut(|value| unsafe { *value += 1 });
        };
        let other = thread::spawn({
            let lock = lock.clone();
            move || nest(&lock)
        });
        nest(&lock);
        other.join().unwrap();
        // SAFETY: the other thread has been joined and we hold the lock.
        assert_eq!(lock.lock().with(|value| unsafe { *value }), 4);
    });
}

#[test]
fn reentrant_lock_excludes_others_until_depth_zero() {
    loom::model(|| {
        let lock = Arc::new(ModelReentrantLock::new(UnsafeCell::new(0)));
        let other_try_lock = |lock: &Arc<ModelReentrantLock>| {
            let lock = lock.clone();
            thread::spawn(move || lock.try_lock().is_some()).join().unwrap()
        };
        let outer = lock.lock();
        let inner = lock.try_lock().expect("the holder may take it again");
        assert!(!other_try_lock(&lock), "entered at depth 2");
        drop(inner);
        assert!(!other_try_lock(&lock), "entered at depth 1");
        drop(outer);
        assert!(other_try_lock(&lock), "locked out at depth 0");
    });
}

/// Broken: checks the flag, then sets it in a separate step, so both threads can enter.
struct LoadThenStoreLock(AtomicBool);

/// Broken: a correct test-and-set, but a Relaxed unlock does not publish the critical section.
struct RelaxedUnlockLock(AtomicBool);

impl LoadThenStoreLock {
    fn new() -> Self {
        Self(AtomicBool::new(false))
    }
    fn lock(&self) {
        while self.0.load(Ordering::Acquire) {
            loom::hint::spin_loop();
        }
        self.0.store(true, Ordering::Release);
    }
    fn try_lock(&self) -> bool {
        !self.0.load(Ordering::Acquire) && {
            self.0.store(true, Ordering::Release);
            true
        }
    }
    unsafe fn unlock(&self) {
        self.0.store(false, Ordering::Release);
    }
}

impl RelaxedUnlockLock {
    fn new() -> Self {
        Self(AtomicBool::new(false))
    }
    fn lock(&self) {
        while !self.try_lock() {
            loom::hint::spin_loop();
        }
    }
    fn try_lock(&self) -> bool {
        self.0.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }
    unsafe fn unlock(&self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

#[test]
#[should_panic]
fn model_catches_load_then_store_lock() {
    loom::model(increments::<LoadThenStoreLock>(2));
}

#[test]
#[should_panic]
fn model_catches_relaxed_unlock() {
    loom::model(increments::<RelaxedUnlockLock>(2));
}
