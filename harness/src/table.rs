//! The summary table printed at the end of `syncbench run`: one line per (workload, params, impl,
//! cores, threads), medians over the repeats. A point restricted with `--cores` shows its threads
//! as `4 on 2c`.

use std::collections::BTreeMap;
use std::fmt::Write;

use reports::variants::ParamVariants;
use reports::SummaryRow;

pub use reports::compare::stats::median;

/// (workload, params, impl, cores, threads).
type PointKey<'a> = (&'a str, &'a str, &'a str, usize, usize);

/// Renders the table; rows keep the order in which the points were first run. A workload that ran
/// several parameter sets shows, after its name, the parameters that tell them apart.
pub fn render(rows: &[SummaryRow]) -> String {
    let mut points: Vec<PointKey<'_>> = Vec::new();
    for row in rows {
        let key = (
            row.workload.as_str(),
            row.params.as_str(),
            row.implementation.as_str(),
            row.cores,
            row.threads,
        );
        if !points.contains(&key) {
            points.push(key);
        }
    }
    // Group by workload, then parameter set, then implementation, then threads ascending.
    let first = |f: &dyn Fn(&PointKey<'_>) -> bool| points.iter().position(f);
    let order = |key: &PointKey<'_>| {
        (
            first(&|p| p.0 == key.0),
            first(&|p| p.0 == key.0 && p.1 == key.1),
            first(&|p| p.0 == key.0 && p.1 == key.1 && p.2 == key.2),
            key.3,
            key.4,
        )
    };
    let mut sorted = points.clone();
    sorted.sort_by_key(order);
    let variants: BTreeMap<&str, ParamVariants> =
        points.iter().map(|p| (p.0, ParamVariants::of(p.0, rows, &[]))).collect();

    let mut out = String::new();
    let header = [
        "workload",
        "impl",
        "threads",
        "Mops/s",
        "spread",
        "p50 ns",
        "p99 ns",
        "fairness",
        "invariant",
    ];
    let mut lines = vec![header.map(str::to_owned).to_vec()];
    for (workload, params, implementation, cores, threads) in sorted {
        let repeats: Vec<&SummaryRow> = rows
            .iter()
            .filter(|r| {
                r.workload == workload
                    && r.params == params
                    && r.implementation == implementation
                    && r.cores == cores
                    && r.threads == threads
            })
            .collect();
        let pick =
            |f: fn(&SummaryRow) -> f64| median(&repeats.iter().map(|r| f(r)).collect::<Vec<_>>());
        let throughput = pick(|r| r.throughput_ops_s);
        let (low, high) = repeats.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            (lo.min(r.throughput_ops_s), hi.max(r.throughput_ops_s))
        });
        let spread = if throughput > 0.0 { 100.0 * (high - low) / throughput } else { 0.0 };
        let worst = repeats
            .iter()
            .map(|r| &r.invariant)
            .max_by_key(|invariant| invariant.outcome)
            .map_or_else(String::new, ToString::to_string);
        lines.push(vec![
            format!("{workload}{}", variants[workload].title_suffix(params)),
            implementation.to_owned(),
            match cores {
                0 => threads.to_string(),
                cores => format!("{threads} on {cores}c"),
            },
            millions(throughput),
            format!("±{:.0}%", spread / 2.0),
            format!("{:.0}", pick(|r| r.p50_ns)),
            format!("{:.0}", pick(|r| r.p99_ns)),
            format!("{:.2}", pick(|r| r.fairness)),
            worst,
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| lines.iter().map(|l| l[c].chars().count()).max().unwrap_or(0))
        .collect();
    for line in &lines {
        for (c, cell) in line.iter().enumerate() {
            let numeric = (2..8).contains(&c);
            let width = widths[c];
            let _ = if numeric {
                write!(out, "{cell:>width$}  ")
            } else {
                write!(out, "{cell:<width$}  ")
            };
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    out
}

/// A rate in millions per second with two decimals, or three significant digits below 0.1 (a
/// pool of sleeping tasks runs about a thousand tasks a second: 0.00100, not 0.00).
fn millions(per_second: f64) -> String {
    let millions = per_second / 1e6;
    if millions >= 0.1 || millions <= 0.0 {
        return format!("{millions:.2}");
    }
    let decimals = (2.0 - millions.log10().floor()) as usize;
    format!("{millions:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_rates_keep_three_significant_digits() {
        assert_eq!(millions(30_240_000.0), "30.24");
        assert_eq!(millions(150_000.0), "0.15");
        assert_eq!(millions(95_200.0), "0.0952");
        assert_eq!(millions(952.0), "0.000952");
        assert_eq!(millions(0.0), "0.00");
    }
}
