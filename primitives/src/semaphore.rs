//! Counting semaphores (Dijkstra, "Over seinpalen", EWD 74, 1965): the trait every implementation
//! plugs into, an RAII [`Permit`], and the hand-rolled [`AtomicSemaphore`].
//!
//! [`AtomicSemaphore`] keeps the free permits in one atomic counter, so an uncontended acquire or
//! release is one atomic read-modify-write and no lock. A thread that finds no permit spins
//! briefly with [`Backoff`], then parks on a condition variable; a release signals a parked thread
//! only when one is counted, with the same fence pairing as
//! [`BlockingRingBuffer`](crate::ring_buffer::BlockingRingBuffer): the parker counts itself and
//! re-checks, the releaser adds the permit and reads the count, a `SeqCst` fence between each
//! side's write and read, so at least one of them sees the other.
//!
//! Rivals behind the same trait: [`adapters::semaphores`](crate::adapters::semaphores).

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::chaos;
use crate::sync::{fence, AtomicUsize, Condvar, Mutex, MutexGuard, Ordering};

/// A counting semaphore: at most `permits` holders at once.
///
/// Implementations provide the raw operations; users call [`acquire`](Self::acquire) and friends,
/// whose [`Permit`] gives the permit back when dropped. Raw acquires must use Acquire ordering and
/// the release Release ordering, so a semaphore of one permit orders its holders like a lock.
pub trait Semaphore: Send + Sync {
    /// A semaphore with `permits` free permits.
    fn new(permits: usize) -> Self
    where
        Self: Sized;

    /// Takes one permit, blocking until one is free. Prefer [`acquire`](Self::acquire).
    fn raw_acquire(&self);

    /// Takes one permit if one is free right now. Prefer [`try_acquire`](Self::try_acquire).
    fn raw_try_acquire(&self) -> bool;

    /// Takes one permit, blocking at most about `timeout`; `false` if none came free in time.
    /// Prefer [`acquire_timeout`](Self::acquire_timeout).
    fn raw_acquire_timeout(&self, timeout: Duration) -> bool;

    /// Gives back one permit taken by a raw acquire. Calling it without one creates a permit: a
    /// logic error (more holders than `permits` may enter), which [`Permit`] rules out.
    fn raw_release(&self);

    /// Takes one permit, blocking until one is free.
    #[inline]
    fn acquire(&self) -> Permit<'_, Self> {
        self.raw_acquire();
        Permit { semaphore: self }
    }

    /// Takes one permit if one is free right now.
    #[inline]
    fn try_acquire(&self) -> Option<Permit<'_, Self>> {
        self.raw_try_acquire().then(|| Permit { semaphore: self })
    }

    /// Takes one permit, blocking at most about `timeout`; `None` if none came free in time.
    #[inline]
    fn acquire_timeout(&self, timeout: Duration) -> Option<Permit<'_, Self>> {
        self.raw_acquire_timeout(timeout).then(|| Permit { semaphore: self })
    }
}

/// One permit of a [`Semaphore`]; dropping it gives the permit back.
#[must_use = "dropping the permit releases it at once"]
pub struct Permit<'a, S: Semaphore + ?Sized> {
    semaphore: &'a S,
}

impl<S: Semaphore + ?Sized> Drop for Permit<'_, S> {
    #[inline]
    fn drop(&mut self) {
        self.semaphore.raw_release();
    }
}

/// The hand-rolled semaphore: an atomic count of free permits, and parking once spinning fails.
pub struct AtomicSemaphore {
    /// Free permits. Taken by a CAS from a non-zero value, given back by `fetch_add`.
    permits: CachePadded<AtomicUsize>,
    /// Threads parked (or about to park) on `released` and not yet signalled: an upper bound, as
    /// a thread woken spuriously or by its timeout stays counted. Changed only under `parking`.
    parked: AtomicUsize,
    /// Held only to park and to signal a parked thread.
    parking: Mutex<()>,
    /// Signalled by a release when a thread is parked.
    released: Condvar,
}

impl AtomicSemaphore {
    /// A semaphore with `permits` free permits.
    pub fn new(permits: usize) -> Self {
        Self {
            permits: CachePadded::new(AtomicUsize::new(permits)),
            parked: AtomicUsize::new(0),
            parking: Mutex::new(()),
            released: Condvar::new(),
        }
    }

    /// Free permits right now; a snapshot that may be stale at once.
    pub fn available(&self) -> usize {
        self.permits.load(Ordering::Relaxed)
    }

    #[inline]
    fn take_permit(&self) -> bool {
        chaos::point();
        let mut free = self.permits.load(Ordering::Relaxed);
        while free > 0 {
            // Acquire: pairs with the Release of the `fetch_add` that gave this permit back.
            match self.permits.compare_exchange_weak(
                free,
                free - 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => free = current,
            }
        }
        false
    }

    /// Spins, then parks until a permit is taken or `deadline` passes.
    #[cold]
    fn acquire_contended(&self, deadline: Option<Instant>) -> bool {
        let mut backoff = Backoff::new();
        // Under loom, park at once: every spin would be a scheduling point to explore.
        while !cfg!(loom) && !backoff.is_completed() {
            backoff.snooze();
            if self.take_permit() {
                return true;
            }
        }
        let mut guard = self.lock();
        loop {
            self.parked.fetch_add(1, Ordering::Relaxed);
            // SeqCst: orders our count before the re-check below (see the module docs).
            fence(Ordering::SeqCst);
            let taken = self.take_permit();
            let remaining =
                deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            if taken || remaining == Some(Duration::ZERO) {
                // We held the mutex since counting ourselves, so no releaser has claimed us.
                self.parked.fetch_sub(1, Ordering::Relaxed);
                return taken;
            }
            chaos::point();
            guard = match remaining {
                None => self.released.wait(guard).unwrap_or_else(PoisonError::into_inner),
                Some(remaining) => {
                    self.released
                        .wait_timeout(guard, remaining)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.parking.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cold]
    fn wake_one(&self) {
        let guard = self.lock();
        // Re-read under the mutex: another releaser may have claimed the parked thread already.
        if self.parked.load(Ordering::Relaxed) > 0 {
            self.parked.fetch_sub(1, Ordering::Relaxed);
            drop(guard);
            chaos::point();
            self.released.notify_one();
        }
    }
}

impl Semaphore for AtomicSemaphore {
    fn new(permits: usize) -> Self {
        AtomicSemaphore::new(permits)
    }

    #[inline]
    fn raw_acquire(&self) {
        if !self.take_permit() {
            self.acquire_contended(None);
        }
    }

    #[inline]
    fn raw_try_acquire(&self) -> bool {
        self.take_permit()
    }

    fn raw_acquire_timeout(&self, timeout: Duration) -> bool {
        // A timeout too large for `Instant` waits forever.
        self.take_permit() || self.acquire_contended(Instant::now().checked_add(timeout))
    }

    #[inline]
    fn raw_release(&self) {
        chaos::point();
        // Release: the holder's critical section happens before the next taker's Acquire.
        self.permits.fetch_add(1, Ordering::Release);
        // SeqCst: orders the permit before reading the count (see the module docs).
        fence(Ordering::SeqCst);
        if self.parked.load(Ordering::Relaxed) > 0 {
            self.wake_one();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn permits_are_counted_and_returned_on_drop() {
        let semaphore = AtomicSemaphore::new(2);
        let first = semaphore.acquire();
        let second = semaphore.try_acquire().expect("a second permit is free");
        assert!(semaphore.try_acquire().is_none(), "only two permits exist");
        assert!(semaphore.acquire_timeout(Duration::from_millis(5)).is_none());
        drop(first);
        assert_eq!(semaphore.available(), 1);
        assert!(semaphore.acquire_timeout(Duration::ZERO).is_some());
        drop(second);
        assert_eq!(semaphore.available(), 2);
    }

    /// A thread parked for a permit is counted and then woken by a release.
    #[test]
    fn release_wakes_a_parked_acquirer() {
        let semaphore = AtomicSemaphore::new(0);
        thread::scope(|s| {
            let waiter = s.spawn(|| drop(semaphore.acquire()));
            while semaphore.parked.load(Ordering::Relaxed) == 0 {
                thread::yield_now();
            }
            semaphore.raw_release();
            waiter.join().unwrap();
        });
        assert_eq!(semaphore.available(), 1);
        assert_eq!(semaphore.parked.load(Ordering::Relaxed), 0);
    }

    /// A timed acquire that gives up leaves no permit taken, and a later one can still succeed.
    #[test]
    fn timeout_then_success() {
        let semaphore = AtomicSemaphore::new(1);
        let held = semaphore.acquire();
        thread::scope(|s| {
            assert!(s
                .spawn(|| semaphore.acquire_timeout(Duration::from_millis(2)).is_none())
                .join()
                .unwrap());
            let waiter = s.spawn(|| semaphore.acquire_timeout(Duration::from_secs(60)).is_some());
            drop(held);
            assert!(waiter.join().unwrap());
        });
        assert_eq!(semaphore.available(), 1);
    }
}
