//! The item a producer hands to a consumer: who sent it, its place in that producer's sequence, a
//! send time for a sample of items, and a payload of the chosen size.
//!
//! Reading the clock costs about 25 ns (FACTS.md), as much as a whole uncontended hand-off, so only
//! one item in [`TIMESTAMP_EVERY`] carries its send time; the consumer turns those into the
//! `push-to-pop` latency histogram.

use std::time::Instant;

/// One item in this many carries its send time.
pub const TIMESTAMP_EVERY: u64 = 64;

/// A queue item with `WORDS` 8-byte words of payload.
#[derive(Debug)]
pub struct Item<const WORDS: usize> {
    pub producer: u32,
    pub seq: u64,
    /// Nanoseconds since the trial's epoch when pushed, plus one; 0 when not sampled.
    sent_ns: u64,
    /// Every word holds `seq`, so a torn or mixed-up copy shows as a mismatch.
    payload: [u64; WORDS],
}

impl<const WORDS: usize> Item<WORDS> {
    /// Item `seq` of `producer`, stamped with the time since `epoch` if it is a sampled one.
    #[inline]
    pub fn new(producer: u32, seq: u64, epoch: Instant) -> Self {
        let sent_ns = if seq.is_multiple_of(TIMESTAMP_EVERY) { nanos_since(epoch) + 1 } else { 0 };
        Self { producer, seq, sent_ns, payload: [seq; WORDS] }
    }

    /// The time from push to now, for a sampled item.
    #[inline]
    pub fn age_ns(&self, epoch: Instant) -> Option<u64> {
        (self.sent_ns != 0).then(|| (nanos_since(epoch) + 1).saturating_sub(self.sent_ns))
    }

    /// Whether the payload still says what the producer wrote.
    #[inline]
    pub fn is_intact(&self) -> bool {
        self.payload.first().is_none_or(|&w| w == self.seq)
            && self.payload.last().is_none_or(|&w| w == self.seq)
    }
}

fn nanos_since(epoch: Instant) -> u64 {
    epoch.elapsed().as_nanos() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sampled_items_carry_an_age() {
        let epoch = Instant::now();
        assert!(Item::<1>::new(0, 0, epoch).age_ns(epoch).is_some());
        assert!(Item::<1>::new(0, 1, epoch).age_ns(epoch).is_none());
        assert!(Item::<32>::new(3, TIMESTAMP_EVERY, epoch).age_ns(epoch).is_some());
    }

    #[test]
    fn a_mixed_up_payload_is_not_intact() {
        let mut item = Item::<32>::new(1, 7, Instant::now());
        assert!(item.is_intact());
        item.payload[31] = 8;
        assert!(!item.is_intact());
    }
}
