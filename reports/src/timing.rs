//! The `timing` column: how a row's latencies were obtained, as text for users and scripts and
//! as a type for the charts and the report.
//!
//! - `per-op(clock tsc, overhead 30 ns)`: every operation timed alone (`per-op` in older files).
//! - `sampled(1/612, clock tsc, overhead 30 ns)`: single operations timed alone, about one in 612,
//!   the others run in batches whose stalls are bounded.
//! - `batch-mean(130)`: each sample is a batch's time / its size, about 130 operations (a
//!   worker whose natural step is a batch, or `--latency batch-mean`).

use std::fmt;

/// A parsed `timing` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LatencyTiming {
    /// Every operation timed alone; the clock, where the row says.
    PerOp { clock: Option<String> },
    /// One operation in about `one_in` timed alone.
    Sampled { one_in: u64, clock: String },
    /// Batch means over batches of about `size`.
    BatchMean { size: u64 },
    /// A value this version does not know, kept as written.
    Other(String),
}

impl LatencyTiming {
    pub fn parse(text: &str) -> Self {
        let other = || LatencyTiming::Other(text.to_owned());
        if text == "per-op" {
            return LatencyTiming::PerOp { clock: None };
        }
        let Some((name, inner)) = text.strip_suffix(')').and_then(|t| t.split_once('(')) else {
            return other();
        };
        match name {
            "per-op" => LatencyTiming::PerOp { clock: Some(inner.to_owned()) },
            "batch-mean" => inner
                .trim()
                .parse()
                .map_or_else(|_| other(), |size| LatencyTiming::BatchMean { size }),
            "sampled" => {
                let (rate, clock) = inner.split_once(", ").unwrap_or((inner, ""));
                match rate.strip_prefix("1/").and_then(|n| n.parse().ok()) {
                    Some(one_in) => LatencyTiming::Sampled { one_in, clock: clock.to_owned() },
                    None => other(),
                }
            }
            _ => other(),
        }
    }

    /// Whether the latencies describe single operations (timed alone, all or sampled).
    pub fn is_single_op(&self) -> bool {
        matches!(self, LatencyTiming::PerOp { .. } | LatencyTiming::Sampled { .. })
    }
}

impl fmt::Display for LatencyTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LatencyTiming::PerOp { clock: None } => write!(f, "per-op"),
            LatencyTiming::PerOp { clock: Some(clock) } => write!(f, "per-op({clock})"),
            LatencyTiming::Sampled { one_in, clock } if clock.is_empty() => {
                write!(f, "sampled(1/{one_in})")
            }
            LatencyTiming::Sampled { one_in, clock } => write!(f, "sampled(1/{one_in}, {clock})"),
            LatencyTiming::BatchMean { size } => write!(f, "batch-mean({size})"),
            LatencyTiming::Other(text) => f.write_str(text),
        }
    }
}

/// A point's `timing` values in one line: distinct methods, with the rates of `sampled` and the
/// sizes of `batch-mean` folded into ranges (`sampled(1/580–1/640, clock tsc, …)`).
pub fn summarise<'a>(timings: impl Iterator<Item = &'a str>) -> String {
    let mut rates: Vec<u64> = Vec::new();
    let mut clocks: Vec<String> = Vec::new();
    let mut sizes: Vec<u64> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for timing in timings {
        match LatencyTiming::parse(timing) {
            LatencyTiming::Sampled { one_in, clock } => {
                rates.push(one_in);
                if !clocks.contains(&clock) {
                    clocks.push(clock);
                }
            }
            LatencyTiming::BatchMean { size } => sizes.push(size),
            parsed => {
                let text = parsed.to_string();
                if !others.contains(&text) {
                    others.push(text);
                }
            }
        }
    }
    others.sort();
    let range = |values: &[u64], prefix: &str| {
        let (low, high) = (values.iter().min()?, values.iter().max()?);
        Some(if low == high {
            format!("{prefix}{low}")
        } else {
            format!("{prefix}{low}–{prefix}{high}")
        })
    };
    if let Some(rate) = range(&rates, "1/") {
        let clock = if clocks.len() == 1 { clocks[0].clone() } else { String::new() };
        others.push(if clock.is_empty() {
            format!("sampled({rate})")
        } else {
            format!("sampled({rate}, {clock})")
        });
    }
    if let Some(size) = range(&sizes, "") {
        others.push(format!("batch-mean({size})"));
    }
    others.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_back_as_written() {
        for text in [
            "per-op",
            "per-op(clock tsc, overhead 30 ns)",
            "sampled(1/612, clock tsc, overhead 30 ns)",
            "batch-mean(130)",
            "something new",
        ] {
            assert_eq!(LatencyTiming::parse(text).to_string(), text);
        }
        assert_eq!(
            LatencyTiming::parse("sampled(1/612, clock tsc, overhead 30 ns)"),
            LatencyTiming::Sampled { one_in: 612, clock: "clock tsc, overhead 30 ns".into() }
        );
        assert_eq!(
            LatencyTiming::parse("batch-mean(x)"),
            LatencyTiming::Other("batch-mean(x)".into())
        );
    }

    #[test]
    fn single_op_methods_are_told_from_batch_means() {
        assert!(LatencyTiming::parse("per-op").is_single_op());
        assert!(LatencyTiming::parse("sampled(1/9, clock tsc, overhead 9 ns)").is_single_op());
        assert!(!LatencyTiming::parse("batch-mean(64)").is_single_op());
        assert!(!LatencyTiming::parse("garbled").is_single_op());
    }

    #[test]
    fn a_point_folds_its_rates_and_sizes_into_ranges() {
        let timings = ["batch-mean(130)", "batch-mean(124)", "per-op", "batch-mean(135)"];
        assert_eq!(summarise(timings.into_iter()), "per-op, batch-mean(124–135)");
        assert_eq!(summarise(["per-op", "per-op"].into_iter()), "per-op");
        let sampled = ["sampled(1/640, clock tsc)", "sampled(1/580, clock tsc)"];
        assert_eq!(summarise(sampled.into_iter()), "sampled(1/580–1/640, clock tsc)");
    }
}
