//! The check of the FIFO-fair claim ([`Claim::FifoFair`]): threads enter in the order they asked.
//!
//! Under load the claim cannot be seen honestly: a thread counts itself asking a moment before it
//! reaches the lock (takes its ticket, joins the queue), and a thread preempted in that moment is
//! overtaken on any lock. So, like the writer-preference check, this is a directed probe on real
//! threads, run after the measured phase: a holder takes the lock and keeps it; [`WAITERS`]
//! threads then ask one after another, each given [`WAITER_SETTLE`] after it asked to reach the
//! lock and wait before the next one asks; the holder lets go and the order they entered in is
//! compared with the order they asked in. A FIFO lock admits them in that order unless a waiter
//! got no CPU for the whole settling time, which looks the same as an overtake; so the claim fails
//! only when every one of [`PROBES`] probes saw an overtake.
//!
//! [`Claim::FifoFair`]: crate::claims::Claim::FifoFair

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

/// How long each waiter is given, after it asked, to reach the lock before the next one asks.
pub const WAITER_SETTLE: Duration = Duration::from_millis(10);
/// Threads queued behind the holder in each probe: with four, an unfair lock that admits them in
/// any order keeps their arrival order by chance once in 24 probes.
pub const WAITERS: usize = 4;
/// Probes tried; the claim fails only when all saw an overtake.
pub const PROBES: usize = 3;

/// Enters the lock under test and runs the given closure inside it.
pub type Enter<'a> = &'a (dyn Fn(&mut dyn FnMut()) + Sync);

/// `Err` with what was seen when, in every probe, a thread that asked after another entered
/// first. `enter` takes the lock under test, runs its closure inside and lets go.
pub fn check_fifo_fairness(enter: Enter<'_>) -> Result<(), String> {
    let mut overtakes = Vec::with_capacity(PROBES);
    for _ in 0..PROBES {
        match overtakes_in_one_probe(enter) {
            0 => return Ok(()),
            n => overtakes.push(n),
        }
    }
    let total: usize = overtakes.iter().sum();
    Err(format!(
        "claims FIFO fairness, but a thread that asked after another ({} ms later) entered \
         first, {total} times in {PROBES} of {PROBES} probes of {WAITERS} waiters",
        WAITER_SETTLE.as_millis()
    ))
}

/// One probe: how many waiters entered ahead of one that asked before them.
fn overtakes_in_one_probe(enter: Enter<'_>) -> usize {
    let holder_in = AtomicBool::new(false);
    let release = AtomicBool::new(false);
    let asked: [AtomicBool; WAITERS] = Default::default();
    let entries = AtomicUsize::new(0);
    // The place each waiter entered at (0 = first after the holder).
    let places: [AtomicUsize; WAITERS] = Default::default();
    thread::scope(|scope| {
        scope.spawn(|| {
            enter(&mut || {
                holder_in.store(true, SeqCst);
                while !release.load(SeqCst) {
                    thread::sleep(Duration::from_millis(1));
                }
            })
        });
        while !holder_in.load(SeqCst) {
            thread::yield_now();
        }
        for waiter in 0..WAITERS {
            let (asked, entries, places) = (&asked, &entries, &places);
            scope.spawn(move || {
                asked[waiter].store(true, SeqCst);
                enter(&mut || places[waiter].store(entries.fetch_add(1, SeqCst), SeqCst));
            });
            while !asked[waiter].load(SeqCst) {
                thread::yield_now();
            }
            thread::sleep(WAITER_SETTLE);
        }
        release.store(true, SeqCst);
    });
    let places = places.map(|place| place.into_inner());
    // A waiter overtook if some waiter that asked before it entered after it.
    (1..WAITERS).filter(|&w| places[..w].iter().any(|&earlier| earlier > places[w])).count()
}

#[cfg(test)]
mod tests {
    use primitives::{Lock, SpinLock, TicketLock};

    use super::*;

    fn check<L: Lock<u64>>() -> Result<(), String> {
        let lock = L::new(0);
        check_fifo_fairness(&|f| lock.with(|_| f()))
    }

    #[test]
    fn fifo_locks_keep_their_claim() {
        assert_eq!(check::<TicketLock<u64>>(), Ok(()));
        assert_eq!(check::<parking_lot::FairMutex<u64>>(), Ok(()));
    }

    #[test]
    fn an_unfair_spin_lock_fails_the_claim() {
        // On a loaded machine the spin lock's waiters are sometimes scheduled in arrival order,
        // and then it looks FIFO for a whole check; five checks in a row never all do.
        let broken = (0..5).find_map(|_| check::<SpinLock<u64>>().err()).expect("never caught");
        assert!(broken.starts_with("claims FIFO fairness, but a thread that asked"), "{broken}");
    }
}
