//! Which operations are timed alone, and what a batch's time says about the operations in it.
//!
//! JMH's `SampleTime` idea, adapted: throughput comes from every operation, while the latency
//! distribution comes from single operations timed alone at random points. Between two sampled
//! operations a thread runs a *gap* of untimed-alone operations as one batch; gaps are geometric
//! (each operation is sampled with probability 1 / `mean_gap`, independently), drawn from the
//! thread's own generator seeded from the run's seed, so no periodic behaviour of a workload can
//! line up with the sampling.
//!
//! Each sample stands for the operations of its cycle (the gap and itself), so it is recorded with
//! that count: the histogram's counts are estimated operations, its total is the exact operation
//! count, and its percentiles are unbiased estimates of the single-operation percentiles.
//!
//! The rate follows the cost: a cycle's bookkeeping (two clock reads, a gap draw, two histogram
//! records) is measured once per process, and the mean gap is the smallest that keeps it within
//! [`BUDGET`] of the thread's time. Operations of a few microseconds or more are all timed alone.
//!
//! A stall inside a batch cannot hide: a batch that took longer than its operations normally do by
//! more than [`StallRule`]'s margin holds at least one slow operation, and an estimate of it (the
//! batch's excess over the others' usual time, never below the batch's mean) is recorded as one
//! operation of its own. Stalls that large are therefore counted one by one wherever they fall, so
//! a sampled operation that is one stands for itself alone: the operations of its cycle pass to
//! the next ordinary sample (weighting it by its cycle would count a rare stall hundreds of times).

use std::hint::black_box;
use std::sync::OnceLock;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use workloads::metrics::latency_histogram;

use super::clock::Clock;

/// The share of a thread's time that sampling may cost.
pub const BUDGET: f64 = 0.01;
/// The largest mean gap: even the fastest operation is sampled once in this many.
pub const MAX_MEAN_GAP: u64 = 4096;
/// A gap never exceeds this.
pub const MAX_GAP: u64 = 1 << 16;
/// A gap never exceeds this many times the mean (a geometric gap does with probability e^-5).
pub const TAIL_CAP: u64 = 5;

/// How each thread's latencies are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LatencyMethod {
    /// Single operations timed alone at random intervals, stalls in between bounded.
    #[default]
    Sampled,
    /// Every batch recorded as its time / its size: no single-operation figure at all. Kept to
    /// measure what sampling costs, and for comparison with older results.
    BatchMean,
}

/// What one cycle of bookkeeping costs, measured once per process.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SamplingCost {
    /// Two clock reads, a gap draw, a dither draw and two histogram records, in ns.
    pub per_sample_ns: f64,
}

impl SamplingCost {
    pub fn get() -> SamplingCost {
        static COST: OnceLock<SamplingCost> = OnceLock::new();
        *COST.get_or_init(Self::measure)
    }

    /// The fastest of several short rounds: a round that was preempted says nothing of what a
    /// cycle costs.
    fn measure() -> SamplingCost {
        const ROUNDS: usize = 16;
        const CYCLES: u32 = 1_000;
        let clock = Clock::get();
        let mut histogram = latency_histogram();
        let mut gaps = GapDraw::new(0, 64);
        let fastest = (0..ROUNDS)
            .map(|_| {
                let began = std::time::Instant::now();
                for cycle in 0..CYCLES {
                    let from = clock.start();
                    let to = clock.end();
                    let gap = black_box(gaps.gap());
                    histogram
                        .saturating_record_n(clock.sample_ns(from, to, gaps.dither()), gap + 1);
                    histogram.saturating_record_n(u64::from(cycle % 512) + 1, 1);
                }
                began.elapsed().as_nanos() as f64 / f64::from(CYCLES)
            })
            .fold(f64::INFINITY, f64::min);
        black_box(&histogram);
        SamplingCost { per_sample_ns: fastest }
    }

    /// The mean gap that keeps sampling within [`BUDGET`] for operations of `op_ns`.
    pub fn mean_gap_for(self, op_ns: f64) -> u64 {
        let gap = self.per_sample_ns / (BUDGET * op_ns.max(0.1));
        (gap.ceil() as u64).clamp(1, MAX_MEAN_GAP)
    }
}

/// Geometric gaps: the number of operations before the next sampled one, each operation sampled
/// with probability 1 / `mean_gap` (mean gap `mean_gap - 1` operations between two samples).
#[derive(Debug)]
pub struct GapDraw {
    rng: SmallRng,
    mean_gap: u64,
    /// ln(1 - 1/mean_gap), for drawing by inversion.
    log_keep: f64,
}

impl GapDraw {
    pub fn new(seed: u64, mean_gap: u64) -> Self {
        let mut draw = Self { rng: SmallRng::seed_from_u64(seed), mean_gap: 1, log_keep: 0.0 };
        draw.set_mean(mean_gap);
        draw
    }

    pub fn mean(&self) -> u64 {
        self.mean_gap
    }

    pub fn set_mean(&mut self, mean_gap: u64) {
        self.mean_gap = mean_gap.max(1);
        self.log_keep = (1.0 - 1.0 / self.mean_gap as f64).ln();
    }

    /// A uniform number in [0, 1), to spread a sample over its clock step.
    #[inline]
    pub fn dither(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// The next gap, at most [`TAIL_CAP`] times the mean (and [`MAX_GAP`]), so one gap cannot
    /// run far longer than the rate was chosen for.
    #[inline]
    pub fn gap(&mut self) -> u64 {
        if self.mean_gap == 1 {
            return 0;
        }
        // Inversion: P(gap >= k) = (1 - p)^k for a uniform u in (0, 1].
        let u: f64 = 1.0 - self.rng.random::<f64>();
        ((u.ln() / self.log_keep) as u64).min(TAIL_CAP * self.mean_gap).min(MAX_GAP)
    }
}

/// When a batch's time says it held a stalled operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StallRule {
    /// A batch is flagged when it exceeds its expected time by more than this many times that
    /// time...
    pub relative: f64,
    /// ...and by more than this many ns.
    pub floor_ns: f64,
}

impl StallRule {
    pub const STANDARD: StallRule = StallRule { relative: 1.0, floor_ns: 1_000.0 };

    /// How far a batch of `ops` may exceed its expected time before it counts as stalled.
    #[inline]
    pub fn margin_ns(self, ops: u64, op_ns: f64) -> f64 {
        (self.relative * ops as f64 * op_ns).max(self.floor_ns)
    }

    /// Whether a sampled operation of `sample_ns` after a batch of `ops` is a stall the batch
    /// itself would have been flagged for: such a sample is exact, and stands for itself alone.
    #[inline]
    pub fn is_stall_sample(self, ops: u64, sample_ns: u64, op_ns: f64) -> bool {
        sample_ns as f64 - op_ns > self.margin_ns(ops.max(1), op_ns)
    }

    /// The estimated time of the slowest operation of a batch of `ops` that took `batch_ns`, when
    /// one usually takes `op_ns`: `None` when the batch is within the margin.
    #[inline]
    pub fn slow_op(self, ops: u64, batch_ns: f64, op_ns: f64) -> Option<u64> {
        let excess = batch_ns - ops as f64 * op_ns;
        if ops == 0 || excess <= self.margin_ns(ops, op_ns) {
            return None;
        }
        let others = (ops - 1) as f64 * op_ns;
        Some((batch_ns - others).max(batch_ns / ops as f64) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_have_the_asked_mean_and_vary() {
        let mut draw = GapDraw::new(7, 50);
        let gaps: Vec<u64> = (0..100_000).map(|_| draw.gap()).collect();
        let mean = gaps.iter().sum::<u64>() as f64 / gaps.len() as f64;
        assert!((mean - 49.0).abs() < 1.0, "mean gap {mean}, expected 49");
        let zeros = gaps.iter().filter(|&&g| g == 0).count() as f64 / gaps.len() as f64;
        assert!((zeros - 0.02).abs() < 0.003, "P(gap = 0) {zeros}, geometric gives 1/50");
        let distinct: std::collections::BTreeSet<_> = gaps.iter().collect();
        assert!(distinct.len() > 100, "a periodic gap would have one value");
    }

    #[test]
    fn a_mean_gap_of_one_times_every_operation() {
        let mut draw = GapDraw::new(7, 1);
        assert!((0..1000).all(|_| draw.gap() == 0));
    }

    #[test]
    fn the_same_seed_draws_the_same_gaps() {
        let (mut a, mut b, mut c) = (GapDraw::new(1, 30), GapDraw::new(1, 30), GapDraw::new(2, 30));
        let first: Vec<u64> = (0..100).map(|_| a.gap()).collect();
        assert_eq!(first, (0..100).map(|_| b.gap()).collect::<Vec<_>>());
        assert_ne!(first, (0..100).map(|_| c.gap()).collect::<Vec<_>>());
    }

    #[test]
    fn the_rate_follows_the_cost() {
        let cost = SamplingCost { per_sample_ns: 30.0 };
        assert_eq!(cost.mean_gap_for(5.0), 600, "30 ns in 1 % of 600 ops of 5 ns");
        assert_eq!(cost.mean_gap_for(10_000.0), 1, "slow operations are all timed");
        assert_eq!(cost.mean_gap_for(0.0), MAX_MEAN_GAP);
    }

    #[test]
    fn a_stall_in_a_batch_is_found_and_bounded() {
        let rule = StallRule::STANDARD;
        // 600 ops of 5 ns, one of which slept 1 ms.
        let slow = rule.slow_op(600, 599.0 * 5.0 + 1_000_000.0, 5.0).expect("a stall");
        assert_eq!(slow, 1_000_000);
        assert_eq!(rule.slow_op(600, 3_100.0, 5.0), None, "ordinary spread");
        assert_eq!(rule.slow_op(600, 5_900.0, 5.0), None, "within twice the expected time");
        assert!(rule.slow_op(600, 7_000.0, 5.0).is_some(), "more than twice");
        assert_eq!(rule.slow_op(0, 5_000.0, 5.0), None, "no batch");
        // The slowest op of a batch is never estimated below the batch's mean.
        assert_eq!(rule.slow_op(4, 40_000.0, 20_000.0), None);
        assert_eq!(rule.slow_op(2, 100_000.0, 60_000.0), None);
        assert_eq!(rule.slow_op(2, 100_000.0, 10_000.0), Some(90_000));
        assert_eq!(rule.slow_op(3, 90_000.0, 1.0), Some(89_998));
    }

    #[test]
    fn a_sample_is_a_stall_when_its_batch_would_have_been_flagged_for_it() {
        let rule = StallRule::STANDARD;
        // After 600 ops of 5 ns a batch tolerates 3 µs over its time: so does its sample.
        assert!(rule.is_stall_sample(600, 1_000_000, 5.0));
        assert!(!rule.is_stall_sample(600, 2_000, 5.0));
        // Every op timed alone: the floor decides.
        assert!(rule.is_stall_sample(0, 2_000, 5.0));
        assert!(!rule.is_stall_sample(0, 900, 5.0));
    }
}
