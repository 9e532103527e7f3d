//! A count and a fingerprint of a set of ids: the exactly-once check of the buffer and executor
//! workloads, kept per thread so that recording an item costs no shared write.
//!
//! The fingerprint is the wrapping sum of a strong 64-bit mix of each id, so tallies merge in any
//! order. Two tallies of the same ids are equal; a lost id lowers the count, a duplicated one
//! raises it, and a loss hidden by a duplicate changes the fingerprint (missed with probability
//! about 2^-64).

use primitives::splitmix::finalise;

/// Count and fingerprint of a set of ids.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub fingerprint: u64,
}

impl Tally {
    #[inline]
    pub fn add(&mut self, id: u64) {
        self.count += 1;
        self.fingerprint = self.fingerprint.wrapping_add(finalise(id));
    }

    pub fn merge(&mut self, other: Tally) {
        self.count += other.count;
        self.fingerprint = self.fingerprint.wrapping_add(other.fingerprint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(ids: &[u64]) -> Tally {
        let mut tally = Tally::default();
        ids.iter().for_each(|&id| tally.add(id));
        tally
    }

    #[test]
    fn equal_sets_give_equal_tallies_in_any_order_and_a_swap_is_caught() {
        let mut merged = of(&[3]);
        merged.merge(of(&[1, 2]));
        assert_eq!(merged, of(&[1, 2, 3]));
        let swapped = of(&[1, 1, 3]);
        assert_eq!(swapped.count, 3);
        assert_ne!(swapped, of(&[1, 2, 3]), "a loss hidden by a duplicate changes the fingerprint");
    }
}
