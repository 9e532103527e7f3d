//! Who owns which key, and each thread's operations, drawn before timing.
//!
//! Thread `t` of `T` owns the keys `k` with `k % T == t`: only it inserts, removes, updates or
//! upserts them, so it knows at every moment whether each is present and its exact value, and can
//! check every result exactly (bustle's scheme). Reads go to any key; a read of another thread's
//! key can only be checked for possibility (the value belongs to the key).
//!
//! A thread's operations are drawn from the key distribution and the mix, then planned into one
//! word each: a write's key is moved to the nearest key the thread owns (so the distribution's hot
//! keys stay hot, each thread writing its own copy of them), and whether a key is owned, and its
//! slot in the owner's state, are worked out here rather than by a division in the timed loop.

use crate::keys::{op_stream, KeyDistribution, STREAM_LEN};

use super::mix::{Mix, OpKind};

/// Keys must fit in [`PlannedOp`]'s 28-bit slot (and in a value's upper half).
pub const MAX_KEYS: u64 = 1 << 28;

/// The keys owned by each of `threads` threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ownership {
    pub keys: u64,
    pub threads: u64,
}

impl Ownership {
    pub fn new(keys: u64, threads: usize) -> Self {
        Self { keys, threads: threads as u64 }
    }

    /// The thread that owns `key` (the plan works it out once per drawn key, in its own way).
    #[cfg(test)]
    pub fn owner(self, key: u64) -> usize {
        (key % self.threads) as usize
    }

    /// Where `key` sits in its owner's state.
    pub fn slot(self, key: u64) -> usize {
        (key / self.threads) as usize
    }

    /// The key in `thread`'s state at `slot`.
    pub fn key_at(self, thread: usize, slot: usize) -> u64 {
        slot as u64 * self.threads + thread as u64
    }

    /// How many keys `thread` owns.
    pub fn owned_by(self, thread: usize) -> usize {
        self.keys.saturating_sub(thread as u64).div_ceil(self.threads) as usize
    }

    /// The key owned by `thread` in `key`'s block of `threads` keys (`key` itself if owned), or
    /// in the block before at the end of the key space. `None` if `thread` owns no key at all.
    pub fn owned_near(self, key: u64, thread: usize) -> Option<u64> {
        let candidate = key - key % self.threads + thread as u64;
        if candidate < self.keys {
            Some(candidate)
        } else {
            candidate.checked_sub(self.threads)
        }
    }
}

/// One drawn key, planned for either kind of operation and packed in a word so the plan stays
/// small (512 KiB per thread): bits 0..28 the key as drawn (for a read), 28..56 the slot of the
/// nearest key this thread owns (for a write, and for a read of an owned key), bit 62 set if this
/// thread owns the drawn key, bit 63 set if it owns any key at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PlannedKey(u64);

impl PlannedKey {
    const SLOT_SHIFT: u32 = 28;
    const DRAWN_OWNED: u64 = 1 << 62;
    const CAN_WRITE: u64 = 1 << 63;

    fn new(drawn: u64, ownership: Ownership, thread: usize) -> Self {
        let Some(near) = ownership.owned_near(drawn, thread) else {
            return Self(drawn);
        };
        let owned = if near == drawn { Self::DRAWN_OWNED } else { 0 };
        Self(drawn | (ownership.slot(near) as u64) << Self::SLOT_SHIFT | owned | Self::CAN_WRITE)
    }
}

/// One operation, as the worker runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    pub kind: OpKind,
    pub key: u64,
    /// Whether this thread owns `key` (always, for a write).
    pub owned: bool,
    /// `key`'s slot in this thread's state; meaningful only if `owned`.
    pub slot: usize,
}

/// A thread's operations, replayed in a loop: [`STREAM_LEN`] drawn keys and one kind fewer, so
/// that each pass pairs every key with another kind (a key inserted in one pass may be removed or
/// read in the next) and the pairs repeat only after `STREAM_LEN * (STREAM_LEN - 1)` operations.
/// A plan that replayed the same pairs would turn every write into a no-op after one pass.
#[derive(Debug, Clone)]
pub struct Plan {
    keys: Vec<PlannedKey>,
    kinds: Vec<OpKind>,
    next_key: usize,
    next_kind: usize,
    ownership: Ownership,
    thread: u64,
}

impl Plan {
    /// The operations of `thread` in a run seeded with `seed`. A write drawn for a thread that
    /// owns no key (more threads than keys) becomes a read.
    pub fn new(
        mix: &Mix,
        distribution: KeyDistribution,
        ownership: Ownership,
        seed: u64,
        thread: usize,
    ) -> Self {
        let mut drawn = distribution.stream(ownership.keys, seed, thread);
        let keys =
            (0..STREAM_LEN).map(|_| PlannedKey::new(drawn.next_key(), ownership, thread)).collect();
        let mut kinds = op_stream(&mix.weights(), seed, thread);
        let kinds = (0..STREAM_LEN - 1).map(|_| OpKind::from_index(kinds.next_kind())).collect();
        Self { keys, kinds, next_key: 0, next_kind: 0, ownership, thread: thread as u64 }
    }

    /// The next operation.
    #[inline]
    pub fn next_op(&mut self) -> Op {
        let planned = self.keys[self.next_key].0;
        let kind = self.kinds[self.next_kind];
        self.next_key = (self.next_key + 1) % STREAM_LEN;
        self.next_kind += 1;
        if self.next_kind == self.kinds.len() {
            self.next_kind = 0;
        }
        let slot = ((planned >> PlannedKey::SLOT_SHIFT) & (MAX_KEYS - 1)) as usize;
        let drawn = planned & (MAX_KEYS - 1);
        if kind == OpKind::Read || planned & PlannedKey::CAN_WRITE == 0 {
            let owned = planned & PlannedKey::DRAWN_OWNED != 0;
            Op { kind: OpKind::Read, key: drawn, owned, slot }
        } else {
            let key = slot as u64 * self.ownership.threads + self.thread;
            Op { kind, key, owned: true, slot }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_one_owner_and_its_own_slot() {
        for (keys, threads) in [(10, 1), (10, 3), (7, 4), (2, 4)] {
            let own = Ownership::new(keys, threads);
            let mut seen = 0;
            for thread in 0..threads {
                for slot in 0..own.owned_by(thread) {
                    let key = own.key_at(thread, slot);
                    assert!(key < keys);
                    assert_eq!((own.owner(key), own.slot(key)), (thread, slot));
                    seen += 1;
                }
            }
            assert_eq!(seen, keys, "{keys} keys over {threads} threads");
        }
    }

    #[test]
    fn writes_go_to_owned_keys_nearby() {
        let own = Ownership::new(10, 4);
        assert_eq!(own.owned_near(5, 1), Some(5));
        assert_eq!(own.owned_near(5, 3), Some(7));
        assert_eq!(own.owned_near(9, 3), Some(7), "the block before, at the end");
        assert_eq!(Ownership::new(2, 4).owned_near(1, 3), None, "thread 3 owns nothing");
    }

    #[test]
    fn a_plan_writes_only_owned_keys_and_unpacks_faithfully() {
        let mix = Mix { read: 50, insert: 20, remove: 10, update: 10, upsert: 10 };
        let own = Ownership::new(1000, 3);
        let mut plan = Plan::new(&mix, KeyDistribution::Uniform, own, 9, 2);
        let mut foreign_reads = 0;
        for _ in 0..STREAM_LEN {
            let op = plan.next_op();
            assert!(op.key < 1000);
            assert_eq!(op.owned, own.owner(op.key) == 2);
            if op.owned {
                assert_eq!(op.slot, own.slot(op.key));
            }
            match op.kind {
                OpKind::Read => foreign_reads += usize::from(!op.owned),
                _ => assert!(op.owned, "{op:?}"),
            }
        }
        assert!(foreign_reads > 0);
        let mut lonely = Plan::new(&mix, KeyDistribution::Uniform, Ownership::new(2, 4), 9, 3);
        assert!((0..1000).all(|_| lonely.next_op().kind == OpKind::Read));
    }

    #[test]
    fn each_pass_pairs_keys_with_other_kinds() {
        let mix = Mix { read: 50, insert: 50, remove: 0, update: 0, upsert: 0 };
        let mut plan = Plan::new(&mix, KeyDistribution::Uniform, Ownership::new(1 << 20, 1), 1, 0);
        let first: Vec<Op> = (0..STREAM_LEN).map(|_| plan.next_op()).collect();
        let second: Vec<Op> = (0..STREAM_LEN).map(|_| plan.next_op()).collect();
        let same_key = first.iter().zip(&second).filter(|(a, b)| a.key == b.key).count();
        let same_kind = first.iter().zip(&second).filter(|(a, b)| a.kind == b.kind).count();
        assert_eq!(same_key, STREAM_LEN, "keys replay");
        assert!(same_kind < STREAM_LEN * 6 / 10, "kinds shift: {same_kind} the same");
    }
}
