//! What a `livelock` worker does after a round lost to a collision: the policy a user plugs in
//! with [`LivelockWorkload::with`], and the two built-in ones.
//!
//! [`LivelockWorkload::with`]: super::livelock::LivelockWorkload::with

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Back-off windows double at most this many times...
const MAX_WINDOW_DOUBLINGS: u32 = 5;
/// ...in slots of this long.
const BACKOFF_SLOT: Duration = Duration::from_micros(20);

/// A worker's policy after a collision: implement it to plug one into `livelock`.
pub trait StepBack: Send {
    /// The policy of one worker; `seed` differs from worker to worker.
    fn new(seed: u64) -> Self
    where
        Self: Sized;

    /// After the `in_a_row`-th consecutive round this worker lost to a collision: how long to
    /// step away from the rounds (the others' go on without it), or `None` to take part in the
    /// next round at once.
    fn after_collision(&mut self, in_a_row: u32) -> Option<Duration>;
}

/// Never steps away: the polite rule, in lockstep with everyone else.
pub struct StayPolite;

impl StepBack for StayPolite {
    fn new(_seed: u64) -> Self {
        Self
    }

    fn after_collision(&mut self, _in_a_row: u32) -> Option<Duration> {
        None
    }
}

/// Ethernet's fix: a random number of slots from a window that doubles with each consecutive
/// collision, so the symmetry breaks.
pub struct RandomBackoff(SmallRng);

impl StepBack for RandomBackoff {
    fn new(seed: u64) -> Self {
        Self(SmallRng::seed_from_u64(seed))
    }

    fn after_collision(&mut self, in_a_row: u32) -> Option<Duration> {
        let window = 1u32 << in_a_row.min(MAX_WINDOW_DOUBLINGS);
        Some(BACKOFF_SLOT * self.0.random_range(0..window))
    }
}
