//! Ticket lock with proportional backoff (Reed and Kanodia, "Synchronization with eventcounts and
//! sequencers", 1979; proportional backoff from Mellor-Crummey and Scott, "Algorithms for scalable
//! synchronization on shared-memory multiprocessors", 1991).
//!
//! Like a bakery queue: take a number, wait until it is served. Threads enter in the order they
//! took their tickets, so the lock is FIFO-fair, and no waiter starves. The price is paid under
//! oversubscription: the lock is handed to the next ticket even if that thread is descheduled, and
//! everyone behind it waits for the scheduler. Waiters therefore yield after a bounded spin.

use crossbeam_utils::CachePadded;

use crate::chaos;
use crate::sync::{spin_loop, yield_now, AtomicUsize, Ordering};

/// Pause hints per thread ahead in the queue, per polling round: roughly one short critical
/// section, so a waiter far back polls the shared `now_serving` line rarely.
const SPINS_PER_WAITER: usize = 16;
/// Pause hints a waiter spends in total before it yields its core on every further round.
const SPIN_BUDGET: usize = 1 << 10;

/// The raw lock: two counters. Use it through [`TicketLock`], or directly.
///
/// State: `next_ticket - now_serving` (wrapping) is the number of threads holding or waiting:
/// 0 means unlocked, 1 held with nobody waiting, `n` held with `n - 1` waiting. Tickets are
/// `usize` and wrap; only their differences matter.
pub struct RawTicketLock {
    /// The ticket the next arriving thread takes. Only ever advanced, by takers. Padded so that
    /// arrivals do not evict the line the waiters poll.
    next_ticket: CachePadded<AtomicUsize>,
    /// The ticket whose thread holds the lock, or may take it at once. Written only by the holder
    /// (on unlock), polled by the waiters.
    now_serving: CachePadded<AtomicUsize>,
}

/// A mutex whose raw lock is a [`RawTicketLock`]. (Under loom the alias exists but cannot be used:
/// `lock_api::RawMutex::INIT` needs `const` atomics; model-check [`RawTicketLock`] directly.)
pub type TicketLock<T> = lock_api::Mutex<RawTicketLock, T>;

impl RawTicketLock {
    /// An unlocked lock.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self {
            next_ticket: CachePadded::new(AtomicUsize::new(0)),
            now_serving: CachePadded::new(AtomicUsize::new(0)),
        }
    }

    /// An unlocked lock (not `const` under loom, whose atomics cannot be built in constants).
    #[cfg(loom)]
    pub fn new() -> Self {
        Self { next_ticket: Default::default(), now_serving: Default::default() }
    }

    /// Takes a ticket and waits until it is served.
    #[inline]
    pub fn lock(&self) {
        chaos::point();
        // Relaxed: the ticket only has to be unique, which the RMW guarantees; the ordering
        // with the previous holder comes from the Acquire load of `now_serving`.
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        if self.now_serving.load(Ordering::Acquire) != ticket {
            self.wait_for_turn(ticket);
        }
    }

    #[cold]
    fn wait_for_turn(&self, ticket: usize) {
        let mut spun = 0;
        loop {
            // Acquire: pairs with the Release in `unlock` that served our ticket.
            let serving = self.now_serving.load(Ordering::Acquire);
            if serving == ticket {
                return;
            }
            chaos::point();
            if spun < SPIN_BUDGET {
                let ahead = ticket.wrapping_sub(serving);
                let spins = ahead.saturating_mul(SPINS_PER_WAITER).min(SPIN_BUDGET);
                for _ in 0..spins {
                    spin_loop();
                }
                spun += spins;
            } else {
                // Oversubscribed: the holder or the threads ahead may need this core to finish.
                yield_now();
            }
        }
    }

    /// Takes the lock if nobody holds or awaits it right now.
    #[inline]
    pub fn try_lock(&self) -> bool {
        chaos::point();
        // Acquire: if `serving` is free, this synchronises with the unlock that freed it.
        let serving = self.now_serving.load(Ordering::Acquire);
        // Taking ticket `serving` is only possible if it is also the next ticket, i.e. the queue
        // is empty; then it is ours and already served. Relaxed suffices, as in `lock`.
        let next = serving.wrapping_add(1);
        self.next_ticket
            .compare_exchange(serving, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// Serves the next ticket, handing the lock to the longest waiter.
    ///
    /// # Safety
    ///
    /// The calling context must hold the lock (from a successful [`lock`](Self::lock) or
    /// [`try_lock`](Self::try_lock) not yet released).
    #[inline]
    pub unsafe fn unlock(&self) {
        chaos::point();
        // Only the holder writes `now_serving`, so a load and a store replace a locked RMW.
        let serving = self.now_serving.load(Ordering::Relaxed);
        // Release: publishes the critical section to the Acquire of the next ticket's holder.
        self.now_serving.store(serving.wrapping_add(1), Ordering::Release);
    }

    /// Whether some thread holds the lock; a snapshot that may be stale at once.
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.next_ticket.load(Ordering::Relaxed) != self.now_serving.load(Ordering::Relaxed)
    }

    /// The ticket the next arriving thread will take (lets tests wait until a thread has queued).
    #[cfg(all(test, not(loom)))]
    fn next_ticket(&self) -> usize {
        self.next_ticket.load(Ordering::Relaxed)
    }
}

impl Default for RawTicketLock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(not(loom))]
// SAFETY: only the thread whose ticket equals `now_serving` returns from `lock` (or succeeds in
// `try_lock`), and `now_serving` advances only on `unlock`; acquisition loads it with Acquire and
// `unlock` stores it with Release. The guard is a stateless token, and the lock is not tied to a
// thread, so it is `GuardSend`.
unsafe impl lock_api::RawMutex for RawTicketLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();

    type Guard = lock_api::GuardSend;

    #[inline]
    fn lock(&self) -> Self::Guard {
        RawTicketLock::lock(self);
        lock_api::GuardSend::new()
    }

    #[inline]
    fn try_lock(&self) -> Option<Self::Guard> {
        RawTicketLock::try_lock(self).then(lock_api::GuardSend::new)
    }

    #[inline]
    unsafe fn unlock(&self, _guard: Self::Guard) {
        // SAFETY: the guard state proves this context holds the lock (the trait's contract).
        unsafe { RawTicketLock::unlock(self) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        RawTicketLock::is_locked(self)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::thread;

    /// Lock, try_lock and unlock, across the point where the tickets wrap around.
    #[test]
    fn lock_try_lock_unlock_across_wrap() {
        let lock = RawTicketLock::new();
        lock.next_ticket.store(usize::MAX, Ordering::Relaxed);
        lock.now_serving.store(usize::MAX, Ordering::Relaxed);
        for _ in 0..2 {
            lock.lock();
            assert!(lock.is_locked() && !lock.try_lock(), "try_lock must fail while held");
            // SAFETY: locked just above.
            unsafe { lock.unlock() };
            assert!(!lock.is_locked() && lock.try_lock(), "try_lock must succeed once released");
            // SAFETY: the try_lock above succeeded.
            unsafe { lock.unlock() };
        }
        assert_eq!(lock.next_ticket(), 3);
    }

    #[test]
    fn mutual_exclusion() {
        let mutex = TicketLock::new(0u64);
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| (0..2_000).for_each(|_| *mutex.lock() += 1));
            }
        });
        assert_eq!(mutex.into_inner(), 8_000);
    }

    /// Waiters queued in a known order enter in that order, whatever the scheduler does.
    #[test]
    fn serves_waiters_in_ticket_order() {
        let lock = RawTicketLock::new();
        let entered = Mutex::new(Vec::new());
        lock.lock(); // ticket 0: hold the lock while the queue forms
        thread::scope(|s| {
            for waiter in 0..5 {
                let (lock, entered) = (&lock, &entered);
                s.spawn(move || {
                    lock.lock();
                    entered.lock().unwrap().push(waiter);
                    // SAFETY: locked just above.
                    unsafe { lock.unlock() };
                });
                // Start the next waiter only once this one holds ticket `waiter + 1`.
                while lock.next_ticket() != waiter + 2 {
                    thread::yield_now();
                }
            }
            assert!(entered.lock().unwrap().is_empty(), "a waiter entered a held lock");
            // SAFETY: ticket 0, taken above, is still held.
            unsafe { lock.unlock() };
        });
        assert_eq!(entered.into_inner().unwrap(), [0, 1, 2, 3, 4]);
    }
}
