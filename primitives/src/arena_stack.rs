//! A Treiber stack over a fixed arena of slots named by index, in two builds: with a version tag
//! beside the head's index, which holds, and without, which is **a deliberate demonstration of
//! the ABA problem** (Herlihy & Shavit, "The Art of Multiprocessor Programming", §10.6; the tag
//! is IBM System/370's remedy, Treiber 1986).
//!
//! Items live in slots; the stack and the list of free slots are two linked lists through the
//! slots' `next` indices, each with a head word that only compare-and-swap changes. A pop reads
//! the top slot `A` and its successor `B`, then swings the head from `A` to `B`. Without a tag,
//! the CAS compares indices only, so if meanwhile `A` was popped, `B` popped and freed, and `A`
//! reused by a push (the head reads `A` again, "A→B→A"), the CAS succeeds and installs `B`, a
//! slot that is on the free list: items are then duplicated and others lost. With the tag, every
//! successful CAS bumps a version packed in the same `AtomicU64`, so the stale CAS fails and the
//! pop retries. Everything is atomic and indices are always in range: the broken build corrupts
//! the stack's contents, never memory.
//!
//! | type | head word | under an A→B→A interleaving |
//! |---|---|---|
//! | [`TaggedArenaStack`] | index (low 32 bits) + version (high 32 bits) | holds (until the version wraps after 2^32 changes inside one pop) |
//! | [`UntaggedArenaStack`] | index only | **broken on purpose**: loses and duplicates items |
//!
//! [`pop_with_pause`](ArenaStack::pop_with_pause) runs the caller's code at the two points where
//! a preempted pop exposes the race, so a demonstration can make the interleaving likely (pass
//! `std::thread::yield_now`) or, as this module's tests do, certain.

use crossbeam_utils::CachePadded;

use crate::chaos;
use crate::container::{ConcurrentContainer, Order};
use crate::sync::{AtomicU32, AtomicU64, Ordering};

/// The index that ends a list.
const NIL: u32 = u32::MAX;

/// The version-tagged stack: correct.
pub type TaggedArenaStack = ArenaStack<true>;

/// **Deliberately broken**: the same stack without the version tag, which suffers the ABA
/// problem. A demonstration only; never use it for anything else.
pub type UntaggedArenaStack = ArenaStack<false>;

/// A bounded LIFO stack of `u64` over an arena of slots; `TAGGED` chooses whether the head CAS
/// carries a version (see the module docs). Use it through its two aliases.
pub struct ArenaStack<const TAGGED: bool> {
    /// The stack: top slot index in the low 32 bits ([`NIL`] when empty), version in the high 32
    /// bits (always 0 when untagged). Every successful CAS on a tagged head bumps the version, so
    /// a head word is never seen twice by one pop.
    head: CachePadded<AtomicU64>,
    /// The free slots, encoded as `head`. Every slot is on exactly one of the two lists, or held
    /// by one push or pop between them (untagged, the ABA race breaks this).
    free: CachePadded<AtomicU64>,
    slots: Box<[Slot]>,
}

struct Slot {
    /// The slot below this one on its list, or [`NIL`]. Written only by the thread that holds
    /// the slot off both lists, before the Release CAS that puts it on one.
    next: AtomicU32,
    /// The item, while the slot is on the stack. Written by the push that holds the slot, read
    /// by the pop that unlinks it.
    value: AtomicU64,
}

fn index(word: u64) -> u32 {
    word as u32
}

fn version(word: u64) -> u32 {
    (word >> 32) as u32
}

fn pack(index: u32, version: u32) -> u64 {
    u64::from(version) << 32 | u64::from(index)
}

impl<const TAGGED: bool> ArenaStack<TAGGED> {
    /// An empty stack of `capacity` slots.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or does not fit in 32 bits below the end marker.
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "an arena stack needs at least one slot");
        assert!(capacity < NIL as usize, "an arena stack indexes its slots with 32 bits");
        // Initially every slot is free, linked 0 → 1 → ... → capacity-1.
        let slots = (0..capacity as u32)
            .map(|slot| Slot {
                next: AtomicU32::new(if slot + 1 == capacity as u32 { NIL } else { slot + 1 }),
                value: AtomicU64::new(0),
            })
            .collect();
        Self {
            head: CachePadded::new(AtomicU64::new(pack(NIL, 0))),
            free: CachePadded::new(AtomicU64::new(pack(0, 0))),
            slots,
        }
    }

    /// How many items the stack holds at most.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Pushes `item`; a full stack hands it back. The count is the CAS attempts that failed, on
    /// the free list and on the stack.
    pub fn push_counted(&self, item: u64) -> (Result<(), u64>, u32) {
        let mut retries = 0;
        let Some(slot) = self.take(&self.free, &mut || {}, &mut retries) else {
            return (Err(item), retries);
        };
        // Relaxed: the Release CAS in `put` publishes it.
        self.slots[slot as usize].value.store(item, Ordering::Relaxed);
        self.put(&self.head, slot, &mut retries);
        (Ok(()), retries)
    }

    /// Pops the top item, or `None` if the stack is empty, and counts failed CAS attempts.
    #[inline]
    pub fn pop_counted(&self) -> (Option<u64>, u32) {
        self.pop_with_pause(|| {})
    }

    /// [`pop_counted`](Self::pop_counted), calling `pause` on every attempt between reading the
    /// top slot's successor and the CAS on the head, and once more between unlinking the slot
    /// and returning it to the free list: the two windows in which other threads' pops and
    /// pushes make an A→B→A interleaving.
    pub fn pop_with_pause(&self, mut pause: impl FnMut()) -> (Option<u64>, u32) {
        let mut retries = 0;
        let Some(slot) = self.take(&self.head, &mut pause, &mut retries) else {
            return (None, retries);
        };
        // Relaxed: the Acquire in `take` synchronised with the push that wrote it.
        let item = self.slots[slot as usize].value.load(Ordering::Relaxed);
        pause();
        self.put(&self.free, slot, &mut retries);
        (Some(item), retries)
    }

    /// The word that replaces `seen` when the list's top becomes `top`.
    #[inline]
    fn successor(seen: u64, top: u32) -> u64 {
        if TAGGED {
            pack(top, version(seen).wrapping_add(1))
        } else {
            pack(top, 0)
        }
    }

    /// Unlinks the top slot of `list`, or finds the list empty.
    fn take(&self, list: &AtomicU64, pause: &mut impl FnMut(), retries: &mut u32) -> Option<u32> {
        // Acquire (here and on failure): pairs with the Release CAS that put the top slot on the
        // list, so its `next` and `value` writes are visible.
        let mut seen = list.load(Ordering::Acquire);
        loop {
            let top = index(seen);
            if top == NIL {
                return None;
            }
            // May be stale: if `top` left the list and came back meanwhile, this is whatever
            // followed it then. Only the version tag makes the CAS below notice.
            let next = self.slots[top as usize].next.load(Ordering::Relaxed);
            pause();
            chaos::point();
            match list.compare_exchange(
                seen,
                Self::successor(seen, next),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(top),
                Err(now) => {
                    seen = now;
                    *retries += 1;
                }
            }
        }
    }

    /// Links `slot`, which this thread holds off both lists, on top of `list`.
    fn put(&self, list: &AtomicU64, slot: u32, retries: &mut u32) {
        let mut seen = list.load(Ordering::Relaxed);
        loop {
            self.slots[slot as usize].next.store(index(seen), Ordering::Relaxed);
            chaos::point();
            // Release: publishes the slot's `next` and `value` to the `take` that Acquires it.
            match list.compare_exchange(
                seen,
                Self::successor(seen, slot),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => {
                    seen = now;
                    *retries += 1;
                }
            }
        }
    }
}

impl<const TAGGED: bool> ConcurrentContainer<u64> for ArenaStack<TAGGED> {
    const ORDER: Order = Order::Lifo;
    const COUNTS_RETRIES: bool = true;

    fn with_capacity(capacity: usize) -> Self {
        Self::new(capacity)
    }

    #[inline]
    fn push(&self, item: u64) -> Result<(), u64> {
        self.push_counted(item).0
    }

    #[inline]
    fn pop(&self) -> Option<u64> {
        self.pop_counted().0
    }

    #[inline]
    fn push_counted(&self, item: u64) -> (Result<(), u64>, u32) {
        ArenaStack::push_counted(self, item)
    }

    #[inline]
    fn pop_counted(&self) -> (Option<u64>, u32) {
        ArenaStack::pop_counted(self)
    }
}

#[cfg(all(test, not(any(loom, shuttle))))]
mod tests {
    use super::*;

    fn lifo_and_bounded<const TAGGED: bool>() {
        let stack = ArenaStack::<TAGGED>::new(3);
        assert_eq!(stack.capacity(), 3);
        for item in [10, 20, 30] {
            assert_eq!(stack.push_counted(item), (Ok(()), 0));
        }
        assert_eq!(stack.push(40), Err(40), "a full stack hands the item back");
        assert_eq!(stack.pop(), Some(30));
        assert_eq!(stack.push(50), Ok(()), "a popped slot is reused");
        let popped: Vec<_> = std::iter::from_fn(|| stack.pop()).collect();
        assert_eq!(popped, [50, 20, 10]);
        assert_eq!(stack.pop_counted(), (None, 0));
    }

    #[test]
    fn tagged_is_lifo_and_bounded() {
        lifo_and_bounded::<true>();
    }

    #[test]
    fn untagged_is_lifo_and_bounded_without_interference() {
        lifo_and_bounded::<false>();
    }

    /// Plays one A→B→A interleaving on a single thread through nested pauses, over the stack
    /// `a` (slot A) on `b` (slot B) on `c`:
    /// 1. the victim pop reads top A and its successor B, and pauses before its CAS;
    /// 2. a second pop unlinks A and pauses before freeing it;
    /// 3. a third pop unlinks B and frees it;
    /// 4. the second pop frees A, and a push of `x` reuses slot A, now on top of `c`;
    /// 5. the victim's CAS finds A on top again.
    ///
    /// Returns every item popped, in order, then whatever a bounded drain finds left, and the
    /// victim's retries.
    fn aba_script<const TAGGED: bool>() -> (Vec<u64>, u32) {
        let stack = ArenaStack::<TAGGED>::new(3);
        for item in [3, 2, 1] {
            stack.push(item).unwrap(); // c = 3, b = 2, a = 1
        }
        let mut popped = Vec::new();
        let mut victim_pauses = 0;
        let (victim, victim_retries) = stack.pop_with_pause(|| {
            victim_pauses += 1;
            if victim_pauses > 1 {
                return;
            }
            let mut second_pauses = 0;
            let (second, _) = stack.pop_with_pause(|| {
                second_pauses += 1;
                if second_pauses == 2 {
                    popped.push(stack.pop().unwrap());
                }
            });
            popped.push(second.unwrap());
            stack.push(100).unwrap();
        });
        popped.push(victim.unwrap());
        // A corrupted list may hold a cycle: drain at most as many items as there are slots.
        popped.extend((0..stack.capacity()).map_while(|_| stack.pop()));
        (popped, victim_retries)
    }

    #[test]
    fn tagged_stack_survives_aba() {
        let (mut popped, victim_retries) = aba_script::<true>();
        assert_eq!(victim_retries, 1, "the victim's stale CAS fails once");
        popped.sort_unstable();
        assert_eq!(popped, [1, 2, 3, 100], "every item exactly once");
    }

    #[test]
    fn untagged_stack_is_corrupted_by_aba() {
        let (popped, victim_retries) = aba_script::<false>();
        assert_eq!(victim_retries, 0, "the victim's stale CAS succeeds");
        // b comes back from the free list a second time, and c is lost.
        assert_eq!(popped, [2, 1, 100, 2], "the expected A→B→A corruption");
    }
}
