//! Parking ticket lock: a FIFO ticket lock whose waiters spin only near the head of the queue and
//! park by queue position further back, woken one position ahead of their turn.
//!
//! The plain [`TicketLock`](crate::TicketLock) collapses when there are more threads than cores:
//! the lock is handed to the next ticket whether or not its thread is running, and a waiter that
//! yields may be the very thread whose turn it is. Parking all waiters and handing the lock to a
//! sleeping thread (parking_lot's `FairMutex`) pays a full wake-up on every hand-over, during
//! which nobody can hold the lock. This lock keeps the ticket order, so it stays FIFO-fair, but
//! pipelines the wake-ups:
//!
//! - A waiter at most `SPINNERS` places behind the holder spins on `now_serving` (then yields),
//!   so the hand-over to it is one cache-line transfer.
//! - A waiter further back parks on slot `ticket % SLOTS` of a small array of parking slots
//!   (a mutex, a condition variable and a sleeper count each), instead of burning a core the
//!   holder may need.
//! - The unlock that serves ticket `s` wakes the slot of ticket `s + SPINNERS`: that thread
//!   becomes a spinner while `SPINNERS` others are still ahead of it, so its wake-up latency
//!   overlaps their critical sections instead of adding to the hand-over.
//!
//! Waiting on a slot chosen by ticket is the partitioned ticket lock's idea (Dice, "Brief
//! announcement: a partitioned ticket lock", SPAA 2011), here with sleeping instead of spinning
//! on the slot; spinning first and parking later is two-phase waiting (Ousterhout, 1982).
//!
//! ## The wake-up handshake
//!
//! A parker announces itself (`sleepers += 1` on its slot), then re-reads `now_serving` with a
//! read-modify-write while holding the slot's mutex, and waits only if its turn is still more than
//! `SPINNERS` away. Every write of `now_serving` is a read-modify-write, so an unlock either comes
//! later in `now_serving`'s modification order than the parker's re-read (and then reads from it,
//! synchronises with it, and sees the announcement, so it takes the slot mutex and notifies) or
//! earlier (and then the re-read sees the new value and the parker does not wait). No fence is
//! needed, and an unlock with nobody parked on the woken slot costs one load of the slot's count.

use crossbeam_utils::CachePadded;

use crate::chaos;
use crate::sync::parking::{Condvar, Mutex};
use crate::sync::{spin_loop, yield_now, AtomicUsize, Ordering};

/// Parking slots per lock. Waiters `SLOTS` tickets apart share a slot and wake each other
/// spuriously (each re-checks and parks again), so it only has to exceed the usual queue length.
#[cfg(not(loom))]
pub const SLOTS: usize = 32;
/// Under loom a few slots suffice (models run at most a handful of threads) and keep each
/// execution small.
#[cfg(loom)]
pub const SLOTS: usize = 4;

/// Spin hints a spinning waiter spends polling before it yields its core on every further poll:
/// the holder it waits for may be descheduled, and only giving up the core lets it run.
const SPIN_BUDGET: usize = 1 << 8;

/// One parking place, shared by the waiters whose tickets are congruent modulo [`SLOTS`].
struct Slot {
    /// Waiters that announced they park here and have not yet left. The unlocker skips the mutex
    /// and the notification when it reads 0; see the module docs for why it cannot miss one.
    sleepers: AtomicUsize,
    /// Held by a parker from its re-check until it sleeps on `wake`, and by the waker around
    /// nothing, so a notification cannot fall between a parker's re-check and its wait.
    mutex: Mutex<()>,
    /// Where the parkers of this slot sleep; notified (all) when one of them comes within
    /// `SPINNERS` of its turn.
    wake: Condvar,
}

impl Slot {
    #[cfg(not(loom))]
    const fn new() -> Self {
        Self { sleepers: AtomicUsize::new(0), mutex: Mutex::new(()), wake: Condvar::new() }
    }

    #[cfg(loom)]
    fn new() -> Self {
        Self { sleepers: AtomicUsize::new(0), mutex: Mutex::new(()), wake: Condvar::new() }
    }
}

/// The raw lock. `SPINNERS` is how many waiters behind the holder spin instead of parking (at
/// least the cores that can usefully wait; 0 parks every waiter, which models use to reach the
/// parking path with two threads). Use it through [`ParkingTicketLock`], or directly.
///
/// State: as in the ticket lock, `next_ticket - now_serving` (wrapping) is the number of threads
/// holding or waiting (0: unlocked). A waiter with ticket `t` is at position `t - now_serving`:
/// position 0 holds the lock, positions `1..=SPINNERS` spin, later ones park (or are on their way
/// to parking, or were just woken).
pub struct RawParkingTicketLock<const SPINNERS: usize = 1> {
    /// The ticket the next arriving thread takes. Only ever advanced, by takers.
    next_ticket: CachePadded<AtomicUsize>,
    /// The ticket whose thread holds the lock, or may take it at once. Advanced only by the
    /// holder, on unlock; every write is a read-modify-write (see the module docs).
    now_serving: CachePadded<AtomicUsize>,
    /// Where waiters far from their turn sleep, indexed by ticket modulo [`SLOTS`].
    slots: [Slot; SLOTS],
}

/// A mutex whose raw lock is a [`RawParkingTicketLock`] with one spinning waiter. (Under loom the
/// alias exists but cannot be used: `lock_api::RawMutex::INIT` needs `const` atomics;
/// model-check [`RawParkingTicketLock`] directly.)
pub type ParkingTicketLock<T> = lock_api::Mutex<RawParkingTicketLock, T>;

impl<const SPINNERS: usize> RawParkingTicketLock<SPINNERS> {
    /// An unlocked lock.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self {
            next_ticket: CachePadded::new(AtomicUsize::new(0)),
            now_serving: CachePadded::new(AtomicUsize::new(0)),
            slots: [const { Slot::new() }; SLOTS],
        }
    }

    /// An unlocked lock (not `const` under loom, whose atomics cannot be built in constants).
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            next_ticket: Default::default(),
            now_serving: Default::default(),
            slots: std::array::from_fn(|_| Slot::new()),
        }
    }

    fn slot(&self, ticket: usize) -> &Slot {
        &self.slots[ticket % SLOTS]
    }

    /// Takes a ticket and waits until it is served.
    #[inline]
    pub fn lock(&self) {
        chaos::point();
        // Relaxed: the ticket only has to be unique, which the RMW guarantees; the ordering
        // with the previous holder comes from the Acquire read of `now_serving`.
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
            if ticket.wrapping_sub(serving) > SPINNERS {
                // The load may be stale; `park` re-reads the latest value before sleeping.
                self.park(ticket);
                spun = 0;
            } else if spun < SPIN_BUDGET {
                spin_loop();
                spun += 1;
            } else {
                yield_now();
            }
        }
    }

    /// Sleeps on the ticket's slot until the ticket is at most `SPINNERS` places from its turn.
    #[cold]
    fn park(&self, ticket: usize) {
        let slot = self.slot(ticket);
        // Relaxed: published to the waker by the Release half of the re-read below.
        slot.sleepers.fetch_add(1, Ordering::Relaxed);
        let mut guard = slot.mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            // A read-modify-write reads the latest `now_serving`; AcqRel makes the unlock that
            // follows it in modification order see the announcement above (module docs).
            let serving = self.now_serving.fetch_add(0, Ordering::AcqRel);
            if ticket.wrapping_sub(serving) <= SPINNERS {
                break;
            }
            chaos::point();
            guard = slot.wake.wait(guard).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        drop(guard);
        slot.sleepers.fetch_sub(1, Ordering::Relaxed);
    }

    /// Takes the lock if nobody holds or awaits it right now.
    #[inline]
    pub fn try_lock(&self) -> bool {
        chaos::point();
        // Acquire: if `serving` is free, this synchronises with the unlock that freed it.
        let serving = self.now_serving.load(Ordering::Acquire);
        // Ticket `serving` can only be taken if it is also the next ticket, i.e. the queue is
        // empty; then it is ours and already served. Relaxed suffices, as in `lock`.
        self.next_ticket
            .compare_exchange(serving, serving.wrapping_add(1), Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// Serves the next ticket, and wakes the waiter that has just come within `SPINNERS` places
    /// of its turn if it sleeps.
    ///
    /// # Safety
    ///
    /// The calling context must hold the lock (from a successful [`lock`](Self::lock) or
    /// [`try_lock`](Self::try_lock) not yet released).
    #[inline]
    pub unsafe fn unlock(&self) {
        chaos::point();
        // Release: publishes the critical section to the next holder. Acquire, and an RMW rather
        // than a store: the handshake with parkers (module docs).
        let served = self.now_serving.fetch_add(1, Ordering::AcqRel).wrapping_add(1);
        let slot = self.slot(served.wrapping_add(SPINNERS));
        // Relaxed: ordered after any announcement that matters by the AcqRel above.
        if slot.sleepers.load(Ordering::Relaxed) != 0 {
            Self::wake(slot);
        }
    }

    #[cold]
    fn wake(slot: &Slot) {
        chaos::point();
        // Taking the mutex waits out a parker between its re-check and its wait.
        drop(slot.mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        // All: the slot may be shared with a ticket `SLOTS` further back, which must not take
        // the only notification.
        slot.wake.notify_all();
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

    /// Waiters parked now, over all slots (lets tests see that far waiters sleep).
    #[cfg(all(test, not(loom)))]
    fn sleepers(&self) -> usize {
        self.slots.iter().map(|slot| slot.sleepers.load(Ordering::Relaxed)).sum()
    }
}

impl<const SPINNERS: usize> Default for RawParkingTicketLock<SPINNERS> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(not(loom))]
// SAFETY: only the thread whose ticket equals `now_serving` returns from `lock` (or succeeds in
// `try_lock`), and `now_serving` advances only on `unlock`; acquisition reads it with Acquire and
// `unlock` writes it with Release. The guard is a stateless token, and the lock is not tied to a
// thread, so it is `GuardSend`.
unsafe impl<const SPINNERS: usize> lock_api::RawMutex for RawParkingTicketLock<SPINNERS> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();

    type Guard = lock_api::GuardSend;

    #[inline]
    fn lock(&self) -> Self::Guard {
        RawParkingTicketLock::lock(self);
        lock_api::GuardSend::new()
    }

    #[inline]
    fn try_lock(&self) -> Option<Self::Guard> {
        RawParkingTicketLock::try_lock(self).then(lock_api::GuardSend::new)
    }

    #[inline]
    unsafe fn unlock(&self, _guard: Self::Guard) {
        // SAFETY: the guard state proves this context holds the lock (the trait's contract).
        unsafe { RawParkingTicketLock::unlock(self) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        RawParkingTicketLock::is_locked(self)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;
    use std::thread;

    /// Lock, try_lock and unlock, across the point where the tickets wrap around.
    #[test]
    fn lock_try_lock_unlock_across_wrap() {
        let lock = RawParkingTicketLock::<1>::new();
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
        let mutex = ParkingTicketLock::new(0u64);
        thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| (0..2_000).for_each(|_| *mutex.lock() += 1));
            }
        });
        assert_eq!(mutex.into_inner(), 16_000);
    }

    /// Queues `waiters` threads behind a held lock, in a known order, then records the order in
    /// which they enter and how many of them were parked while the queue stood.
    fn queue_then_release<const SPINNERS: usize>(waiters: usize) -> (Vec<usize>, usize) {
        let lock = RawParkingTicketLock::<SPINNERS>::new();
        let entered = StdMutex::new(Vec::new());
        lock.lock(); // ticket 0: hold the lock while the queue forms
        let parked = thread::scope(|s| {
            for waiter in 0..waiters {
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
            // Every waiter beyond the spinners parks (give them time to get there).
            let far = waiters.saturating_sub(SPINNERS);
            for _ in 0..10_000 {
                if lock.sleepers() == far {
                    break;
                }
                thread::sleep(std::time::Duration::from_micros(100));
            }
            let parked = lock.sleepers();
            assert!(entered.lock().unwrap().is_empty(), "a waiter entered a held lock");
            // SAFETY: ticket 0, taken above, is still held.
            unsafe { lock.unlock() };
            parked
        });
        (entered.into_inner().unwrap(), parked)
    }

    /// Waiters enter in ticket order, whatever the scheduler does, and those further than the
    /// spinners from their turn sleep rather than spin.
    #[test]
    fn serves_waiters_in_ticket_order_and_parks_far_ones() {
        let (order, parked) = queue_then_release::<1>(6);
        assert_eq!(order, [0, 1, 2, 3, 4, 5]);
        assert_eq!(parked, 5, "waiters 2.. places back must park");
        let (order, parked) = queue_then_release::<0>(4);
        assert_eq!(order, [0, 1, 2, 3]);
        assert_eq!(parked, 4, "with no spinners every waiter parks");
    }

    /// Twin of the parking check: when every waiter may spin, the same queue reads no sleepers,
    /// so the count above measures parking and is not satisfied by any lock.
    #[test]
    fn parking_check_tells_spinning_from_parking() {
        let (order, parked) = queue_then_release::<8>(4);
        assert_eq!(order, [0, 1, 2, 3]);
        assert_eq!(parked, 0, "waiters within the spinners must not park");
    }

    /// More waiters than slots share slots; every one is still woken in its turn.
    #[test]
    fn more_waiters_than_slots() {
        let mutex = lock_api::Mutex::<RawParkingTicketLock<0>, u64>::new(0);
        thread::scope(|s| {
            for _ in 0..SLOTS + 8 {
                s.spawn(|| (0..200).for_each(|_| *mutex.lock() += 1));
            }
        });
        assert_eq!(mutex.into_inner(), (SLOTS as u64 + 8) * 200);
    }
}
