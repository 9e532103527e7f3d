//! Paired samples: the baseline and the current side measured back to back, pair by pair (the
//! `pair` column a paired gate run writes). Pairing removes what both trials of a pair share —
//! the machine's state in those hundred milliseconds, its cache-transfer regime, a neighbour's
//! load — so the change is read from the paired log-ratios `ln(current / baseline)` alone.
//!
//! The test is Wilcoxon's signed-rank test of those log-ratios, and the change its Hodges–Lehmann
//! estimate (the median of the Walsh averages, `(d_i + d_j) / 2` for `i ≤ j`) with the matching
//! distribution-free confidence interval. Both assume only that the log-ratios are independent
//! and symmetric about the true change; the signed-rank distribution is counted exactly up to
//! [`EXACT_PAIRS`] pairs and approximated by a normal beyond.

use super::stats::erfc;

/// Up to this many pairs the signed-rank distribution is counted exactly (about `n³ / 2` steps:
/// 32 million at 400).
pub const EXACT_PAIRS: usize = 400;

/// The smallest ratio a log-ratio is taken of: a side that completed nothing in its trial
/// counts as a billionth of the other, not as minus infinity.
const SMALLEST_RATIO: f64 = 1e-9;

/// One metric of one point, compared pair by pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedTest {
    /// The paired log-ratios `ln(current / baseline)`, in pair order.
    pub log_ratios: Vec<f64>,
    /// Two-sided p-value of the signed-rank test: how likely log-ratios this far from symmetric
    /// about 0 are when nothing changed.
    pub p_value: f64,
    /// The Hodges–Lehmann estimate of the change, as `ratio - 1`.
    pub change: f64,
    /// Its confidence interval at `1 - alpha`, as `ratio - 1` at both ends; `None` when there are
    /// too few pairs for any interval at that level (`2^-n > alpha / 2`).
    pub interval: Option<(f64, f64)>,
}

impl PairedTest {
    /// Tests `(baseline, current)` pairs at level `alpha`. `None` when there is no pair or a
    /// baseline value is not above 0 (no ratio).
    pub fn of(pairs: &[(f64, f64)], alpha: f64) -> Option<Self> {
        if pairs.is_empty() || pairs.iter().any(|&(base, _)| base <= 0.0 || !base.is_finite()) {
            return None;
        }
        let log_ratios: Vec<f64> =
            pairs.iter().map(|&(base, now)| (now / base).max(SMALLEST_RATIO).ln()).collect();
        Some(Self::of_log_ratios(log_ratios, alpha))
    }

    /// The test of log-ratios already taken.
    pub fn of_log_ratios(log_ratios: Vec<f64>, alpha: f64) -> Self {
        let distribution = SignedRank::new(log_ratios.len());
        let walsh = walsh_averages(&log_ratios);
        let estimate = median_of_sorted(&walsh);
        let interval = distribution
            .interval_ranks(alpha)
            .map(|(low, high)| (walsh[low].exp_m1(), walsh[high].exp_m1()));
        let p_value = distribution.p_value(positive_rank_sum(&log_ratios));
        Self { log_ratios, p_value, change: estimate.exp_m1(), interval }
    }

    pub fn pairs(&self) -> usize {
        self.log_ratios.len()
    }
}

/// The Hodges–Lehmann estimate of the centre of `values`: the median of their Walsh averages.
pub fn hodges_lehmann(values: &[f64]) -> f64 {
    median_of_sorted(&walsh_averages(values))
}

/// The sorted Walsh averages `(d_i + d_j) / 2`, `i ≤ j`: `n (n + 1) / 2` of them.
fn walsh_averages(values: &[f64]) -> Vec<f64> {
    let mut averages = Vec::with_capacity(values.len() * (values.len() + 1) / 2);
    for (i, &a) in values.iter().enumerate() {
        for &b in &values[i..] {
            averages.push((a + b) / 2.0);
        }
    }
    averages.sort_by(f64::total_cmp);
    averages
}

fn median_of_sorted(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// `T+`: the sum of the ranks of `|d|` over the positive `d` (ties share their average rank;
/// a zero counts half, as a tie between the signs).
fn positive_rank_sum(values: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].abs().total_cmp(&values[b].abs()));
    let mut sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let magnitude = values[order[start]].abs();
        let mut end = start;
        while end + 1 < order.len() && values[order[end + 1]].abs() == magnitude {
            end += 1;
        }
        let rank = (start + end) as f64 / 2.0 + 1.0;
        for &index in &order[start..=end] {
            let value = values[index];
            sum += if value > 0.0 {
                rank
            } else if value == 0.0 {
                rank / 2.0
            } else {
                0.0
            };
        }
        start = end + 1;
    }
    sum
}

/// The null distribution of `T+` for `n` pairs: each rank's sign a fair coin.
struct SignedRank {
    n: usize,
    /// `cdf[t] = P(T+ ≤ t)` for `t` in `0..=n(n+1)/2`; empty beyond [`EXACT_PAIRS`].
    cdf: Vec<f64>,
}

impl SignedRank {
    fn new(n: usize) -> Self {
        if n > EXACT_PAIRS {
            return Self { n, cdf: Vec::new() };
        }
        let most = n * (n + 1) / 2;
        // probability[t] after rank k: P(the signed ranks 1..=k sum to t).
        let mut probability = vec![0.0; most + 1];
        probability[0] = 1.0;
        for rank in 1..=n {
            let reach = rank * (rank + 1) / 2;
            for t in (0..=reach).rev() {
                let with = if t >= rank { probability[t - rank] } else { 0.0 };
                probability[t] = (probability[t] + with) / 2.0;
            }
        }
        let mut running = 0.0;
        let cdf = probability
            .iter()
            .map(|p| {
                running += p;
                running
            })
            .collect();
        Self { n, cdf }
    }

    fn mean(&self) -> f64 {
        (self.n * (self.n + 1)) as f64 / 4.0
    }

    fn sd(&self) -> f64 {
        ((self.n * (self.n + 1) * (2 * self.n + 1)) as f64 / 24.0).sqrt()
    }

    /// `P(T+ ≤ t)`.
    fn at_most(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 0.0;
        }
        if self.cdf.is_empty() {
            // Normal with a continuity correction.
            let z = (t.floor() + 0.5 - self.mean()) / self.sd();
            return 0.5 * erfc(-z / std::f64::consts::SQRT_2);
        }
        self.cdf[(t.floor() as usize).min(self.cdf.len() - 1)]
    }

    /// Two-sided p-value of an observed `T+` (the distribution is symmetric about its mean).
    fn p_value(&self, positive_rank_sum: f64) -> f64 {
        if self.n == 0 {
            return 1.0;
        }
        let most = (self.n * (self.n + 1) / 2) as f64;
        let low = positive_rank_sum.min(most - positive_rank_sum);
        (2.0 * self.at_most(low)).min(1.0)
    }

    /// The 0-based ranks `(c - 1, M - c)` of the sorted Walsh averages that bound the
    /// `1 - alpha` interval, `c` the largest count with `P(T+ ≤ c - 1) ≤ alpha / 2`.
    fn interval_ranks(&self, alpha: f64) -> Option<(usize, usize)> {
        let most = self.n * (self.n + 1) / 2;
        if self.n == 0 || self.at_most(0.0) > alpha / 2.0 {
            return None;
        }
        let mut c = 1;
        while c < most && self.at_most(c as f64) <= alpha / 2.0 {
            c += 1;
        }
        // P(T+ ≤ c - 1) ≤ alpha / 2 < P(T+ ≤ c).
        Some((c - 1, most - c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_rank_distribution_counts_every_sign_pattern() {
        // n = 3: sums 0,1,2,3,3,4,5,6 over 8 patterns.
        let three = SignedRank::new(3);
        let expected = [1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0].map(|c| c / 8.0);
        for (t, want) in expected.iter().enumerate() {
            assert!((three.at_most(t as f64) - want).abs() < 1e-12, "t={t}");
        }
        assert_eq!(three.at_most(6.0), 1.0);
    }

    #[test]
    fn exact_and_normal_agree_near_the_limit() {
        let exact = SignedRank::new(60);
        let normal = SignedRank { n: 60, cdf: Vec::new() };
        for t in [500.0, 700.0, 915.0, 1100.0] {
            assert!((exact.at_most(t) - normal.at_most(t)).abs() < 0.005, "t={t}");
        }
    }

    #[test]
    fn a_textbook_example_gives_the_published_p_value() {
        // Differences with T+ = 3 of n = 8 (ranks 1 and 2 positive): exact two-sided p = 0.039.
        let d = [0.1, -0.3, 0.2, -0.4, -0.5, -0.6, -0.7, -0.8];
        assert_eq!(positive_rank_sum(&d), 3.0);
        let p = SignedRank::new(8).p_value(3.0);
        assert!((p - 10.0 / 256.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn a_shift_in_every_pair_is_found_and_bracketed() {
        // Current 5% slower in every pair, ±1% noise: the interval holds -5% and excludes 0.
        let pairs: Vec<(f64, f64)> =
            (0..16).map(|i| (100.0, 95.0 * (1.0 + 0.01 * ((i % 5) as f64 - 2.0) / 2.0))).collect();
        let test = PairedTest::of(&pairs, 0.01).unwrap();
        let (low, high) = test.interval.unwrap();
        assert!(low < -0.05 && -0.05 < high && high < 0.0, "[{low}, {high}]");
        assert!((test.change + 0.05).abs() < 0.005, "{}", test.change);
        assert!(test.p_value < 0.001, "{}", test.p_value);
    }

    #[test]
    fn no_change_is_bracketed_around_zero() {
        let pairs: Vec<(f64, f64)> = (0..20)
            .map(|i| {
                (
                    100.0,
                    100.0
                        * (1.0 + 0.02 * if i % 2 == 0 { 1.0 } else { -1.0 } * (i % 7) as f64 / 7.0),
                )
            })
            .collect();
        let test = PairedTest::of(&pairs, 0.05).unwrap();
        let (low, high) = test.interval.unwrap();
        assert!(low < 0.0 && 0.0 < high, "[{low}, {high}]");
        assert!(test.p_value > 0.05, "{}", test.p_value);
    }

    #[test]
    fn too_few_pairs_give_no_interval_and_no_baseline_no_test() {
        let pairs = [(100.0, 90.0); 5];
        // 2^-5 = 0.031 > 0.01 / 2.
        assert_eq!(PairedTest::of(&pairs, 0.01).unwrap().interval, None);
        assert!(PairedTest::of(&pairs, 0.1).unwrap().interval.is_some());
        assert_eq!(PairedTest::of(&[(0.0, 1.0)], 0.05), None);
        assert_eq!(PairedTest::of(&[], 0.05), None);
    }

    #[test]
    fn a_side_that_completed_nothing_is_far_slower_not_infinite() {
        let mut pairs = vec![(100.0, 99.0); 9];
        pairs.push((100.0, 0.0));
        let test = PairedTest::of(&pairs, 0.05).unwrap();
        assert!(test.change.is_finite() && test.interval.unwrap().0.is_finite());
    }
}
