//! The verdict on a whole curve: one implementation's throughput across its thread counts,
//! measured in pairs. A change too small to decide at any one thread count can be decided over
//! the curve, and a reader asks "did spin-lock get slower?" before "at how many threads?".
//!
//! The curve's change is the geometric mean, over its thread counts, of the points' paired
//! ratios: `exp(mean of the points' Hodges–Lehmann log-ratio estimates) - 1`. Its interval is a
//! percentile bootstrap of that same statistic at the points' level (`1 - alpha / looks`): it
//! redraws the pairs of every point (with replacement, each point on its own) and recomputes the
//! mean of the points' estimates. The verdict reads that interval against the threshold exactly
//! as [`decide_paired`] reads a point's.
//!
//! Where a curve has three or more thread counts, starting at one, each side's medians are also
//! fitted to the Universal Scalability Law, `X(N) = X(1) N / (1 + σ (N - 1) + κ N (N - 1))`, so
//! a change shows as more contention (σ) or more coherency cost (κ).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::paired::hodges_lehmann;
use super::point::{PointComparison, PointKey};
use super::verdict::{decide_paired, Metric, PointVerdict};
use super::CompareSettings;

/// Resamples of the curve's bootstrap (a curve holds up to a few hundred pairs).
const CURVE_RESAMPLES: usize = 1_000;

/// One implementation's curve: a (workload, params, impl, cores) over its thread counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveComparison {
    /// The curve's first point (its threads say nothing about the curve).
    pub key: PointKey,
    pub threads: Vec<usize>,
    /// The geometric-mean change over the curve, as `ratio - 1`.
    pub change: f64,
    /// Its bootstrap interval, as `ratio - 1` at both ends.
    pub interval: (f64, f64),
    pub verdict: PointVerdict,
    /// The Universal Scalability Law fitted to each side (baseline, current), where it can be.
    pub scalability: Option<(UslFit, UslFit)>,
}

/// The contention and coherency coefficients of a fitted Universal Scalability Law.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UslFit {
    /// σ: the share of the work that is serialised.
    pub contention: f64,
    /// κ: the cost of keeping every pair of threads coherent.
    pub coherency: f64,
}

/// The curves of every implementation measured in pairs at two or more thread counts.
pub fn curves(points: &[PointComparison], settings: &CompareSettings) -> Vec<CurveComparison> {
    let mut groups: Vec<Vec<&PointComparison>> = Vec::new();
    for point in points.iter().filter(|p| p.throughput.paired.is_some()) {
        let same = |other: &PointComparison| {
            let (a, b) = (&other.key, &point.key);
            (&a.workload, &a.params, &a.implementation, a.cores)
                == (&b.workload, &b.params, &b.implementation, b.cores)
        };
        match groups.iter_mut().find(|group| same(group[0])) {
            Some(group) => group.push(point),
            None => groups.push(vec![point]),
        }
    }
    groups
        .into_iter()
        .filter(|group| group.len() >= 2)
        .map(|group| curve(&group, settings))
        .collect()
}

fn curve(points: &[&PointComparison], settings: &CompareSettings) -> CurveComparison {
    let samples: Vec<&[f64]> = points
        .iter()
        .map(|p| p.throughput.paired.as_ref().map_or(&[][..], |t| &t.log_ratios[..]))
        .collect();
    let estimate =
        samples.iter().map(|sample| hodges_lehmann(sample)).sum::<f64>() / points.len() as f64;
    let interval = bootstrap_mean_estimate(&samples, settings.alpha_per_look(), settings.seed);
    let absolute = points
        .iter()
        .map(|p| p.throughput.current.median - p.throughput.baseline.median)
        .sum::<f64>();
    let threads: Vec<usize> = points.iter().map(|p| p.key.threads).collect();
    let side = |pick: fn(&PointComparison) -> f64| -> Vec<(usize, f64)> {
        points.iter().map(|p| (p.key.threads, pick(p))).collect()
    };
    let scalability = fit_usl(&side(|p| p.throughput.baseline.median))
        .zip(fit_usl(&side(|p| p.throughput.current.median)));
    CurveComparison {
        key: points[0].key.clone(),
        threads,
        change: estimate.exp_m1(),
        interval,
        verdict: decide_paired(Metric::Throughput, Some(interval), absolute, settings.threshold),
        scalability,
    }
}

/// The `1 - alpha` percentile interval of the mean of the points' Hodges–Lehmann log-ratio
/// estimates, as `ratio - 1`.
fn bootstrap_mean_estimate(samples: &[&[f64]], alpha: f64, seed: u64) -> (f64, f64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut scratch = Vec::new();
    let mut means: Vec<f64> = (0..CURVE_RESAMPLES)
        .map(|_| {
            let total: f64 = samples
                .iter()
                .map(|sample| {
                    scratch.clear();
                    scratch.extend(
                        (0..sample.len()).map(|_| sample[rng.random_range(0..sample.len())]),
                    );
                    hodges_lehmann(&scratch)
                })
                .sum();
            total / samples.len() as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (means.len() - 1) as f64).round() as usize).min(means.len() - 1)];
    (at(alpha / 2.0).exp_m1(), at(1.0 - alpha / 2.0).exp_m1())
}

/// Least squares of the linearised law, `N X(1) / X(N) - 1 = σ (N - 1) + κ N (N - 1)`, over the
/// thread counts above one. `None` without a point at one thread and two above it, or when the
/// counts cannot separate σ from κ.
pub fn fit_usl(points: &[(usize, f64)]) -> Option<UslFit> {
    let single = points.iter().find(|(n, _)| *n == 1)?.1;
    let above: Vec<(f64, f64)> = points
        .iter()
        .filter(|(n, x)| *n > 1 && *x > 0.0)
        .map(|&(n, x)| (n as f64, n as f64 * single / x - 1.0))
        .collect();
    if above.len() < 2 || single <= 0.0 {
        return None;
    }
    // Normal equations for y = σ a + κ b with a = N - 1, b = N (N - 1).
    let (mut aa, mut ab, mut bb, mut ay, mut by) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(n, y) in &above {
        let (a, b) = (n - 1.0, n * (n - 1.0));
        aa += a * a;
        ab += a * b;
        bb += b * b;
        ay += a * y;
        by += b * y;
    }
    let determinant = aa * bb - ab * ab;
    if determinant.abs() < 1e-12 * aa * bb {
        return None;
    }
    Some(UslFit {
        contention: (ay * bb - by * ab) / determinant,
        coherency: (by * aa - ay * ab) / determinant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usl_fit_recovers_the_coefficients_it_was_drawn_from() {
        let (sigma, kappa) = (0.1, 0.02);
        let law = |n: f64| 1000.0 * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
        let points: Vec<(usize, f64)> = [1, 2, 4, 8].iter().map(|&n| (n, law(n as f64))).collect();
        let fit = fit_usl(&points).unwrap();
        assert!((fit.contention - sigma).abs() < 1e-9, "{fit:?}");
        assert!((fit.coherency - kappa).abs() < 1e-9, "{fit:?}");
        // Two thread counts cannot give two coefficients.
        assert_eq!(fit_usl(&points[..2]), None);
        assert_eq!(fit_usl(&points[1..]), None);
    }

    #[test]
    fn the_bootstrap_brackets_a_shift_common_to_every_point() {
        let slower: Vec<f64> =
            (0..20).map(|i| (0.95f64).ln() + 0.005 * ((i % 5) as f64 - 2.0)).collect();
        let level: Vec<f64> = (0..20).map(|i| 0.005 * ((i % 5) as f64 - 2.0)).collect();
        let (low, high) = bootstrap_mean_estimate(&[&slower, &slower], 0.05, 1);
        assert!(low < -0.05 + 0.005 && high > -0.05 - 0.005 && high < -0.04, "[{low}, {high}]");
        // One point 5% slower and one level: the curve is about 2.5% slower.
        let (low, high) = bootstrap_mean_estimate(&[&slower, &level], 0.05, 1);
        assert!(low < -0.025 && -0.025 < high, "[{low}, {high}]");
    }
}
