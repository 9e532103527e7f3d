//! Send times of a sample of items, kept beside the queue rather than in every item.
//!
//! Reading the clock costs about 25 ns (FACTS.md), as much as a whole uncontended hand-off, so
//! only one item in [`TIMESTAMP_EVERY`] is timed. Its producer stores the send time, before the
//! push, in a small ring of its own, slot `seq / TIMESTAMP_EVERY` modulo the ring's length, tagged
//! with that slot number; the consumer that pops the item reads the slot and turns it into the
//! `push-to-pop` latency. The push orders the store before the pop, so the consumer sees the time
//! or a later one: a slot the producer has already reused for a later item (it ran a whole ring
//! ahead) has another tag, and that sample is skipped. One tagged word per slot: 24 bits of tag,
//! 40 bits of nanoseconds since the trial's epoch, an age being the difference modulo 2^40 (about
//! 18 minutes, far beyond any push-to-pop time).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_utils::CachePadded;

/// One item in this many carries a send time.
pub const TIMESTAMP_EVERY: u64 = 64;

const NS_BITS: u32 = 40;
const NS_MASK: u64 = (1 << NS_BITS) - 1;
const TAG_MASK: u64 = (1 << (64 - NS_BITS)) - 1;

/// The rings of one trial, one per producer.
#[derive(Debug)]
pub struct SendTimes {
    epoch: Instant,
    rings: Box<[CachePadded<Box<[AtomicU64]>>]>,
    /// Ring length - 1 (a power of two minus one).
    mask: u64,
}

impl SendTimes {
    /// Rings long enough for every sampled item a full queue of `capacity` holds, and some.
    pub fn new(producers: usize, capacity: usize) -> Self {
        let len = (capacity as u64 / TIMESTAMP_EVERY + 4).next_power_of_two();
        let ring = || (0..len).map(|_| AtomicU64::new(u64::MAX)).collect::<Box<[_]>>();
        Self {
            epoch: Instant::now(),
            rings: (0..producers).map(|_| CachePadded::new(ring())).collect(),
            mask: len - 1,
        }
    }

    /// Whether item `seq` carries a send time.
    #[inline]
    pub fn is_sampled(seq: u64) -> bool {
        seq.is_multiple_of(TIMESTAMP_EVERY)
    }

    /// Producer `producer` is about to push its sampled item `seq`.
    #[inline]
    pub fn sent(&self, producer: u32, seq: u64) {
        let slot = seq / TIMESTAMP_EVERY;
        let word = ((slot & TAG_MASK) << NS_BITS) | (self.now_ns() & NS_MASK);
        // Relaxed: the push that follows orders it before the pop that reads it.
        self.rings[producer as usize][(slot & self.mask) as usize].store(word, Ordering::Relaxed);
    }

    /// The time from the push of producer `producer`'s sampled item `seq` to now; `None` if its
    /// slot was reused already.
    #[inline]
    pub fn age_ns(&self, producer: u32, seq: u64) -> Option<u64> {
        let slot = seq / TIMESTAMP_EVERY;
        let word =
            self.rings.get(producer as usize)?[(slot & self.mask) as usize].load(Ordering::Relaxed);
        (word >> NS_BITS == slot & TAG_MASK)
            .then(|| self.now_ns().wrapping_sub(word & NS_MASK) & NS_MASK)
    }

    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sampled_item_has_an_age_and_a_reused_slot_none() {
        let times = SendTimes::new(2, 64);
        assert!(SendTimes::is_sampled(0) && !SendTimes::is_sampled(1));
        times.sent(1, 0);
        assert!(times.age_ns(1, 0).is_some_and(|age| age < 1 << 39));
        assert_eq!(times.age_ns(0, 0), None, "producer 0 sent nothing");
        let lap = (times.mask + 1) * TIMESTAMP_EVERY;
        times.sent(1, lap);
        assert_eq!(times.age_ns(1, 0), None, "the slot now holds a later item's time");
        assert!(times.age_ns(1, lap).is_some());
    }
}
