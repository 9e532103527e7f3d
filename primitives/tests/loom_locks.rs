//! Loom models of the hand-rolled locks, through the kit users call ([`primitives::model`]): every
//! interleaving (and every weak-memory outcome loom models) of a few threads incrementing a
//! `loom::cell::UnsafeCell` under the lock. Loom reports unsynchronised access to the cell, so a
//! lock with a wrong ordering fails here even though stress tests on x86 never see it. Two
//! deliberately broken locks prove the models can fail.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test 'loom*'`
#![cfg(loom)]

use std::sync::OnceLock;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use primitives::model;
use primitives::{RawParkingTicketLock, RawSpinLock, RawTicketLock, ReentrantLock};

#[test]
fn spin_lock_two_threads() {
    model::check(model::mutex_increments::<RawSpinLock>(2));
}

#[test]
fn spin_lock_try_lock() {
    model::mutex_try_lock::<RawSpinLock>();
}

#[test]
fn spin_lock_three_threads() {
    model::mutex_three_threads::<RawSpinLock>();
}

#[test]
fn ticket_lock_two_threads() {
    model::check(model::mutex_increments::<RawTicketLock>(2));
}

#[test]
fn ticket_lock_try_lock() {
    model::mutex_try_lock::<RawTicketLock>();
}

#[test]
fn ticket_lock_three_threads() {
    model::mutex_three_threads::<RawTicketLock>();
}

/// The default lock: two threads meet an open turn (taken again with a CAS, or closed by the next
/// waiter) and a hand-over by ticket.
#[test]
fn parking_ticket_lock_two_threads() {
    model::check(model::mutex_increments::<RawParkingTicketLock>(2));
}

#[test]
fn parking_ticket_lock_try_lock() {
    model::mutex_try_lock::<RawParkingTicketLock>();
}

/// No spinners: every waiter parks, so two threads reach the wake-up handshake (a lost wake-up
/// would show as a deadlock).
#[test]
fn parking_ticket_lock_every_waiter_parks() {
    model::check(model::mutex_increments::<RawParkingTicketLock<0, 1>>(2));
    model::mutex_try_lock::<RawParkingTicketLock<0, 1>>();
}

/// Three threads: the third parks behind the spinner and is woken by the first hand-over, in
/// strict turns and in turns of two.
#[test]
fn parking_ticket_lock_three_threads() {
    model::mutex_three_threads::<RawParkingTicketLock<1, 1>>();
    model::mutex_three_threads::<RawParkingTicketLock<1, 2>>();
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

primitives::model_mutex!(LoadThenStoreLock, RelaxedUnlockLock);

#[test]
#[should_panic]
fn model_catches_load_then_store_lock() {
    model::check(model::mutex_increments::<LoadThenStoreLock>(2));
}

#[test]
#[should_panic]
fn model_catches_relaxed_unlock() {
    model::check(model::mutex_increments::<RelaxedUnlockLock>(2));
}
