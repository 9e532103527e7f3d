//! The scoreboard: each hand-rolled primitive against its home rivals, as the ratio
//! hand-rolled / rival of paired repeats, with a distribution-free interval of the median ratio.
//!
//! Pairing: the runner interleaves the implementations of a point (A B A B ...), so repeat `k` of
//! the hand-rolled one and repeat `k` of the rival ran next to each other and saw the same machine
//! state. Their ratio cancels the drift that moves both (a noisy neighbour, the vCPUs' placement),
//! which unpaired medians would carry into the comparison.
//!
//! Interval: the order statistics `(k, n + 1 - k)` of the `n` sorted ratios cover the true median
//! ratio with probability `1 - 2 P(B < k)`, `B ~ Binomial(n, 1/2)`, whatever the distribution (the
//! sign-test interval). The widest `k` that reaches the asked confidence is used; with fewer than
//! six pairs none reaches 95 %, so the full range is given with the coverage it has.

use std::fmt::Write as _;

use crate::record::SummaryRow;

/// The coverage asked of every interval.
pub const CONFIDENCE: f64 = 0.95;

/// One hand-rolled implementation against one rival, on its home workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    pub workload: String,
    pub implementation: String,
    pub rival: String,
    /// `throughput`, `tail-latency` or `fairness`.
    pub axis: String,
    /// Why it should win there, in a few words.
    pub claim: String,
}

/// A median with its distribution-free interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    /// The probability that the interval covers the true median.
    pub coverage: f64,
}

/// One pairing at one thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// The parameter set, as in `summary.csv`.
    pub params: String,
    pub threads: usize,
    /// Pairs of adjacent repeats behind the intervals.
    pub pairs: usize,
    /// Hand-rolled throughput / rival throughput.
    pub throughput: Interval,
    /// On the claimed axis, oriented so that above 1 means the hand-rolled one is better (rival
    /// p99 / own p99; own fairness / rival fairness); `None` when the axis is throughput.
    pub axis: Option<Interval>,
}

/// `P(B <= k)` for `B ~ Binomial(n, 1/2)`.
fn binomial_half_cdf(n: usize, k: usize) -> f64 {
    let mut term = 0.5f64.powi(n as i32); // P(B = 0)
    let mut sum = term;
    for i in 0..k.min(n) {
        term *= (n - i) as f64 / (i + 1) as f64;
        sum += term;
    }
    sum
}

/// The median of `values` and its sign-test interval at `confidence` (or the full range, with
/// its lower coverage, when there are too few values); `None` if empty.
pub fn median_interval(values: &[f64], confidence: f64) -> Option<Interval> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = crate::compare::stats::median(&sorted);
    // 1-based order statistic k; coverage of (x_k, x_{n+1-k}) is 1 - 2 P(B <= k - 1).
    let coverage = |k: usize| 1.0 - 2.0 * binomial_half_cdf(n, k - 1);
    let k = (1..=n.div_ceil(2)).rev().find(|&k| coverage(k) >= confidence).unwrap_or(1);
    Some(Interval { median, low: sorted[k - 1], high: sorted[n - k], coverage: coverage(k) })
}

/// The scores of every pairing found in `rows`, per parameter set (in the order they first
/// appear), threads ascending.
pub fn score(rows: &[SummaryRow], pairing: &Pairing) -> Vec<Score> {
    score_paired_by(rows, pairing, |row| row.repeat)
}

/// [`score`] with repeats matched by `repeat_of` (the tests' broken twin matches neighbours).
fn score_paired_by(
    rows: &[SummaryRow],
    pairing: &Pairing,
    repeat_of: fn(&SummaryRow) -> usize,
) -> Vec<Score> {
    let own: Vec<&SummaryRow> = rows
        .iter()
        .filter(|r| r.workload == pairing.workload && r.implementation == pairing.implementation)
        .collect();
    let mut points: Vec<(&str, usize)> = Vec::new();
    for row in &own {
        if !points.contains(&(row.params.as_str(), row.threads)) {
            points.push((&row.params, row.threads));
        }
    }
    let order: Vec<&str> = points.iter().map(|p| p.0).collect();
    let first_seen = |params: &str| order.iter().position(|p| *p == params);
    points.sort_by_key(|&(params, threads)| (first_seen(params), threads));
    let mut scores = Vec::new();
    for (params, t) in points {
        let mut throughput = Vec::new();
        let mut axis = Vec::new();
        for mine in own.iter().filter(|r| r.threads == t && r.params == params) {
            let Some(theirs) = rows.iter().find(|r| {
                r.workload == pairing.workload
                    && r.implementation == pairing.rival
                    && r.threads == t
                    && r.run_id == mine.run_id
                    && r.params == mine.params
                    && r.cores == mine.cores
                    && r.repeat == repeat_of(mine)
            }) else {
                continue;
            };
            throughput.push(mine.throughput_ops_s / theirs.throughput_ops_s);
            match pairing.axis.as_str() {
                "tail-latency" => axis.push(theirs.p99_ns / mine.p99_ns),
                "fairness" => axis.push(mine.fairness / theirs.fairness),
                _ => {}
            }
        }
        let Some(throughput_interval) = median_interval(&throughput, CONFIDENCE) else {
            continue;
        };
        scores.push(Score {
            params: params.to_owned(),
            threads: t,
            pairs: throughput.len(),
            throughput: throughput_interval,
            axis: median_interval(&axis, CONFIDENCE),
        });
    }
    scores
}

/// A ratio with three significant digits.
fn ratio(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else if value >= 0.1 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

fn interval_label(interval: &Interval) -> String {
    format!("{}× [{}, {}]", ratio(interval.median), ratio(interval.low), ratio(interval.high))
}

/// The scoreboard as text, one block per pairing, each line within 80 columns.
pub fn render(scored: &[(Pairing, Vec<Score>)]) -> String {
    let mut out = String::from(
        "scoreboard: hand-rolled / rival, median ratio of paired adjacent repeats\n\
         [sign-test interval of the median; its coverage and pairs in brackets]\n",
    );
    for (pairing, scores) in scored {
        let _ = writeln!(
            out,
            "\n{}: {} vs {}",
            pairing.workload, pairing.implementation, pairing.rival
        );
        let _ = writeln!(out, "  meant to win on {}: {}", pairing.axis, pairing.claim);
        if scores.is_empty() {
            out.push_str("  no paired repeats found\n");
        }
        let several = scores.iter().any(|s| s.params != scores[0].params);
        for (index, score) in scores.iter().enumerate() {
            if several && (index == 0 || scores[index - 1].params != score.params) {
                let _ = writeln!(out, "  {}", score.params);
            }
            let mut line = format!(
                "  {:>2} thr: throughput {} ({:.0}%, {})",
                score.threads,
                interval_label(&score.throughput),
                100.0 * score.throughput.coverage,
                score.pairs
            );
            if let Some(axis) = &score.axis {
                let more = format!("{} {}", pairing.axis, interval_label(axis));
                if line.chars().count() + 2 + more.chars().count() <= 80 {
                    let _ = write!(line, "; {more}");
                } else {
                    let _ = write!(line, ";\n          {more}");
                }
            }
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_test_intervals_have_the_textbook_coverage() {
        let five = median_interval(&[5.0, 1.0, 4.0, 2.0, 3.0], 0.95).unwrap();
        assert_eq!((five.median, five.low, five.high), (3.0, 1.0, 5.0));
        assert!((five.coverage - 0.9375).abs() < 1e-12, "too few for 95%: the range, 93.75%");
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        let interval = median_interval(&twenty, 0.95).unwrap();
        // n = 20: (x_6, x_15), coverage 1 - 2 P(B <= 5) = 0.9586.
        assert_eq!((interval.low, interval.high), (6.0, 15.0));
        assert!((interval.coverage - 0.958_610_5).abs() < 1e-6, "{}", interval.coverage);
        assert!(median_interval(&[], 0.95).is_none());
    }

    fn row(implementation: &str, repeat: usize, throughput: f64) -> SummaryRow {
        SummaryRow {
            run_id: "r".into(),
            workload: "counter".into(),
            implementation: implementation.into(),
            threads: 2,
            repeat,
            throughput_ops_s: throughput,
            fairness: 1.0,
            ..SummaryRow::default()
        }
    }

    /// A drift that moves both implementations alike cancels in adjacent pairs (every ratio is
    /// exactly 2); the twin that pairs each repeat with the rival's next one carries the drift
    /// into a wide interval.
    #[test]
    fn pairing_adjacent_repeats_cancels_shared_drift() {
        let mut rows = Vec::new();
        for repeat in 1..=7 {
            let drift = repeat as f64;
            rows.push(row("mine", repeat, 2.0 * drift));
            rows.push(row("theirs", repeat, drift));
        }
        let pairing = Pairing {
            workload: "counter".into(),
            implementation: "mine".into(),
            rival: "theirs".into(),
            axis: "fairness".into(),
            claim: "test".into(),
        };
        let scores = score(&rows, &pairing);
        assert_eq!(scores.len(), 1);
        let paired = scores[0].throughput;
        assert_eq!((paired.low, paired.median, paired.high), (2.0, 2.0, 2.0));
        assert_eq!(scores[0].pairs, 7);
        assert_eq!(scores[0].axis.unwrap().median, 1.0);
        let shifted = score_paired_by(&rows, &pairing, |r| r.repeat + 1);
        let twin = shifted[0].throughput;
        assert!(twin.high - twin.low > 0.3, "the mispaired twin is wide: {twin:?}");
        let text = render(&[(pairing, scores)]);
        assert!(text.contains(" 2 thr: throughput 2.00× [2.00, 2.00] (98%, 7); fairness 1.00×"));
        assert!(text.contains("\ncounter: mine vs theirs\n  meant to win on fairness: test\n"));
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    }
}
