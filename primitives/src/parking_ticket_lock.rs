//! Parking ticket lock: a ticket lock for more threads than cores. Tickets are served in FIFO
//! order, one *turn* per ticket; waiters spin only near the head of the queue and park further
//! back, woken one place ahead of their turn; and a turn may cover a short batch of consecutive
//! acquisitions.
//!
//! The plain [`TicketLock`](crate::TicketLock) collapses when there are more threads than cores:
//! the lock is handed to the next ticket whether or not its thread is running, and a waiter that
//! yields may be the very thread whose turn it is. Parking every waiter and handing the lock to a
//! sleeping thread (parking_lot's `FairMutex`) pays a full wake-up per hand-over, during which
//! nobody holds the lock. And with more threads than cores no per-acquisition FIFO order can be
//! fast: each acquisition would need a different thread on a core, i.e. a context switch. This
//! lock therefore:
//!
//! - serves tickets in FIFO order, but lets a turn take the lock up to `BATCH` times: an unlock
//!   early in the turn leaves the lock *open* (free, turn not ended), so the turn's own thread
//!   takes it again with one CAS, on a cache line no other thread writes meanwhile; any other
//!   thread that calls `lock` queues for a turn of its own (`try_lock`, which cannot queue, may
//!   take an open lock whoever's turn it is). The turn ends
//!   after `BATCH` acquisitions, or when the next waiter sees the lock left open and unused for a
//!   grace period and closes it. A queued waiter is thus bypassed by at most `BATCH`
//!   acquisitions per ticket ahead of it, and the waiting time is bounded. `BATCH = 1` is a
//!   strict FIFO ticket lock.
//! - lets a waiter at most `SPINNERS` places behind the turn's ticket spin on `now_serving`
//!   (then yield), so the hand-over to it is one cache-line transfer;
//! - parks a waiter further back on slot `ticket % SLOTS` of a small array of parking slots (a
//!   mutex, a condition variable and a sleeper count each), instead of burning a core the holder
//!   may need;
//! - makes the hand-over to ticket `s` wake the slot of ticket `s + SPINNERS`: that thread
//!   becomes a spinner while others are still ahead of it, so its wake-up latency overlaps their
//!   turns instead of adding to the hand-over.
//!
//! Waiting on a slot chosen by ticket is the partitioned ticket lock's idea (Dice, "Brief
//! announcement: a partitioned ticket lock", SPAA 2011), here with sleeping instead of spinning
//! on the slot; spinning first and parking later is two-phase waiting (Ousterhout, 1982); a
//! bounded batch of local re-acquisitions before a FIFO hand-over is how cohort locks trade
//! strict order for throughput (Dice, Marathe and Shavit, "Lock cohorting", PPoPP 2012).
//!
//! ## The wake-up handshake
//!
//! A parker announces itself (`sleepers += 1` on its slot), then re-reads `now_serving` with a
//! read-modify-write while holding the slot's mutex, and waits only if its turn is still more than
//! `SPINNERS` away. Every write of `now_serving` is a read-modify-write, so a hand-over either
//! comes later in `now_serving`'s modification order than the parker's re-read (and then reads
//! from it, synchronises with it, and sees the announcement, so it takes the slot mutex and
//! notifies) or earlier (and then the re-read sees the new value and the parker does not wait).
//! No fence is needed, and a hand-over with nobody parked on the woken slot costs one load.
//!
//! ## Why an open turn always ends
//!
//! An open lock with queued waiters is closed by the waiter next in line (position 1), which is
//! never parked when `SPINNERS >= 1` (it was woken when its predecessor's turn began). So
//! `BATCH > 1` requires `SPINNERS >= 1`, checked when the lock is built.

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

/// Polls of the next waiter between two looks at an open lock: if the lock is open and untouched
/// at both, its turn's thread has gone elsewhere (or off its core) and the waiter closes the turn.
/// Long enough for a thread that unlocks to come straight back; under loom, one poll, to keep the
/// model small (the closing logic does not depend on the length).
#[cfg(not(loom))]
const GRACE_POLLS: usize = 32;
#[cfg(loom)]
const GRACE_POLLS: usize = 1;

/// Acquisitions per turn by default. A turn that passes to a thread off its core costs a wake-up
/// and a context switch, microseconds, so short critical sections need a few hundred per turn to
/// amortise it; the price is that a queued waiter may be bypassed that many times per ticket
/// ahead of it (and a long critical section makes turns long: pick a smaller `BATCH` then).
pub const DEFAULT_BATCH: usize = 256;

/// Bit of `state`: the lock is free within the current turn, for anyone to take with a CAS.
const OPEN: usize = 1;
/// `state` counts the turn's acquisitions from this bit up.
const ACQUIRED_ONE: usize = 2;

/// A number unique to each live thread (the address of a thread-local byte), naming the owner of
/// a turn.
#[inline]
fn thread_token() -> usize {
    #[cfg(not(any(loom, shuttle)))]
    std::thread_local!(static TOKEN: u8 = const { 0 });
    #[cfg(any(loom, shuttle))]
    crate::sync::thread_local!(static TOKEN: u8 = 0);
    TOKEN.with(|token| token as *const u8 as usize)
}

/// One parking place, shared by the waiters whose tickets are congruent modulo [`SLOTS`].
struct Slot {
    /// Waiters that announced they park here and have not yet left. The waker skips the mutex
    /// and the notification when it reads 0; the module docs say why it cannot miss one.
    sleepers: AtomicUsize,
    /// Held by a parker from its re-check until it sleeps on `wake`, and by the waker around
    /// nothing, so a notification cannot fall between a parker's re-check and its wait.
    mutex: Mutex<()>,
    /// Where the parkers of this slot sleep; notified (all) when one of them comes within
    /// `SPINNERS` places of its turn.
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

/// The raw lock. `SPINNERS` waiters behind the turn spin instead of parking (0 parks every
/// waiter, which models use to reach the parking path with two threads); a turn takes the lock
/// up to `BATCH` times (1: strict FIFO). Use it through [`ParkingTicketLock`], or directly.
///
/// State: as in the ticket lock, `next_ticket - now_serving` (wrapping) is the number of tickets
/// taken and not yet done: 0 means free with no turn under way. Otherwise ticket `now_serving`
/// has the turn, and a waiter with ticket `t` is at position `t - now_serving`: positions
/// `1..=SPINNERS` spin, later ones park (or are on their way to parking, or were just woken).
pub struct RawParkingTicketLock<const SPINNERS: usize = 1, const BATCH: usize = DEFAULT_BATCH> {
    /// The ticket the next arriving thread takes. Only ever advanced, by takers.
    next_ticket: CachePadded<AtomicUsize>,
    /// The ticket whose turn it is. Advanced only by the lock's holder, when a turn ends; every
    /// write is a read-modify-write (see the module docs).
    now_serving: CachePadded<AtomicUsize>,
    /// Within a turn: `acquisitions * ACQUIRED_ONE | OPEN`. `OPEN` set: free within the turn
    /// (set by the holder's Release store in `unlock`, cleared by a taker's Acquire CAS); clear:
    /// held, or a turn's ticket has yet to arrive. Reset to 0 by whoever ends a turn.
    state: CachePadded<AtomicUsize>,
    /// The thread whose turn it is ([`thread_token`]), written by it as its turn begins; `lock`
    /// re-enters an open turn only if it is the caller's. A hint for fairness and locality: a
    /// stale value lets a thread into an open turn that is not its own, which costs order, not
    /// exclusion (the CAS on `state` decides who holds the lock).
    owner: CachePadded<AtomicUsize>,
    /// Where waiters far from their turn sleep, indexed by ticket modulo [`SLOTS`].
    slots: [Slot; SLOTS],
}

/// A mutex whose raw lock is a [`RawParkingTicketLock`] with one spinning waiter and turns of up
/// to [`DEFAULT_BATCH`] acquisitions. (Under loom the alias exists but cannot be used:
/// `lock_api::RawMutex::INIT` needs `const` atomics; model-check [`RawParkingTicketLock`]
/// directly.)
pub type ParkingTicketLock<T> = lock_api::Mutex<RawParkingTicketLock, T>;

/// The same lock with turns of one acquisition: strictly FIFO per acquisition, which costs a
/// context switch per acquisition once there are more threads than cores.
pub type StrictParkingTicketLock<T> = lock_api::Mutex<RawParkingTicketLock<1, 1>, T>;

impl<const SPINNERS: usize, const BATCH: usize> RawParkingTicketLock<SPINNERS, BATCH> {
    /// Only the next waiter closes an open turn; with no spinning waiter nobody would.
    const VALID: () = assert!(
        BATCH >= 1 && (BATCH == 1 || SPINNERS >= 1),
        "a batch of more than one needs at least one spinning waiter to close open turns"
    );

    /// An unlocked lock.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        Self {
            next_ticket: CachePadded::new(AtomicUsize::new(0)),
            now_serving: CachePadded::new(AtomicUsize::new(0)),
            state: CachePadded::new(AtomicUsize::new(0)),
            owner: CachePadded::new(AtomicUsize::new(0)),
            slots: [const { Slot::new() }; SLOTS],
        }
    }

    /// An unlocked lock (not `const` under loom, whose atomics cannot be built in constants).
    #[cfg(loom)]
    pub fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        Self {
            next_ticket: Default::default(),
            now_serving: Default::default(),
            state: Default::default(),
            owner: Default::default(),
            slots: std::array::from_fn(|_| Slot::new()),
        }
    }

    fn slot(&self, ticket: usize) -> &Slot {
        &self.slots[ticket % SLOTS]
    }

    /// Takes the lock: within the caller's own open turn with one CAS, else by ticket, in FIFO
    /// order.
    #[inline]
    pub fn lock(&self) {
        chaos::point();
        if BATCH > 1 && self.take_open(true) {
            return;
        }
        // Relaxed: the ticket only has to be unique, which the RMW guarantees; the ordering
        // with the previous holder comes from the Acquire read of `now_serving`.
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        if self.now_serving.load(Ordering::Acquire) != ticket {
            self.wait_for_turn(ticket);
        }
        self.begin_turn();
    }

    /// Takes the lock if the current turn has left it open (and, with `own_turn_only`, if the
    /// turn is the caller's).
    #[inline]
    fn take_open(&self, own_turn_only: bool) -> bool {
        // Acquire: pairs with the Release store of the unlock that opened it, so the `owner`
        // read below is the one that turn wrote, not an older one.
        let state = self.state.load(Ordering::Acquire);
        state & OPEN != 0
            && (!own_turn_only || self.owner.load(Ordering::Relaxed) == thread_token())
            && self
                .state
                .compare_exchange(state, state & !OPEN, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    /// Marks the turn that the caller, now holding the lock, has just begun as its own.
    #[inline]
    fn begin_turn(&self) {
        if BATCH > 1 {
            // Relaxed: published with the critical section by the unlock that opens the turn.
            self.owner.store(thread_token(), Ordering::Relaxed);
        }
    }

    #[cold]
    fn wait_for_turn(&self, ticket: usize) {
        let mut polls: usize = 0;
        // The open state the next waiter saw at its last look, if it was open.
        let mut seen_open = None;
        loop {
            // Acquire: pairs with the Release of the hand-over that served our ticket.
            let serving = self.now_serving.load(Ordering::Acquire);
            if serving == ticket {
                return;
            }
            chaos::point();
            let position = ticket.wrapping_sub(serving);
            if position > SPINNERS {
                // The load may be stale; `park` re-reads the latest value before sleeping.
                self.park(ticket);
                polls = 0;
                seen_open = None;
                continue;
            }
            if BATCH > 1
                && position == 1
                && (polls.is_multiple_of(GRACE_POLLS) || polls >= SPIN_BUDGET)
            {
                let state = self.state.load(Ordering::Relaxed);
                if state & OPEN == 0 {
                    seen_open = None;
                } else if seen_open != Some(state) {
                    seen_open = Some(state);
                } else if self
                    .state
                    // Acquire: pairs with the Release store of the unlock that opened it.
                    .compare_exchange(state, 0, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    // Open and untouched for a grace period: we hold the lock; our turn begins.
                    self.serve_next();
                    return;
                }
            }
            if polls < SPIN_BUDGET {
                spin_loop();
            } else {
                // Oversubscribed: the holder may need this core to finish.
                yield_now();
            }
            polls += 1;
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
            // A read-modify-write reads the latest `now_serving`; AcqRel makes the hand-over that
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

    /// Takes the lock if it is free now: open within a turn, or with no ticket outstanding.
    #[inline]
    pub fn try_lock(&self) -> bool {
        chaos::point();
        if BATCH > 1 && self.take_open(false) {
            return true;
        }
        // Acquire: if `serving` is free, this synchronises with the hand-over that freed it.
        let serving = self.now_serving.load(Ordering::Acquire);
        // Ticket `serving` can only be taken if it is also the next ticket, i.e. the queue is
        // empty; then it is ours and already served. Relaxed suffices, as in `lock`.
        let taken = self
            .next_ticket
            .compare_exchange(
                serving,
                serving.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok();
        if taken {
            self.begin_turn();
        }
        taken
    }

    /// Leaves the lock open for the rest of the turn, or ends the turn after `BATCH`
    /// acquisitions and serves the next ticket.
    ///
    /// # Safety
    ///
    /// The calling context must hold the lock (from a successful [`lock`](Self::lock) or
    /// [`try_lock`](Self::try_lock) not yet released).
    #[inline]
    pub unsafe fn unlock(&self) {
        chaos::point();
        // Relaxed: only the holder writes `state` while the lock is held.
        let acquired = self.state.load(Ordering::Relaxed) + ACQUIRED_ONE;
        if acquired < BATCH * ACQUIRED_ONE {
            // Release: publishes the critical section to whoever takes the open lock.
            self.state.store(acquired | OPEN, Ordering::Release);
        } else {
            // Relaxed: published with the critical section by the hand-over below.
            self.state.store(0, Ordering::Relaxed);
            self.serve_next();
        }
    }

    /// Ends the turn: serves the next ticket, and wakes the waiter that has just come within
    /// `SPINNERS` places of its turn if it sleeps. Called by the lock's holder.
    #[inline]
    fn serve_next(&self) {
        // Release: publishes the critical section to the next ticket's holder. Acquire, and an
        // RMW rather than a store: the handshake with parkers (module docs).
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
        self.state.load(Ordering::Relaxed) & OPEN == 0
            && self.next_ticket.load(Ordering::Relaxed) != self.now_serving.load(Ordering::Relaxed)
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

impl<const SPINNERS: usize, const BATCH: usize> Default for RawParkingTicketLock<SPINNERS, BATCH> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(not(loom))]
// SAFETY: the lock is held by exactly one thread: the one whose ticket became `now_serving`
// (served by a hand-over, or the first of an idle lock), or the one whose CAS cleared `OPEN`
// (closing a turn included). A holder gives it up only in `unlock`, by setting `OPEN` with
// Release or by a hand-over with AcqRel on `now_serving`; takers read both with Acquire. The
// guard is a stateless token, and the lock is not tied to a thread, so it is `GuardSend`.
unsafe impl<const SPINNERS: usize, const BATCH: usize> lock_api::RawMutex
    for RawParkingTicketLock<SPINNERS, BATCH>
{
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

    /// Lock, try_lock and unlock of the strict lock, across the point where the tickets wrap.
    #[test]
    fn lock_try_lock_unlock_across_wrap() {
        let lock = RawParkingTicketLock::<1, 1>::new();
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

    /// Alone, a thread takes one ticket per turn of `BATCH` acquisitions, and the lock reads
    /// held or free correctly inside and between turns.
    #[test]
    fn a_turn_covers_batch_acquisitions() {
        let lock = RawParkingTicketLock::<1, 4>::new();
        for _ in 0..8 {
            lock.lock();
            assert!(lock.is_locked() && !lock.try_lock(), "try_lock must fail while held");
            // SAFETY: locked just above.
            unsafe { lock.unlock() };
            assert!(!lock.is_locked());
        }
        assert_eq!(lock.next_ticket(), 2, "8 acquisitions in turns of 4 take 2 tickets");
    }

    /// How many times the holder of a turn takes the lock again (through `try_lock`, which
    /// cannot wait) while a ticket is queued behind it, before that ticket is served.
    fn acquisitions_before_queued_ticket<const BATCH: usize>() -> usize {
        let lock = RawParkingTicketLock::<1, BATCH>::new();
        lock.lock(); // ticket 0
        let queued = lock.next_ticket.fetch_add(1, Ordering::Relaxed); // a waiter's ticket 1
        let mut acquisitions = 1;
        loop {
            // SAFETY: locked (by `lock` or by the successful `try_lock` below).
            unsafe { lock.unlock() };
            if !lock.try_lock() {
                break;
            }
            acquisitions += 1;
        }
        assert_eq!(lock.now_serving.load(Ordering::Relaxed), queued, "the turn passed on");
        acquisitions
    }

    /// A queued ticket is bypassed by at most a turn's `BATCH` acquisitions; the strict lock is
    /// the twin in which the holder gets exactly one.
    #[test]
    fn a_turn_bounds_how_often_a_queued_waiter_is_bypassed() {
        assert_eq!(acquisitions_before_queued_ticket::<64>(), 64);
        assert_eq!(acquisitions_before_queued_ticket::<1>(), 1);
    }

    /// Another thread's `lock` does not enter a turn left open: it queues with a ticket (and
    /// closes the turn once it is next and the turn stays unused); `try_lock` is the twin that
    /// may take the open lock without a ticket.
    #[test]
    fn only_the_turns_thread_reenters_an_open_turn() {
        let lock = RawParkingTicketLock::<1, 64>::new();
        lock.lock();
        // SAFETY: locked just above.
        unsafe { lock.unlock() };
        assert_eq!(lock.next_ticket(), 1, "one turn, ours, left open");
        thread::scope(|s| {
            s.spawn(|| {
                lock.lock();
                // SAFETY: locked just above.
                unsafe { lock.unlock() };
            });
        });
        assert_eq!(lock.next_ticket(), 2, "the other thread took a ticket");
        thread::scope(|s| {
            s.spawn(|| {
                assert!(lock.try_lock(), "the lock is open");
                // SAFETY: the try_lock above succeeded.
                unsafe { lock.unlock() };
            });
        });
        assert_eq!(lock.next_ticket(), 2, "try_lock took the open lock without a ticket");
        lock.lock();
        // SAFETY: locked just above.
        unsafe { lock.unlock() };
        assert_eq!(lock.next_ticket(), 3, "and the turn stayed the other thread's");
    }

    #[test]
    fn mutual_exclusion() {
        let mutex = ParkingTicketLock::new(0u64);
        let strict = StrictParkingTicketLock::new(0u64);
        thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..2_000 {
                        *mutex.lock() += 1;
                        *strict.lock() += 1;
                    }
                });
            }
        });
        assert_eq!(mutex.into_inner(), 16_000);
        assert_eq!(strict.into_inner(), 16_000);
    }

    /// Queues `waiters` threads behind a held lock, in a known order, then records the order in
    /// which they enter and how many of them were parked while the queue stood.
    fn queue_then_release<const SPINNERS: usize, const BATCH: usize>(
        waiters: usize,
    ) -> (Vec<usize>, usize) {
        let lock = RawParkingTicketLock::<SPINNERS, BATCH>::new();
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

    /// Waiters enter in ticket order, whatever the scheduler does (each open turn left behind is
    /// closed by the next waiter), and those further than the spinners from their turn sleep.
    #[test]
    fn serves_waiters_in_ticket_order_and_parks_far_ones() {
        let (order, parked) = queue_then_release::<1, 64>(6);
        assert_eq!(order, [0, 1, 2, 3, 4, 5]);
        assert_eq!(parked, 5, "waiters 2.. places back must park");
        let (order, parked) = queue_then_release::<0, 1>(4);
        assert_eq!(order, [0, 1, 2, 3]);
        assert_eq!(parked, 4, "with no spinners every waiter parks");
    }

    /// Twin of the parking check: when every waiter may spin, the same queue reads no sleepers,
    /// so the count above measures parking and is not satisfied by any lock.
    #[test]
    fn parking_check_tells_spinning_from_parking() {
        let (order, parked) = queue_then_release::<8, 64>(4);
        assert_eq!(order, [0, 1, 2, 3]);
        assert_eq!(parked, 0, "waiters within the spinners must not park");
    }

    /// More waiters than slots share slots; every one is still woken in its turn.
    #[test]
    fn more_waiters_than_slots() {
        let mutex = lock_api::Mutex::<RawParkingTicketLock<0, 1>, u64>::new(0);
        thread::scope(|s| {
            for _ in 0..SLOTS + 8 {
                s.spawn(|| (0..200).for_each(|_| *mutex.lock() += 1));
            }
        });
        assert_eq!(mutex.into_inner(), (SLOTS as u64 + 8) * 200);
    }
}
