//! The statistics of `syncbench compare`, as pure functions over samples (one value per repeat).
//!
//! - [`median`]: the centre of a sample; robust to the odd slow repeat these machines produce.
//! - [`mann_whitney`]: the Mann–Whitney U test (Wilcoxon rank-sum), the test benchstat uses. It
//!   asks only whether one sample tends to be larger than the other, so it does not assume normal
//!   distributions — throughput here is often bimodal (two cache-transfer regimes). Exact p-value
//!   for samples of up to [`EXACT_LIMIT`] values each without ties; otherwise the normal
//!   approximation with the tie correction of the variance and a continuity correction.
//! - [`bootstrap_ratio_ci`]: a percentile bootstrap confidence interval of the ratio of medians
//!   (current / baseline): the size of the change and how sure we are of it.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The median of `values` (`NaN` if empty). Does not reorder the caller's slice.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    median_in_place(&mut sorted)
}

/// The median of `values`, sorting them in place (`NaN` if empty).
fn median_in_place(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// Draws a resample (with replacement, same size) of a sorted sample and returns its median.
/// Only how often each value was drawn matters, so it counts draws per index and walks the counts
/// to the middle rank: O(n), no sorting (the bootstrap takes two per resample).
struct Resampler {
    sorted: Vec<f64>,
    draws: Vec<u32>,
}

impl Resampler {
    fn new(sample: &[f64]) -> Self {
        let mut sorted = sample.to_vec();
        sorted.sort_by(f64::total_cmp);
        Self { draws: vec![0; sorted.len()], sorted }
    }

    fn median_of_resample(&mut self, rng: &mut impl Rng) -> f64 {
        let n = self.sorted.len();
        self.draws.fill(0);
        for _ in 0..n {
            self.draws[rng.random_range(0..n)] += 1;
        }
        if n.is_multiple_of(2) {
            (self.value_at_rank(n / 2 - 1) + self.value_at_rank(n / 2)) / 2.0
        } else {
            self.value_at_rank(n / 2)
        }
    }

    /// The `rank`-th smallest value (from 0) of the current resample.
    fn value_at_rank(&self, rank: usize) -> f64 {
        let mut seen = 0;
        for (value, &count) in self.sorted.iter().zip(&self.draws) {
            seen += count as usize;
            if seen > rank {
                return *value;
            }
        }
        unreachable!("rank {rank} beyond a resample of {}", self.sorted.len())
    }
}

/// Half the range of `values`, relative to their median: the `± x%` beside a median, the same
/// figure as in `syncbench run`'s table. Pessimistic on purpose: one odd repeat widens it.
pub fn relative_spread(values: &[f64]) -> f64 {
    let centre = median(values);
    let (low, high) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if centre > 0.0 && low.is_finite() {
        (high - low) / 2.0 / centre
    } else {
        0.0
    }
}

/// Samples of at most this many values each, without ties, get an exact p-value. (Counting the
/// exact distribution costs about `(n1 n2)^2` steps: 6 million at 50 each.)
pub const EXACT_LIMIT: usize = 50;

/// How a [`MannWhitney`] p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PMethod {
    /// From the exact distribution of U (small samples without ties).
    Exact,
    /// Normal approximation with tie and continuity corrections.
    Normal,
}

/// The result of a two-sided Mann–Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample: the number of (x, y) pairs with x > y, ties counting one half.
    pub u: f64,
    /// Two-sided p-value: how likely a U at least this far from its mean is when both samples
    /// come from one distribution.
    pub p_value: f64,
    pub method: PMethod,
}

/// Two-sided Mann–Whitney U test of `x` against `y`. Both must be non-empty.
pub fn mann_whitney(x: &[f64], y: &[f64]) -> MannWhitney {
    assert!(!x.is_empty() && !y.is_empty(), "Mann-Whitney U needs two non-empty samples");
    let (n1, n2) = (x.len(), y.len());
    let ranks = RankSum::of(x, y);
    let u = ranks.x_rank_sum - (n1 * (n1 + 1)) as f64 / 2.0;
    let (p_value, method) = if ranks.tie_term == 0.0 && n1 <= EXACT_LIMIT && n2 <= EXACT_LIMIT {
        (exact_p_value(u, n1, n2), PMethod::Exact)
    } else {
        (normal_p_value(u, n1, n2, ranks.tie_term), PMethod::Normal)
    };
    MannWhitney { u, p_value, method }
}

/// The smallest two-sided p-value the U test can give for samples of `n1` and `n2` values: when
/// every value of one sample is below every value of the other, `2 / C(n1 + n2, n1)`. At 3
/// against 3 it is 0.1, so no change can be significant at alpha 0.05 — more repeats are needed.
pub fn smallest_p_value(n1: usize, n2: usize) -> f64 {
    (2.0 / binomial(n1 + n2, n1)).min(1.0)
}

/// The rank sum of `x` in the pooled sample (ties get their average rank), and
/// `sum(t^3 - t)` over groups of `t` tied values, for the variance correction.
struct RankSum {
    x_rank_sum: f64,
    tie_term: f64,
}

impl RankSum {
    fn of(x: &[f64], y: &[f64]) -> Self {
        let mut pooled: Vec<(f64, bool)> =
            x.iter().map(|&v| (v, true)).chain(y.iter().map(|&v| (v, false))).collect();
        pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut x_rank_sum, mut tie_term) = (0.0, 0.0);
        let mut start = 0;
        while start < pooled.len() {
            let mut end = start + 1;
            while end < pooled.len() && pooled[end].0 == pooled[start].0 {
                end += 1;
            }
            // Ranks start + 1 ..= end share their mean.
            let average_rank = (start + 1 + end) as f64 / 2.0;
            let from_x = pooled[start..end].iter().filter(|(_, is_x)| *is_x).count();
            x_rank_sum += average_rank * from_x as f64;
            let tied = (end - start) as f64;
            tie_term += tied * tied * tied - tied;
            start = end;
        }
        Self { x_rank_sum, tie_term }
    }
}

/// Exact two-sided p-value: twice the probability of a U at most as far out as the observed one
/// on its nearer tail (the distribution is symmetric), capped at 1.
fn exact_p_value(u: f64, n1: usize, n2: usize) -> f64 {
    let counts = u_distribution(n1, n2);
    let total: f64 = counts.iter().sum();
    let max_u = (n1 * n2) as f64;
    let nearer_tail = u.min(max_u - u);
    // Without ties U is a whole number; round against float noise before indexing.
    let tail_end = nearer_tail.round() as usize;
    let tail: f64 = counts[..=tail_end].iter().sum();
    (2.0 * tail / total).min(1.0)
}

/// `counts[u]` = the number of orderings of `n1` x's and `n2` y's whose U is `u`, i.e. the
/// coefficients of the Gaussian binomial `[n1 + n2 choose n1]_q`. Built from
/// `c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u)`: the largest value is either an x (beating
/// all `n` y's) or a y (beating nobody). Kept in floats: the totals pass 2^64 near 35 each.
fn u_distribution(n1: usize, n2: usize) -> Vec<f64> {
    let len = n1 * n2 + 1;
    // previous[n] holds c(m - 1, n, ·); start with m = 0: one ordering, U = 0, for every n.
    let mut previous: Vec<Vec<f64>> = (0..=n2).map(|_| unit(len)).collect();
    for _m in 1..=n1 {
        let mut current: Vec<Vec<f64>> = Vec::with_capacity(n2 + 1);
        current.push(unit(len)); // n = 0: only x's, U = 0.
        for n in 1..=n2 {
            let mut counts = current[n - 1].clone();
            for (u, count) in counts.iter_mut().enumerate().skip(n) {
                *count += previous[n][u - n];
            }
            current.push(counts);
        }
        previous = current;
    }
    previous.swap_remove(n2)
}

fn unit(len: usize) -> Vec<f64> {
    let mut counts = vec![0.0; len];
    counts[0] = 1.0;
    counts
}

/// Normal approximation: mean `n1 n2 / 2`, variance `n1 n2 / 12 * (n + 1 - ties / (n (n - 1)))`,
/// and the distance from the mean shortened by 1/2 (continuity correction), as scipy's
/// `mannwhitneyu(method="asymptotic")` does.
fn normal_p_value(u: f64, n1: usize, n2: usize, tie_term: f64) -> f64 {
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let n = n1f + n2f;
    let mean = n1f * n2f / 2.0;
    let variance = n1f * n2f / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if variance <= 0.0 {
        return 1.0; // Every value equal: nothing tells the samples apart.
    }
    let z = ((u - mean).abs() - 0.5).max(0.0) / variance.sqrt();
    erfc(z / std::f64::consts::SQRT_2).min(1.0)
}

/// The complementary error function, to about 1e-7 relative error (Numerical Recipes' `erfcc`,
/// a Chebyshev fit): ample for p-values compared with an alpha of 0.05.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * poly.exp();
    if x >= 0.0 {
        value
    } else {
        2.0 - value
    }
}

/// `C(n, k)` as a float (exact up to about 2^53).
fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// A confidence interval of `current median / baseline median`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioInterval {
    pub low: f64,
    pub high: f64,
}

/// Percentile bootstrap: `resamples` times, draw each sample anew with replacement and take the
/// ratio of the medians; the interval is the `(1 - confidence) / 2` and `(1 + confidence) / 2`
/// quantiles of those ratios. Seeded, so the same input always gives the same interval. `None`
/// when a baseline resample has a median of 0 (no ratio), or a sample is empty.
pub fn bootstrap_ratio_ci(
    baseline: &[f64],
    current: &[f64],
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> Option<RatioInterval> {
    if baseline.is_empty() || current.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut base_resampler, mut current_resampler) =
        (Resampler::new(baseline), Resampler::new(current));
    let mut ratios = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let base = base_resampler.median_of_resample(&mut rng);
        let now = current_resampler.median_of_resample(&mut rng);
        if base <= 0.0 {
            return None;
        }
        ratios.push(now / base);
    }
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Some(RatioInterval { low: quantile(&ratios, tail), high: quantile(&ratios, 1.0 - tail) })
}

/// The `q` quantile of sorted `values`, interpolating linearly between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    /// `n` values spread evenly over `centre ± half_width`, in a shuffled order.
    fn around(centre: f64, half_width: f64, n: usize) -> Vec<f64> {
        let mut values: Vec<f64> = (0..n)
            .map(|i| centre - half_width + 2.0 * half_width * i as f64 / (n - 1) as f64)
            .collect();
        values.reverse();
        values.swap(0, n / 2);
        values
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn a_resample_median_is_the_median_of_the_drawn_values() {
        let mut resampler = Resampler::new(&[30.0, 10.0, 20.0, 40.0]);
        resampler.draws = vec![0, 3, 0, 1]; // 20, 20, 20, 40
        assert_eq!((resampler.value_at_rank(1), resampler.value_at_rank(2)), (20.0, 20.0));
        assert_eq!(resampler.value_at_rank(3), 40.0);
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..100 {
            let median = resampler.median_of_resample(&mut rng);
            let mut drawn: Vec<f64> = Vec::new();
            for (value, &count) in resampler.sorted.iter().zip(&resampler.draws) {
                drawn.extend(std::iter::repeat_n(*value, count as usize));
            }
            assert_eq!(drawn.len(), 4);
            assert_eq!(median, super::median(&drawn));
        }
    }

    #[test]
    fn spread_is_half_the_range_over_the_median() {
        assert!(close(relative_spread(&[90.0, 100.0, 110.0]), 0.10, 1e-12));
        assert_eq!(relative_spread(&[5.0, 5.0]), 0.0);
    }

    #[test]
    fn erfc_matches_known_values() {
        // erfc(0) = 1, erfc(1) = 0.157299207, erfc(2) = 0.004677735, erfc(-1) = 1.842700793.
        assert!(close(erfc(0.0), 1.0, 1e-7));
        assert!(close(erfc(1.0), 0.157_299_207, 1e-7));
        assert!(close(erfc(2.0), 0.004_677_735, 1e-8));
        assert!(close(erfc(-1.0), 1.842_700_793, 1e-7));
    }

    #[test]
    fn u_distribution_counts_every_ordering() {
        // 2 x's and 2 y's: 6 orderings with U = 0, 1, 2, 2, 3, 4.
        assert_eq!(u_distribution(2, 2), vec![1.0, 1.0, 2.0, 1.0, 1.0]);
        let total: f64 = u_distribution(10, 12).iter().sum();
        assert_eq!(total, binomial(22, 10));
    }

    /// scipy's documented example (`scipy.stats.mannwhitneyu`): males [19, 22, 16, 29, 24] vs
    /// females [20, 11, 17, 12]: U1 = 17, exact two-sided p = 0.1111 (= 14 / 126), asymptotic
    /// p = 0.11134688653314041.
    #[test]
    fn textbook_example_gives_the_published_u_and_p() {
        let males = [19.0, 22.0, 16.0, 29.0, 24.0];
        let females = [20.0, 11.0, 17.0, 12.0];
        let test = mann_whitney(&males, &females);
        assert_eq!(test.u, 17.0);
        assert_eq!(test.method, PMethod::Exact);
        assert!(close(test.p_value, 14.0 / 126.0, 1e-12), "{test:?}");
        let normal = normal_p_value(17.0, 5, 4, 0.0);
        assert!(close(normal, 0.111_346_886_533_140_41, 1e-6), "{normal}");
        // The test is symmetric: swapping the samples gives U2 = n1 n2 - U1 and the same p.
        let swapped = mann_whitney(&females, &males);
        assert_eq!(swapped.u, 3.0);
        assert!(close(swapped.p_value, test.p_value, 1e-12));
    }

    #[test]
    fn complete_separation_gives_the_smallest_p_value() {
        let test = mann_whitney(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]);
        assert_eq!(test.u, 0.0);
        assert!(close(test.p_value, 0.1, 1e-12), "{test:?}");
        assert!(close(smallest_p_value(3, 3), 0.1, 1e-12));
        assert!(close(smallest_p_value(4, 4), 2.0 / 70.0, 1e-12));
        assert!(close(smallest_p_value(10, 10), 2.0 / 184_756.0, 1e-15));
    }

    #[test]
    fn identical_samples_are_not_significant() {
        let sample = around(100.0, 5.0, 10);
        let test = mann_whitney(&sample, &sample);
        // Every value tied with its twin: normal approximation, U exactly at its mean.
        assert_eq!(test.method, PMethod::Normal);
        assert_eq!(test.u, 50.0);
        assert_eq!(test.p_value, 1.0);
        let constant = mann_whitney(&[7.0; 5], &[7.0; 5]);
        assert_eq!(constant.p_value, 1.0);
    }

    #[test]
    fn clearly_shifted_samples_are_significant() {
        let test = mann_whitney(&around(100.0, 5.0, 10), &around(80.0, 5.0, 10));
        assert_eq!(test.u, 100.0);
        assert_eq!(test.method, PMethod::Exact);
        assert!(test.p_value < 0.01, "{test:?}");
        assert!(close(test.p_value, smallest_p_value(10, 10), 1e-15));
    }

    #[test]
    fn overlapping_noisy_samples_are_not_significant() {
        // Interleaved values: 100 ± 20 against 98 ± 20.
        let test = mann_whitney(&around(100.0, 20.0, 10), &around(98.0, 20.0, 10));
        assert!(test.p_value > 0.5, "{test:?}");
    }

    /// Large tied samples use the normal approximation; checked against a hand computation:
    /// x = [1, 2, 2, 3] * 15, y = [2, 3, 3, 4] * 15.
    #[test]
    fn ties_use_the_corrected_normal_approximation() {
        let x: Vec<f64> = [1.0, 2.0, 2.0, 3.0].repeat(15);
        let y: Vec<f64> = [2.0, 3.0, 3.0, 4.0].repeat(15);
        let test = mann_whitney(&x, &y);
        assert_eq!(test.method, PMethod::Normal);
        // Pairs x > y: x=3 beats the 15 twos; ties: x=2 vs y=2 (30*15), x=3 vs y=3 (15*30).
        assert_eq!(test.u, 15.0 * 15.0 + 0.5 * (30.0 * 15.0 + 15.0 * 30.0));
        // Tied groups: 15 ones, 45 twos, 45 threes, 15 fours.
        let ties = 2.0 * (15f64.powi(3) - 15.0) + 2.0 * (45f64.powi(3) - 45.0);
        let variance = 60.0 * 60.0 / 12.0 * (121.0 - ties / (120.0 * 119.0));
        let z = ((test.u - 1800.0).abs() - 0.5) / variance.sqrt();
        assert!(close(test.p_value, erfc(z / std::f64::consts::SQRT_2), 1e-12));
        assert!(test.p_value < 1e-6, "{test:?}");
    }

    #[test]
    fn exact_and_normal_agree_on_mid_sized_samples() {
        let x = around(100.0, 10.0, 20);
        let y: Vec<f64> = around(96.0, 10.0, 20).iter().map(|v| v + 0.01).collect();
        let exact = mann_whitney(&x, &y);
        assert_eq!(exact.method, PMethod::Exact);
        let normal = normal_p_value(exact.u, 20, 20, 0.0);
        assert!(close(exact.p_value, normal, 0.01), "{exact:?} vs {normal}");
    }

    #[test]
    fn bootstrap_interval_contains_the_true_ratio_and_excludes_one() {
        let baseline = around(100.0, 3.0, 10);
        let current = around(80.0, 3.0, 10);
        let ci = bootstrap_ratio_ci(&baseline, &current, 0.95, 10_000, 1).unwrap();
        assert!(ci.low <= 0.8 && 0.8 <= ci.high, "{ci:?}");
        assert!(ci.high < 1.0, "{ci:?}");
        assert!(ci.high - ci.low < 0.1, "{ci:?}");
        // Seeded: the same input gives the same interval.
        assert_eq!(bootstrap_ratio_ci(&baseline, &current, 0.95, 10_000, 1), Some(ci));
    }

    #[test]
    fn bootstrap_of_identical_samples_is_centred_on_one() {
        let sample = around(100.0, 10.0, 10);
        let ci = bootstrap_ratio_ci(&sample, &sample, 0.95, 10_000, 7).unwrap();
        assert!(ci.low < 1.0 && 1.0 < ci.high, "{ci:?}");
        assert!(close(ci.low * ci.high, 1.0, 0.02), "roughly symmetric in ratio: {ci:?}");
        let constant = bootstrap_ratio_ci(&[5.0; 4], &[5.0; 4], 0.95, 1_000, 7).unwrap();
        assert_eq!(constant, RatioInterval { low: 1.0, high: 1.0 });
    }

    #[test]
    fn bootstrap_without_a_ratio_is_none() {
        assert_eq!(bootstrap_ratio_ci(&[0.0, 0.0], &[1.0, 2.0], 0.95, 100, 1), None);
        assert_eq!(bootstrap_ratio_ci(&[], &[1.0], 0.95, 100, 1), None);
    }
}
