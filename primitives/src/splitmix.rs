//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
//! the one bit mixer the chaos hooks and the workloads' ledgers and seeded coins share.

/// The golden-ratio increment between two SplitMix64 states.
pub const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's finaliser: every input bit affects every output bit, so nearby inputs (a key and
/// the next, a thread index and the next) give unrelated outputs.
///
/// ```
/// use primitives::splitmix::finalise;
/// assert_ne!(finalise(1) & 0xff, finalise(2) & 0xff);
/// ```
#[inline]
pub fn finalise(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One SplitMix64 step from `state`: the next state's output.
#[inline]
pub fn next(state: u64) -> u64 {
    finalise(state.wrapping_add(GAMMA))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_outputs() {
        // The first outputs of SplitMix64 seeded with 0 (the reference implementation's).
        assert_eq!(next(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(next(GAMMA), 0x6e78_9e6a_a1b9_65f4);
    }
}
