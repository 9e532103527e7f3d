//! Models of a mutual-exclusion lock: exclusion and publication, and `try_lock`'s meaning.

use super::cell::ModelCell;
use super::check::{check, check_bounded};
use super::occupancy::Occupancy;
use crate::sync::{thread, Arc};
use crate::{RawParkingTicketLock, RawSpinLock, RawTicketLock};

/// A raw lock as the models drive it: implement it by forwarding to your lock's own methods.
///
/// (Not `lock_api::RawMutex`: its `const INIT` cannot be built from loom's atomics.)
pub trait ModelMutex: Send + Sync + 'static {
    /// An unlocked lock.
    fn new() -> Self;
    /// Takes the lock, waiting as long as it takes.
    fn lock(&self);
    /// Takes the lock if it is free now.
    fn try_lock(&self) -> bool;
    /// Releases the lock.
    ///
    /// # Safety
    ///
    /// The caller holds the lock.
    unsafe fn unlock(&self);
}

/// The models of [`mutex_increments`] on two threads and [`mutex_try_lock`].
pub fn mutex<L: ModelMutex>() {
    check(mutex_increments::<L>(2));
    mutex_try_lock::<L>();
}

/// [`mutex_increments`] on three threads, within one preemption.
pub fn mutex_three_threads<L: ModelMutex>() {
    check_bounded(1, mutex_increments::<L>(3));
}

/// A model in which `threads` threads (the model's own among them) each add 1 under the lock to
/// plain data: an overlap, or a holder's write not published to the next holder (a `Relaxed`
/// unlock or acquire), fails it.
pub fn mutex_increments<L: ModelMutex>(threads: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let shared = Arc::new((L::new(), ModelCell::new(0), Occupancy::new()));
        let increment = |shared: &(L, ModelCell, Occupancy)| {
            shared.0.lock();
            shared.2.exclusive(|| shared.1.add_one());
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
        let count = shared.1.read();
        assert_eq!(count, threads, "increments lost under the lock");
    }
}

/// `try_lock` fails while another thread holds the lock and succeeds once it is released; of two
/// racing `try_lock`s at least one succeeds, and the winners never overlap.
pub fn mutex_try_lock<L: ModelMutex>() {
    check(|| {
        let lock = Arc::new(L::new());
        lock.lock();
        let other = lock.clone();
        let won = thread::spawn(move || other.try_lock()).join().unwrap();
        assert!(!won, "try_lock took a held lock");
        // SAFETY: locked above.
        unsafe { lock.unlock() };
        let other = lock.clone();
        let won = thread::spawn(move || other.try_lock()).join().unwrap();
        assert!(won, "try_lock failed on a free lock");
        // SAFETY: the other thread's try_lock succeeded; a raw lock is not tied to a thread.
        unsafe { lock.unlock() };
    });
    check(|| {
        let shared = Arc::new((L::new(), ModelCell::new(0)));
        let attempt = |shared: &(L, ModelCell)| {
            let won = shared.0.try_lock();
            if won {
                shared.1.add_one();
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
        assert!(wins >= 1, "both try_locks failed, and neither thread held the lock for long");
        assert_eq!(shared.1.read(), wins, "increments lost under try_lock");
    });
}

/// Implements [`ModelMutex`] for types whose inherent `new`, `lock`, `try_lock` and `unsafe
/// unlock` have those signatures: `primitives::model_mutex!(MyRawLock);`.
#[macro_export]
macro_rules! model_mutex {
    ($($lock:ty),* $(,)?) => {$(
        impl $crate::model::ModelMutex for $lock {
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
crate::model_mutex!(RawSpinLock, RawTicketLock);

/// Every variant of the parking ticket lock (spinners and batch are type parameters).
impl<const SPINNERS: usize, const BATCH: usize> ModelMutex
    for RawParkingTicketLock<SPINNERS, BATCH>
{
    fn new() -> Self {
        RawParkingTicketLock::new()
    }
    fn lock(&self) {
        RawParkingTicketLock::lock(self)
    }
    fn try_lock(&self) -> bool {
        RawParkingTicketLock::try_lock(self)
    }
    unsafe fn unlock(&self) {
        // SAFETY: forwarded from this method's contract.
        unsafe { RawParkingTicketLock::unlock(self) }
    }
}
