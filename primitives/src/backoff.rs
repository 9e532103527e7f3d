//! Exponential backoff for spin loops, after crossbeam-utils' `Backoff` (itself the classic
//! exponential backoff of Anderson, "The performance of spin lock alternatives for shared-memory
//! multiprocessors", 1990).
//!
//! Each [`Backoff::snooze`] first spins `2^step` times, doubling up to `2^SPIN_LIMIT`, so a waiter
//! re-reads the contended cache line less and less often. Past that it calls `yield_now`: when
//! there are more threads than cores the holder may be descheduled, and only giving up the core
//! lets it run and release the lock. All spinning goes through the `sync` shim, so under loom
//! every hint is a scheduling point.

use crate::chaos;
use crate::sync::{spin_loop, yield_now};

/// Snoozes up to here spin (`2^step` hints each); later ones yield the time slice.
const SPIN_LIMIT: u32 = 6;
/// Once `step` passes this, it stops growing and [`Backoff::is_completed`] reports `true`.
const YIELD_LIMIT: u32 = 10;

/// Backoff state for one waiting episode of one thread: create it where the wait starts.
///
/// ```
/// use primitives::backoff::Backoff;
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// let ready = AtomicBool::new(false);
/// std::thread::scope(|s| {
///     s.spawn(|| ready.store(true, Ordering::Release));
///     let mut backoff = Backoff::new();
///     while !ready.load(Ordering::Acquire) {
///         backoff.snooze();
///     }
/// });
/// ```
#[derive(Debug, Default)]
pub struct Backoff {
    /// Number of snoozes so far, saturating just past `YIELD_LIMIT`.
    step: u32,
}

impl Backoff {
    /// A fresh backoff, whose first snooze spins once.
    #[inline]
    pub const fn new() -> Self {
        Self { step: 0 }
    }

    /// Waits a little, longer on each call: spins `2^step` times while `step <= SPIN_LIMIT`, then
    /// yields the time slice to another thread on every call.
    #[inline]
    pub fn snooze(&mut self) {
        chaos::point();
        if self.step <= SPIN_LIMIT {
            for _ in 0..1u32 << self.step {
                spin_loop();
            }
        } else {
            yield_now();
        }
        if self.step <= YIELD_LIMIT {
            self.step += 1;
        }
    }

    /// Starts over from the shortest wait, e.g. after the awaited condition was seen.
    #[inline]
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// `true` once spinning is long exhausted and several yields did not end the wait: a caller
    /// that can block (park, sleep) should do so now rather than keep snoozing.
    #[inline]
    pub fn is_completed(&self) -> bool {
        self.step > YIELD_LIMIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_after_spinning_then_yielding() {
        let mut backoff = Backoff::new();
        let mut snoozes = 0;
        while !backoff.is_completed() {
            backoff.snooze();
            snoozes += 1;
        }
        assert_eq!(snoozes, YIELD_LIMIT + 1);
        backoff.snooze(); // stays completed, does not overflow
        assert!(backoff.is_completed());
        backoff.reset();
        assert!(!backoff.is_completed());
    }
}
