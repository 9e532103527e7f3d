//! Key distributions for the cache and map workloads: uniform, Zipf, and a hotspot.
//!
//! Every thread gets its own stream of keys, drawn before timing from a generator seeded with the
//! run's seed and the thread's index, so drawing random numbers costs nothing in the measured
//! phase and a run can be repeated exactly. A stream of [`STREAM_LEN`] keys is replayed in a loop.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Zipf};

use crate::params::{ParamKind, ParamSpec, Params, Range};

/// Keys drawn per thread, replayed in a loop: enough that the replay's period is far longer than
/// any cache's memory of it, small enough (512 KiB) to stay out of the measurement's way.
pub const STREAM_LEN: usize = 1 << 16;

/// Share of the accesses that go to the hot keys under [`KeyDistribution::Hotspot`].
pub const HOT_ACCESS_SHARE: f64 = 0.9;
/// Share of the keys that are hot under [`KeyDistribution::Hotspot`].
pub const HOT_KEY_SHARE: f64 = 0.1;

/// The `distribution` parameter, shared by the workloads that draw keys.
pub const DISTRIBUTION: ParamSpec = ParamSpec {
    name: "distribution",
    kind: ParamKind::Choice(&["uniform", "zipf", "hotspot"]),
    default: "uniform",
    help: "key popularity: uniform, zipf (see skew), or hotspot (90% of accesses to 10% of keys)",
};

/// The `skew` parameter of the Zipf distribution.
pub const SKEW: ParamSpec = ParamSpec {
    name: "skew",
    kind: ParamKind::Decimal(Range::decimal(0.0, 10.0).drawn_to(3.0)),
    default: "0.99",
    help: "Zipf exponent s (0 = uniform; 0.99 is the YCSB default)",
};

/// How popular each key is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyDistribution {
    Uniform,
    /// Key `k` (from 0) is drawn with probability proportional to `1 / (k + 1)^s`.
    Zipf {
        skew: f64,
    },
    /// [`HOT_ACCESS_SHARE`] of the draws go to the first [`HOT_KEY_SHARE`] of the keys.
    Hotspot,
}

impl KeyDistribution {
    /// The distribution the `distribution` and `skew` parameters name.
    pub fn from_params(params: &Params) -> Self {
        match params.choice(DISTRIBUTION.name) {
            "uniform" => KeyDistribution::Uniform,
            "zipf" => KeyDistribution::Zipf { skew: params.decimal(SKEW.name) },
            "hotspot" => KeyDistribution::Hotspot,
            other => unreachable!("'{other}' is not a declared distribution"),
        }
    }

    /// [`STREAM_LEN`] keys below `keys` for thread `thread` of a run seeded with `seed`.
    pub fn stream(self, keys: u64, seed: u64, thread: usize) -> KeyStream {
        assert!(keys > 0, "a key space needs at least one key");
        let mut rng = thread_rng(seed, thread);
        let keys_drawn: Vec<u64> = match self {
            KeyDistribution::Uniform => {
                (0..STREAM_LEN).map(|_| rng.random_range(0..keys)).collect()
            }
            KeyDistribution::Zipf { skew } => {
                let zipf = Zipf::new(keys as f64, skew).expect("keys >= 1 and skew >= 0");
                // Zipf draws ranks 1..=keys.
                (0..STREAM_LEN).map(|_| zipf.sample(&mut rng) as u64 - 1).collect()
            }
            KeyDistribution::Hotspot => {
                let hot = ((keys as f64 * HOT_KEY_SHARE).ceil() as u64).clamp(1, keys);
                (0..STREAM_LEN)
                    .map(|_| {
                        if hot == keys || rng.random_bool(HOT_ACCESS_SHARE) {
                            rng.random_range(0..hot)
                        } else {
                            rng.random_range(hot..keys)
                        }
                    })
                    .collect()
            }
        };
        KeyStream { keys: keys_drawn, next: 0 }
    }
}

/// [`STREAM_LEN`] operation kinds for thread `thread`: kind `i` is drawn with probability
/// `weights[i] / sum(weights)` (a read/write mix, a map's read/insert/remove/... shares).
pub fn op_stream(weights: &[u32], seed: u64, thread: usize) -> OpStream {
    assert!(weights.iter().any(|&w| w > 0), "an operation mix needs a positive weight");
    let total: u32 = weights.iter().sum();
    let mut rng = thread_rng(seed ^ 0x6f70_5f73_7472_6561, thread);
    let kinds = (0..STREAM_LEN)
        .map(|_| {
            let draw = rng.random_range(0..total);
            let mut bound = 0;
            let kind = weights.iter().position(|&w| {
                bound += w;
                draw < bound
            });
            kind.expect("draw < total") as u8
        })
        .collect();
    OpStream { kinds, next: 0 }
}

/// One thread's pre-drawn operation kinds (indices into the weights), replayed in a loop.
#[derive(Debug, Clone)]
pub struct OpStream {
    kinds: Vec<u8>,
    next: usize,
}

impl OpStream {
    /// The next operation kind.
    #[inline]
    pub fn next_kind(&mut self) -> u8 {
        let kind = self.kinds[self.next];
        self.next = (self.next + 1) % STREAM_LEN;
        kind
    }
}

/// The generator of thread `thread` in a run seeded with `seed`.
fn thread_rng(seed: u64, thread: usize) -> SmallRng {
    SmallRng::seed_from_u64(seed ^ (thread as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// One thread's pre-drawn keys, replayed in a loop.
#[derive(Debug, Clone)]
pub struct KeyStream {
    keys: Vec<u64>,
    next: usize,
}

impl KeyStream {
    /// The next key.
    #[inline]
    pub fn next_key(&mut self) -> u64 {
        let key = self.keys[self.next];
        self.next = (self.next + 1) % STREAM_LEN;
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share_of_smallest(dist: KeyDistribution, keys: u64, smallest: u64) -> f64 {
        let mut stream = dist.stream(keys, 7, 0);
        let hits = (0..STREAM_LEN).filter(|_| stream.next_key() < smallest).count();
        hits as f64 / STREAM_LEN as f64
    }

    #[test]
    fn keys_stay_in_range_and_streams_repeat_exactly() {
        for dist in [
            KeyDistribution::Uniform,
            KeyDistribution::Zipf { skew: 1.2 },
            KeyDistribution::Hotspot,
        ] {
            let mut a = dist.stream(100, 1, 3);
            let mut b = dist.stream(100, 1, 3);
            for _ in 0..STREAM_LEN + 10 {
                let key = a.next_key();
                assert!(key < 100);
                assert_eq!(key, b.next_key());
            }
        }
        assert_ne!(
            KeyDistribution::Uniform.stream(1 << 40, 1, 0).keys,
            KeyDistribution::Uniform.stream(1 << 40, 1, 1).keys,
            "threads get different streams"
        );
    }

    #[test]
    fn op_kinds_follow_their_weights() {
        let mut ops = op_stream(&[90, 0, 10], 5, 0);
        let mut counts = [0usize; 3];
        (0..STREAM_LEN).for_each(|_| counts[ops.next_kind() as usize] += 1);
        assert_eq!(counts[1], 0);
        let share = counts[2] as f64 / STREAM_LEN as f64;
        assert!((0.09..0.11).contains(&share), "{share}");
    }

    #[test]
    fn the_shapes_are_what_they_claim() {
        let uniform = share_of_smallest(KeyDistribution::Uniform, 1000, 100);
        assert!((0.08..0.12).contains(&uniform), "uniform: {uniform}");
        let hotspot = share_of_smallest(KeyDistribution::Hotspot, 1000, 100);
        assert!((0.88..0.92).contains(&hotspot), "hotspot: {hotspot}");
        // Zipf(0.99) over 1000 keys: the top 10 keys take about 39% of the draws.
        let zipf = share_of_smallest(KeyDistribution::Zipf { skew: 0.99 }, 1000, 10);
        assert!((0.35..0.43).contains(&zipf), "zipf: {zipf}");
    }
}
