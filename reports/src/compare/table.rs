//! The content of the comparison tables, cell by cell, shared by the text and markdown outputs:
//! one block per (workload, metric), the header lines above them and the summary line below.

use crate::variants::ParamVariants;

use super::point::PointComparison;
use super::verdict::Metric;
use super::{Comparison, RunSide};

/// One column of a block.
pub struct Column {
    pub name: String,
    /// Right-aligned in text, `--:` in markdown.
    pub numeric: bool,
}

/// The table of one metric of one workload.
pub struct Block {
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

/// Every block, workloads in order of appearance, throughput before p99 within each.
pub fn blocks(comparison: &Comparison) -> Vec<Block> {
    let mut workloads: Vec<&str> = Vec::new();
    for point in &comparison.points {
        if !workloads.contains(&point.key.workload.as_str()) {
            workloads.push(&point.key.workload);
        }
    }
    let mut blocks = Vec::new();
    for workload in workloads {
        let points: Vec<&PointComparison> =
            comparison.points.iter().filter(|p| p.key.workload == workload).collect();
        let variants = ParamVariants::of(workload, &comparison.baseline.rows, &[]);
        for metric in Metric::ALL {
            blocks.push(block(workload, metric, &points, &variants, comparison.settings.alpha));
        }
    }
    blocks
}

fn block(
    workload: &str,
    metric: Metric,
    points: &[&PointComparison],
    variants: &ParamVariants,
    alpha: f64,
) -> Block {
    let with_params = points.iter().any(|p| !variants.varying_pairs(&p.key.params).is_empty());
    let column = |name: &str, numeric| Column { name: name.to_owned(), numeric };
    let mut columns = vec![column("impl", false)];
    if with_params {
        columns.push(column("params", false));
    }
    let confidence = format!("{}% CI", trim_float((1.0 - alpha) * 100.0));
    columns.extend([
        column("threads", true),
        column("baseline", true),
        column("current", true),
        column("change", true),
        column(&confidence, false),
        column("p", true),
        column("n", true),
        column("verdict", false),
    ]);
    let rows = points
        .iter()
        .map(|point| {
            let compared = point.metric(metric);
            let mut row = vec![point.key.implementation.clone()];
            if with_params {
                let pairs: Vec<String> = variants
                    .varying_pairs(&point.key.params)
                    .iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect();
                row.push(pairs.join(" "));
            }
            let value = |v: f64| match metric {
                Metric::Throughput => si(v),
                Metric::P99Latency => nanoseconds(v),
            };
            let side = |s: &super::SampleSummary| {
                format!("{} ± {:.0}%", value(s.median), s.spread * 100.0)
            };
            let threads = match point.key.cores {
                0 => point.key.threads.to_string(),
                cores => format!("{} on {cores}c", point.key.threads),
            };
            row.extend([
                threads,
                side(&compared.baseline),
                side(&compared.current),
                compared.change.map_or("n/a".into(), percent),
                compared.change_interval.map_or("n/a".into(), |(low, high)| {
                    format!("[{}, {}]", percent(low), percent(high))
                }),
                p_value(compared.p_value()),
                match &compared.paired {
                    Some(test) => format!("{} pairs", test.pairs()),
                    None => format!("{}+{}", compared.baseline.n, compared.current.n),
                },
                compared.verdict.label().to_owned(),
            ]);
            row
        })
        .collect();
    Block { title: format!("{workload}: {}", metric.title()), columns, rows }
}

/// The whole-curve verdicts, one row per implementation measured in pairs at two or more thread
/// counts; `None` when there is none.
pub fn curve_block(comparison: &Comparison) -> Option<Block> {
    if comparison.curves.is_empty() {
        return None;
    }
    let column = |name: &str, numeric| Column { name: name.to_owned(), numeric };
    let confidence = format!("{}% CI", trim_float((1.0 - comparison.settings.alpha) * 100.0));
    let columns = vec![
        column("workload", false),
        column("impl", false),
        column("threads", false),
        column("change", true),
        column(&confidence, false),
        column("USL σ, κ (baseline → current)", false),
        column("verdict", false),
    ];
    let rows = comparison
        .curves
        .iter()
        .map(|curve| {
            let threads: Vec<String> = curve.threads.iter().map(ToString::to_string).collect();
            let usl = curve.scalability.map_or(
                "n/a (needs 1 and two more thread counts)".into(),
                |(base, now)| {
                    format!(
                        "{:.3}, {:.4} → {:.3}, {:.4}",
                        base.contention, base.coherency, now.contention, now.coherency
                    )
                },
            );
            vec![
                curve.key.workload.clone(),
                curve.key.implementation.clone(),
                threads.join(","),
                percent(curve.change),
                format!("[{}, {}]", percent(curve.interval.0), percent(curve.interval.1)),
                usl,
                curve.verdict.label().to_owned(),
            ]
        })
        .collect();
    Some(Block {
        title:
            "whole curves: geometric mean of the paired throughput ratios over the thread counts"
                .into(),
        columns,
        rows,
    })
}

/// What was compared with what, and how: the lines above the tables.
pub fn header_lines(comparison: &Comparison) -> Vec<String> {
    let describe = |side: &RunSide| {
        format!(
            "{} (host {}, commit {}, {} rows)",
            side.path.display(),
            side.hosts().join("+"),
            side.commits().join("+"),
            side.rows.len()
        )
    };
    let mut lines = vec![
        format!("baseline: {}", describe(&comparison.baseline)),
        format!("current:  {}", describe(&comparison.current)),
    ];
    let (base_hosts, current_hosts) = (comparison.baseline.hosts(), comparison.current.hosts());
    if base_hosts != current_hosts {
        lines.push(format!(
            "note: the hosts differ ({} vs {}): figures from different machines may not compare",
            base_hosts.join("+"),
            current_hosts.join("+")
        ));
    }
    let settings = &comparison.settings;
    let paired = comparison.points.iter().filter(|p| p.throughput.paired.is_some()).count();
    if paired < comparison.points.len() {
        lines.push(format!(
            "{} points compared{}; threshold {}%, alpha {}; p: Mann-Whitney U; CI: bootstrap of \
             the ratio of medians ({} resamples)",
            comparison.points.len() - paired,
            if paired > 0 { " as independent samples" } else { "" },
            trim_float(settings.threshold * 100.0),
            trim_float(settings.alpha),
            settings.resamples
        ));
    }
    if paired > 0 {
        let looks = match settings.looks {
            1 => String::new(),
            looks => {
                format!(" over {looks} looks, {} per look", trim_float(settings.alpha_per_look()))
            }
        };
        lines.push(format!(
            "{paired} points compared pair by pair; threshold {}%, alpha {}{looks}; p: Wilcoxon \
             signed-rank of the paired log-ratios; change and CI: Hodges-Lehmann",
            trim_float(settings.threshold * 100.0),
            trim_float(settings.alpha),
        ));
    }
    let [skipped_base, skipped_current] = comparison.skipped_disturbed;
    if settings.skip_disturbed {
        lines.push(format!(
            "--skip-disturbed: left out {skipped_base} baseline and {skipped_current} current \
             repeats the environment guard flagged (disturbed column)"
        ));
    } else {
        let flagged = |side: &RunSide| side.rows.iter().filter(|r| r.is_disturbed()).count();
        let (base, current) = (flagged(&comparison.baseline), flagged(&comparison.current));
        if base + current > 0 {
            lines.push(format!(
                "note: {base} baseline and {current} current repeats ran on a disturbed machine \
                 (disturbed column); --skip-disturbed leaves them out"
            ));
        }
    }
    let (only_base, only_current) =
        (comparison.only_in_baseline.len(), comparison.only_in_current.len());
    if only_base + only_current > 0 {
        lines.push(format!(
            "not compared: {only_base} points only in baseline, {only_current} only in current"
        ));
    }
    lines
}

/// The verdict counts of each metric, and whether it gates: the line below the tables.
pub fn summary_line(comparison: &Comparison) -> String {
    let gated = comparison.gated_metrics();
    let curves = (!comparison.curves.is_empty()).then(|| {
        let slower = comparison.curve_regressions().len();
        format!("curves: {slower} slower of {}", comparison.curves.len())
    });
    Metric::ALL
        .iter()
        .map(|&metric| {
            let c = comparison.counts(metric);
            format!(
                "{}: {} slower, {} faster, {} unchanged, {} noise{}",
                metric.short_name(),
                c.slower,
                c.faster,
                c.unchanged,
                c.noise,
                if gated.contains(&metric) { "" } else { " (not gated)" }
            )
        })
        .chain(curves)
        .collect::<Vec<_>>()
        .join("; ")
}

/// For each gated point the data could not decide, what would: below the summary line.
pub fn undecided_lines(comparison: &Comparison) -> Vec<String> {
    let threshold = comparison.settings.threshold;
    let mut lines = Vec::new();
    for metric in comparison.gated_metrics() {
        for point in &comparison.points {
            let compared = point.metric(metric);
            if !matches!(compared.verdict, super::PointVerdict::Noise(_)) {
                continue;
            }
            let key = &point.key;
            let name = format!(
                "{}/{}/{} {}",
                key.workload,
                key.implementation,
                key.threads_label(),
                metric.short_name()
            );
            let advice = match (&compared.paired, compared.change_interval) {
                (Some(test), Some((low, high))) => {
                    // The interval narrows as 1/sqrt(n); it must shrink to the distance between
                    // the estimate and the threshold's edge to sit on one side of it.
                    let centre = compared.change.unwrap_or(0.0);
                    let edge = if metric.higher_is_better() { -threshold } else { threshold };
                    let half = (high - low) / 2.0;
                    let room = (centre - edge).abs().max(half / 10.0);
                    let needed = (test.pairs() as f64 * (half / room).powi(2)).ceil() as usize;
                    format!(
                        "interval [{}, {}] holds {}: about {} pairs in all (now {}) at this spread, or a quieter machine, would decide it",
                        percent(low),
                        percent(high),
                        percent(edge),
                        needed.max(test.pairs() + 1),
                        test.pairs()
                    )
                }
                (Some(test), None) => format!(
                    "{} pairs are too few for any interval at this alpha; at least {} would give one",
                    test.pairs(),
                    (2.0 / comparison.settings.alpha_per_look()).log2().ceil() as usize
                ),
                (None, _) => "more repeats on each side (or a paired run: syncbench gate) would decide it".into(),
            };
            lines.push(format!("undecided: {name}: {advice}"));
        }
    }
    lines
}

/// `+12.3%`, `-0.4%`.
fn percent(fraction: f64) -> String {
    format!("{:+.1}%", fraction * 100.0)
}

fn p_value(p: f64) -> String {
    if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// A float without trailing zeros: 5 -> "5", 0.05 -> "0.05", 97.5 -> "97.5".
pub(super) fn trim_float(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Three significant digits with an SI prefix: 195M, 31.2k, 7.50.
fn si(value: f64) -> String {
    let (scaled, prefix) = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(scale, _)| value.abs() >= *scale)
        .map_or((value, ""), |(scale, prefix)| (value / scale, prefix));
    format!("{}{prefix}", three_digits(scaled))
}

/// Three significant digits with a time unit: 31.0ns, 2.45µs, 4.10ms, 1.20s.
fn nanoseconds(value: f64) -> String {
    let (scaled, unit) = [(1e9, "s"), (1e6, "ms"), (1e3, "µs")]
        .into_iter()
        .find(|(scale, _)| value.abs() >= *scale)
        .map_or((value, "ns"), |(scale, unit)| (value / scale, unit));
    format!("{}{unit}", three_digits(scaled))
}

fn three_digits(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 || magnitude == 0.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_at_a_glance() {
        assert_eq!(si(195_234_000.0), "195M");
        assert_eq!(si(31_200.0), "31.2k");
        assert_eq!(si(7.5), "7.50");
        assert_eq!(si(0.0), "0");
        assert_eq!(nanoseconds(31.0), "31.0ns");
        assert_eq!(nanoseconds(2_450.0), "2.45µs");
        assert_eq!(nanoseconds(4_100_000.0), "4.10ms");
        assert_eq!(percent(-0.2013), "-20.1%");
        assert_eq!(percent(0.0), "+0.0%");
        assert_eq!(p_value(0.0004), "<0.001");
        assert_eq!(p_value(0.6841), "0.684");
        assert_eq!(trim_float(95.0), "95");
        assert_eq!(trim_float(0.05), "0.05");
        assert_eq!(trim_float(97.5), "97.5");
    }
}
