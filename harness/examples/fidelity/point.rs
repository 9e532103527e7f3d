//! A fidelity point: a bare loop and the suite's figure for the same operations, measured in
//! pairs, and the verdict on their ratio.
//!
//! Each round measures the bare loop and the suite once each, back to back on the same CPUs, the
//! order alternating between rounds so that neither side always runs on a warmer (or colder)
//! machine. One-thread points take the CPUs in turn, both sides of a pair on the same CPU: two
//! vCPUs of one VM can run at different speeds, and a pair split across them would compare the
//! CPUs, not the code. The verdict is the median of the paired ratios, with a distribution-free
//! interval from the order statistics.

use workloads::Registry;

use crate::suite::SuitePoint;

/// The band of suite/bare throughput ratios a point may show and still pass.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    pub low: f64,
    pub high: f64,
}

impl Tolerance {
    /// Wide enough for a shared 2-vCPU CI runner, narrow enough that a suite twice as slow as
    /// its bare loop fails.
    pub const NOISY: Tolerance = Tolerance { low: 0.7, high: 1.4 };
    /// For points where a cache line moves between the CPUs on every operation (two threads on
    /// one lock or channel): the transfer's cost flips between two regimes from one pair to the
    /// next (FACTS.md), on either side of the pair.
    pub const CONTENDED: Tolerance = Tolerance { low: 0.5, high: 2.0 };
    /// For points whose every operation waits for the scheduler (a hand-off that parks and
    /// wakes a thread, more threads than CPUs): their figure is the scheduler's, and pairs differ
    /// by more than the code under test does.
    pub const SCHEDULER_BOUND: Tolerance = Tolerance { low: 0.25, high: 4.0 };

    pub fn contains(self, ratio: f64) -> bool {
        (self.low..=self.high).contains(&ratio)
    }
}

/// A bare loop: nanoseconds per operation on these CPUs (thread `i` on `cpus[i % len]`).
pub type BareLoop = Box<dyn Fn(&[usize]) -> f64>;

/// One row of the fidelity table.
pub struct Point {
    pub family: &'static str,
    pub label: String,
    pub bare: BareLoop,
    pub suite: SuitePoint,
    pub tolerance: Tolerance,
}

impl Point {
    pub fn new(
        family: &'static str,
        label: impl Into<String>,
        suite: SuitePoint,
        bare: impl Fn(&[usize]) -> f64 + 'static,
    ) -> Self {
        Self {
            family,
            label: label.into(),
            bare: Box::new(bare),
            tolerance: if suite.threads == 1 { Tolerance::NOISY } else { Tolerance::CONTENDED },
            suite,
        }
    }

    /// The same point with its lower bound at `low`: the suite checks each operation at a cost
    /// the bare loop does not pay (each use says which check, the README what it costs).
    pub fn checks_cost(mut self, low: f64) -> Self {
        self.tolerance.low = self.tolerance.low.min(low);
        self
    }

    /// The same point with another band (each use says why it differs from the default).
    pub fn within(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Measures `rounds` pairs and returns the outcome.
    pub fn measure(&self, registry: &Registry, cpus: &[usize], rounds: usize) -> Outcome {
        let mut pairs = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let on: Vec<usize> = if self.suite.threads == 1 {
                vec![cpus[round % cpus.len()]]
            } else {
                cpus.to_vec()
            };
            let (bare, suite) = if round % 2 == 0 {
                let bare = (self.bare)(&on);
                (bare, self.suite.ns_per_op(registry, &on))
            } else {
                let suite = self.suite.ns_per_op(registry, &on);
                ((self.bare)(&on), suite)
            };
            pairs.push(Pair { bare_ns: bare, suite_ns: suite });
        }
        Outcome::of(pairs, self.tolerance)
    }
}

/// One round: both sides' nanoseconds per operation.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    pub bare_ns: f64,
    pub suite_ns: f64,
}

impl Pair {
    /// Suite throughput over bare throughput: below 1 the suite reports the rival slower than it is.
    pub fn ratio(self) -> f64 {
        self.bare_ns / self.suite_ns
    }
}

/// The verdict of one point.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub bare_ns: f64,
    pub suite_ns: f64,
    pub ratio: f64,
    /// An interval of the median ratio with at least 90 % coverage where the rounds allow it.
    pub interval: (f64, f64),
    pub tolerance: Tolerance,
}

impl Outcome {
    pub fn of(pairs: Vec<Pair>, tolerance: Tolerance) -> Outcome {
        let mut ratios: Vec<f64> = pairs.iter().map(|p| p.ratio()).collect();
        ratios.sort_by(f64::total_cmp);
        let median = |values: Vec<f64>| harness::table::median(&values);
        Outcome {
            bare_ns: median(pairs.iter().map(|p| p.bare_ns).collect()),
            suite_ns: median(pairs.iter().map(|p| p.suite_ns).collect()),
            ratio: median(ratios.clone()),
            interval: median_interval(&ratios),
            tolerance,
        }
    }

    pub fn passed(&self) -> bool {
        self.tolerance.contains(self.ratio)
    }
}

/// The order-statistic interval of the median of `sorted`: the widest-inward `[x(k), x(n+1-k)]`
/// whose coverage, 1 - 2 P(Binomial(n, 1/2) < k), is still at least 90 %; the whole range when no
/// inner one is.
pub fn median_interval(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let total = 2f64.powi(n as i32);
    let mut k = 1;
    // Sum of C(n, j) for j < k, and C(n, k).
    let (mut below, mut next) = (1.0, n as f64);
    while k < n.div_ceil(2) && 1.0 - 2.0 * (below + next) / total >= 0.90 {
        below += next;
        k += 1;
        next = next * (n - k + 1) as f64 / k as f64;
    }
    (sorted[k - 1], sorted[n - k])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(ratios: &[f64]) -> Vec<Pair> {
        ratios.iter().map(|&r| Pair { bare_ns: 10.0 * r, suite_ns: 10.0 }).collect()
    }

    #[test]
    fn a_suite_as_fast_as_its_bare_loop_passes() {
        let outcome = Outcome::of(pairs(&[0.95, 1.02, 0.99, 1.1, 0.9]), Tolerance::NOISY);
        assert!(outcome.passed());
        assert_eq!(outcome.ratio, 0.99);
    }

    #[test]
    fn a_suite_twice_as_slow_fails_even_with_one_lucky_round() {
        let outcome = Outcome::of(pairs(&[0.5, 0.52, 1.0, 0.48, 0.55]), Tolerance::NOISY);
        assert!(!outcome.passed());
        assert_eq!(outcome.interval, (0.48, 1.0));
    }

    #[test]
    fn a_suite_faster_than_its_bare_loop_fails_too() {
        assert!(!Outcome::of(pairs(&[1.6, 1.7, 1.5]), Tolerance::NOISY).passed());
    }

    #[test]
    fn the_median_interval_narrows_as_rounds_grow() {
        let five: Vec<f64> = (1..=5).map(f64::from).collect();
        assert_eq!(median_interval(&five), (1.0, 5.0));
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        // 1 - 2 P(B(11, 1/2) <= 1) = 0.988; 1 - 2 P(B <= 2) = 0.935; 1 - 2 P(B <= 3) = 0.773.
        assert_eq!(median_interval(&eleven), (3.0, 9.0));
    }
}
