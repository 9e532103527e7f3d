//! The buffer's contract besides delivery: it never holds more than its capacity, and a pop
//! reports "closed" only once the queue was closed.
//!
//! Each producer publishes how many of its pushes have returned, and each consumer how many pops
//! it has begun, each in a cache line of its own, so the bookkeeping per item is one plain store.
//! Every [`SAMPLE_EVERY`]th push, the producer adds them up: pushes returned minus pops begun is
//! never more than the queue holds at that moment (a begun pop may not have taken its item yet,
//! a returned push has put its item in). So a sum above the capacity proves an overfilled queue;
//! a slack of one item per thread covers counters read a moment stale on a weakly ordered CPU.

use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::CachePadded;

/// Pushes between two occupancy samples of one producer.
pub const SAMPLE_EVERY: u64 = 64;

/// The counters of one trial, and the worst it has seen.
#[derive(Debug)]
pub struct Occupancy {
    pushes_returned: Box<[CachePadded<AtomicU64>]>,
    pops_begun: Box<[CachePadded<AtomicU64>]>,
    capacity: u64,
    /// Items above the capacity that a sample may show without proving an overfill.
    slack: u64,
    /// The largest lower bound on the queue's contents any sample saw. Written by the producers'
    /// samples, so kept apart from the counters' addresses that every push and pop reads.
    most_held: CachePadded<AtomicU64>,
    /// Pops that reported "closed" while producers were still running.
    closed_early: AtomicU64,
}

impl Occupancy {
    pub fn new(producers: usize, consumers: usize, capacity: usize) -> Self {
        let counters = |n: usize| (0..n).map(|_| CachePadded::new(AtomicU64::new(0))).collect();
        Self {
            pushes_returned: counters(producers),
            pops_begun: counters(consumers),
            capacity: capacity as u64,
            slack: (producers + consumers) as u64,
            most_held: CachePadded::new(AtomicU64::new(0)),
            closed_early: AtomicU64::new(0),
        }
    }

    /// Producer `producer`'s push number `returned` (counting from 1) has returned.
    #[inline]
    pub fn push_returned(&self, producer: usize, returned: u64) {
        // Release: a sample that sees this count sees the push before it.
        self.pushes_returned[producer].store(returned, Ordering::Release);
        if returned.is_multiple_of(SAMPLE_EVERY) {
            self.sample();
        }
    }

    /// Consumer `consumer` begins its pop number `begun` (counting from 1).
    #[inline]
    pub fn pop_begins(&self, consumer: usize, begun: u64) {
        self.pops_begun[consumer].store(begun, Ordering::Release);
    }

    /// A pop reported "closed" while producers were still running.
    pub fn closed_before_close(&self) {
        self.closed_early.fetch_add(1, Ordering::Relaxed);
    }

    /// Pushes first, then pops: a pop counted after the pushes only lowers the bound.
    fn sample(&self) {
        let returned: u64 = self.pushes_returned.iter().map(|c| c.load(Ordering::Acquire)).sum();
        let begun: u64 = self.pops_begun.iter().map(|c| c.load(Ordering::Acquire)).sum();
        self.most_held.fetch_max(returned.saturating_sub(begun), Ordering::Relaxed);
    }

    /// What broke, if anything.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let most_held = self.most_held.load(Ordering::Relaxed);
        if most_held > self.capacity + self.slack {
            problems.push(format!(
                "capacity {} exceeded: at least {most_held} items held at once",
                self.capacity
            ));
        }
        let closed_early = self.closed_early.load(Ordering::Relaxed);
        if closed_early > 0 {
            problems.push(format!(
                "{closed_early} pop(s) reported the queue closed before it was closed"
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_that_holds_what_it_may_passes() {
        let occupancy = Occupancy::new(1, 1, 4);
        for n in 1..=SAMPLE_EVERY * 4 {
            occupancy.pop_begins(0, n.saturating_sub(4));
            occupancy.push_returned(0, n);
        }
        assert!(occupancy.problems().is_empty(), "{:?}", occupancy.problems());
    }

    #[test]
    fn an_overfilled_queue_is_caught() {
        let occupancy = Occupancy::new(1, 1, 4);
        for n in 1..=SAMPLE_EVERY {
            occupancy.push_returned(0, n);
        }
        assert_eq!(
            occupancy.problems(),
            [format!("capacity 4 exceeded: at least {SAMPLE_EVERY} items held at once")]
        );
    }

    #[test]
    fn an_early_close_is_caught() {
        let occupancy = Occupancy::new(1, 1, 4);
        occupancy.closed_before_close();
        assert_eq!(
            occupancy.problems(),
            ["1 pop(s) reported the queue closed before it was closed"]
        );
    }
}
