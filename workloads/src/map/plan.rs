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

    /// The thread that owns `key`.
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

    /// The key owned by `thread` nearest below-or-at `key`'s block: `key` itself if owned, else
    /// the owned key of the same block of `threads` keys (or of the block before, at the end of
    /// the key space). `None` if `thread` owns no key at all.
    pub fn owned_near(self, key: u64, thread: usize) -> Option<u64> {
        let candidate = key - key % self.threads + thread as u64;
        if candidate < self.keys {
            Some(candidate)
        } else {
            candidate.checked_sub(self.threads)
        }
    }
}

/// One planned operation, packed in a word so the plan stays small (512 KiB per thread):
/// bits 0..32 the key, 32..60 its slot in the owner's state, 60..63 the [`OpKind`], bit 63 set if
/// this thread owns the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedOp(u64);

impl PlannedOp {
    const SLOT_SHIFT: u32 = 32;
    const KIND_SHIFT: u32 = 60;
    const OWNED: u64 = 1 << 63;

    fn new(kind: OpKind, key: u64, slot: usize, owned: bool) -> Self {
        debug_assert!(key < MAX_KEYS && (slot as u64) < MAX_KEYS);
        let owned = if owned { Self::OWNED } else { 0 };
        Self(
            key | (slot as u64) << Self::SLOT_SHIFT
                | u64::from(kind as u8) << Self::KIND_SHIFT
                | owned,
        )
    }

    #[inline]
    pub fn key(self) -> u64 {
        self.0 & 0xffff_ffff
    }

    /// The key's slot in this thread's state; meaningful only if [`owned`](Self::owned).
    #[inline]
    pub fn slot(self) -> usize {
        ((self.0 >> Self::SLOT_SHIFT) & (MAX_KEYS - 1)) as usize
    }

    #[inline]
    pub fn kind(self) -> OpKind {
        OpKind::from_index(((self.0 >> Self::KIND_SHIFT) & 0b111) as u8)
    }

    #[inline]
    pub fn owned(self) -> bool {
        self.0 & Self::OWNED != 0
    }
}

/// [`STREAM_LEN`] operations of thread `thread`, replayed in a loop.
#[derive(Debug, Clone)]
pub struct Plan {
    ops: Vec<PlannedOp>,
    next: usize,
}

impl Plan {
    /// The operations of `thread` in a run seeded with `seed`. A thread that owns no key (more
    /// threads than keys) only reads.
    pub fn new(
        mix: &Mix,
        distribution: KeyDistribution,
        ownership: Ownership,
        seed: u64,
        thread: usize,
    ) -> Self {
        let mut keys = distribution.stream(ownership.keys, seed, thread);
        let mut kinds = op_stream(&mix.weights(), seed, thread);
        let ops = (0..STREAM_LEN)
            .map(|_| {
                let drawn = keys.next_key();
                let (kind, key) = match OpKind::from_index(kinds.next_kind()) {
                    OpKind::Read => (OpKind::Read, drawn),
                    write => match ownership.owned_near(drawn, thread) {
                        Some(owned) => (write, owned),
                        None => (OpKind::Read, drawn),
                    },
                };
                let owned = ownership.owner(key) == thread;
                PlannedOp::new(kind, key, ownership.slot(key), owned)
            })
            .collect();
        Self { ops, next: 0 }
    }

    /// The next operation.
    #[inline]
    pub fn next_op(&mut self) -> PlannedOp {
        let op = self.ops[self.next];
        self.next = (self.next + 1) % STREAM_LEN;
        op
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
    fn a_plan_writes_only_owned_keys_and_packs_faithfully() {
        let mix = Mix { read: 50, insert: 20, remove: 10, update: 10, upsert: 10 };
        let own = Ownership::new(1000, 3);
        let mut plan = Plan::new(&mix, KeyDistribution::Uniform, own, 9, 2);
        let mut foreign_reads = 0;
        for _ in 0..STREAM_LEN {
            let op = plan.next_op();
            assert!(op.key() < 1000);
            assert_eq!(op.owned(), own.owner(op.key()) == 2);
            if op.owned() {
                assert_eq!(op.slot(), own.slot(op.key()));
            }
            match op.kind() {
                OpKind::Read => foreign_reads += usize::from(!op.owned()),
                _ => assert!(op.owned(), "{op:?}"),
            }
        }
        assert!(foreign_reads > 0);
        let lonely = Plan::new(&mix, KeyDistribution::Uniform, Ownership::new(2, 4), 9, 3);
        assert!(lonely.ops.iter().all(|op| op.kind() == OpKind::Read));
    }
}
