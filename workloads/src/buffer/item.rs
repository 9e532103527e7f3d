//! The item a producer hands to a consumer: its id, and as many more payload words as the
//! `payload` parameter asks for.
//!
//! The id is the whole header: the producer in the top 16 bits, the sequence number plus one
//! below, so it is never zero. With an 8-byte payload the item is that one word, as wide as the
//! `u64` a bare benchmark sends, and the channel adapters' `Msg<Item>` is no wider either (its end
//! marker takes the zero niche). A wider header would fit fewer items in each cache line of a
//! ring, and the figure would measure the header's cache traffic rather than the queue. Send
//! times, for the `push-to-pop` histogram, travel apart (`send_times.rs`).

use std::num::NonZeroU64;

/// Bits of the id below the producer.
const SEQ_BITS: u32 = 48;
/// The most producers an id can name.
pub const MAX_PRODUCERS: usize = 1 << (64 - SEQ_BITS);

/// A queue item: an id and `EXTRA` more 8-byte payload words, each a copy of the id.
#[derive(Debug)]
pub struct Item<const EXTRA: usize> {
    id: NonZeroU64,
    /// Every word holds the id, so a torn or mixed-up copy shows as a mismatch.
    extra: [u64; EXTRA],
}

impl<const EXTRA: usize> Item<EXTRA> {
    /// Item `seq` of `producer`.
    #[inline]
    pub fn new(producer: u32, seq: u64) -> Self {
        let id = item_id(producer, seq);
        Self { id: NonZeroU64::new(id).expect("ids are never zero"), extra: [id; EXTRA] }
    }

    /// The id the ledger tallies the item under.
    #[inline]
    pub fn id(&self) -> u64 {
        self.id.get()
    }

    #[inline]
    pub fn producer(&self) -> u32 {
        (self.id.get() >> SEQ_BITS) as u32
    }

    #[inline]
    pub fn seq(&self) -> u64 {
        (self.id.get() & ((1 << SEQ_BITS) - 1)) - 1
    }

    /// Whether the payload still says what the producer wrote: its first and last words, which
    /// a copy torn or mixed up between two items gets wrong. An 8-byte item is its id alone, whose
    /// integrity the ledger's count, fingerprint and order check cover.
    #[inline]
    pub fn is_intact(&self) -> bool {
        let id = self.id.get();
        self.extra.first().is_none_or(|&w| w == id) && self.extra.last().is_none_or(|&w| w == id)
    }
}

/// The id of item `seq` of `producer`: never zero, unique per (producer, seq).
#[inline]
pub fn item_id(producer: u32, seq: u64) -> u64 {
    debug_assert!(seq < (1 << SEQ_BITS) - 1 && (producer as usize) < MAX_PRODUCERS);
    (u64::from(producer) << SEQ_BITS) | (seq + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use primitives::adapters::queues::Msg;

    #[test]
    fn an_item_gives_back_its_producer_and_sequence_number() {
        let item = Item::<0>::new(3, 41);
        assert_eq!((item.producer(), item.seq()), (3, 41));
        assert_eq!(Item::<31>::new(0, 0).id(), item_id(0, 0));
    }

    #[test]
    fn an_8_byte_item_travels_in_8_bytes() {
        assert_eq!(size_of::<Item<0>>(), 8);
        assert_eq!(size_of::<Msg<Item<0>>>(), 8);
        assert_eq!(size_of::<Item<31>>(), 256);
    }

    #[test]
    fn a_mixed_up_payload_is_not_intact() {
        let mut item = Item::<31>::new(1, 7);
        assert!(item.is_intact());
        item.extra[30] = item_id(1, 8);
        assert!(!item.is_intact());
    }
}
