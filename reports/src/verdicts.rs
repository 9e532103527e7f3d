//! Who wins where: at each (workload, parameter set, cores, threads) point, the implementations
//! ranked by median throughput over the repeats, each as a ratio to the fastest, with a note when
//! one has collapsed against its own throughput at fewer threads. The terminal prints these lines
//! after each workload's table and the report opens with them, so both say the same thing.
//!
//! Medians, not means: one disturbed repeat (a descheduled holder, a noisy neighbour) moves a
//! mean by as much as it likes, and would reorder the ranking on its own.
//!
//! Implementations whose invariant broke in any repeat of the point (a finding), and
//! demonstrations (broken on purpose, such as the racy counter, even where they happened to
//! hold), are left out of the ranking and listed apart: being fast by being wrong is not a result.

use std::fmt::Write as _;

use crate::compare::stats::median;
use crate::record::{Outcome, SummaryRow};

/// Below this share of its own best throughput at fewer threads, an implementation is said to
/// collapse.
pub const COLLAPSE_SHARE: f64 = 0.1;

/// The `impl_kind` of implementations broken on purpose.
const DEMONSTRATION: &str = "demonstration";

/// The ranking at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub workload: String,
    pub params: String,
    /// `--cores`; 0 when the process was not restricted.
    pub cores: usize,
    pub threads: usize,
    /// Fastest first.
    pub ranking: Vec<Standing>,
    /// Implementations left out: a demonstration, or a repeat broke its invariant.
    pub excluded: Vec<String>,
}

/// One implementation's place at a point.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub implementation: String,
    /// As in `summary.csv` (`hand-rolled`, `library`, ...).
    pub kind: String,
    /// Median throughput over the point's repeats, operations per second.
    pub throughput: f64,
    /// `throughput` over the fastest's: 1 for the fastest.
    pub ratio: f64,
    /// `Some(n)`: below [`COLLAPSE_SHARE`] of its own throughput at `n` threads (the largest
    /// such smaller thread count).
    pub collapsed_after: Option<usize>,
}

impl Verdict {
    /// The fastest implementation, if any was ranked.
    pub fn winner(&self) -> Option<&Standing> {
        self.ranking.first()
    }
}

/// The verdicts of every point in `rows`, in the order the workloads, parameter sets and
/// implementations first appear, threads ascending.
pub fn verdicts(rows: &[SummaryRow]) -> Vec<Verdict> {
    rank_with(rows, median)
}

/// [`verdicts`] with the repeats summarised by `statistic` (the tests' broken twin uses a mean).
fn rank_with(rows: &[SummaryRow], statistic: fn(&[f64]) -> f64) -> Vec<Verdict> {
    let mut groups: Vec<(&str, &str, usize)> = Vec::new();
    for row in rows {
        let group = (row.workload.as_str(), row.params.as_str(), row.cores);
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    let mut verdicts = Vec::new();
    for (workload, params, cores) in groups {
        let in_group: Vec<&SummaryRow> = rows
            .iter()
            .filter(|r| r.workload == workload && r.params == params && r.cores == cores)
            .collect();
        let mut implementations: Vec<&str> = Vec::new();
        let mut threads: Vec<usize> = Vec::new();
        for row in &in_group {
            if !implementations.contains(&row.implementation.as_str()) {
                implementations.push(&row.implementation);
            }
            if !threads.contains(&row.threads) {
                threads.push(row.threads);
            }
        }
        threads.sort_unstable();
        // (implementation, threads) -> summary of its repeats, for the collapse notes.
        let point = |implementation: &str, threads: usize| -> Option<(f64, bool, String)> {
            let repeats: Vec<&&SummaryRow> = in_group
                .iter()
                .filter(|r| r.implementation == implementation && r.threads == threads)
                .collect();
            let first = repeats.first()?;
            let broken = repeats
                .iter()
                .any(|r| r.invariant.outcome != Outcome::Held || r.impl_kind == DEMONSTRATION);
            let values: Vec<f64> = repeats.iter().map(|r| r.throughput_ops_s).collect();
            Some((statistic(&values), broken, first.impl_kind.clone()))
        };
        for &t in &threads {
            let mut ranking = Vec::new();
            let mut excluded = Vec::new();
            for &implementation in &implementations {
                let Some((throughput, broken, kind)) = point(implementation, t) else {
                    continue;
                };
                if broken {
                    excluded.push(implementation.to_owned());
                    continue;
                }
                let collapsed_after = threads
                    .iter()
                    .rev()
                    .filter(|&&fewer| fewer < t)
                    .find(|&&fewer| {
                        point(implementation, fewer).is_some_and(|(before, broken, _)| {
                            !broken && throughput < COLLAPSE_SHARE * before
                        })
                    })
                    .copied();
                ranking.push(Standing {
                    implementation: implementation.to_owned(),
                    kind,
                    throughput,
                    ratio: 0.0,
                    collapsed_after,
                });
            }
            ranking.sort_by(|a, b| b.throughput.total_cmp(&a.throughput));
            let fastest = ranking.first().map_or(0.0, |s| s.throughput);
            for standing in &mut ranking {
                standing.ratio = if fastest > 0.0 { standing.throughput / fastest } else { 0.0 };
            }
            verdicts.push(Verdict {
                workload: workload.to_owned(),
                params: params.to_owned(),
                cores,
                threads: t,
                ranking,
                excluded,
            });
        }
    }
    verdicts
}

/// A ratio to the fastest, two significant digits below 0.1 (`0.012×`), else two decimals.
pub fn ratio_label(ratio: f64) -> String {
    if ratio >= 0.1 || ratio <= 0.0 {
        format!("{ratio:.2}×")
    } else {
        let decimals = (1.0 - ratio.log10().floor()) as usize;
        format!("{ratio:.decimals$}×")
    }
}

/// A rate with three significant digits and a unit (`58.1 M/s`, `952 k/s`).
pub fn rate_label(per_second: f64) -> String {
    let (value, unit) = if per_second >= 1e6 {
        (per_second / 1e6, "M/s")
    } else if per_second >= 1e3 {
        (per_second / 1e3, "k/s")
    } else {
        (per_second, "/s")
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

/// How a point is named in a verdict line: its threads, and its cores under `--cores`.
fn point_label(verdict: &Verdict) -> String {
    let threads = match verdict.threads {
        1 => "1 thread".to_owned(),
        n => format!("{n} threads"),
    };
    match verdict.cores {
        0 => threads,
        cores => format!("{threads} on {cores}c"),
    }
}

/// One standing as the terminal and the report word it.
pub fn standing_label(standing: &Standing, first: bool) -> String {
    let mut label = if first {
        format!("{} {}", standing.implementation, rate_label(standing.throughput))
    } else {
        format!("{} {}", standing.implementation, ratio_label(standing.ratio))
    };
    if let Some(fewer) = standing.collapsed_after {
        let _ = write!(label, " (collapses past {fewer})");
    }
    label
}

/// The verdict lines of `verdicts` (one workload's, or several), wrapped to `width` columns:
/// a heading per workload and parameter set, then per point the fastest with its rate and the
/// others as ratios to it.
pub fn render_text(verdicts: &[Verdict], logical_cpus: usize, width: usize) -> String {
    let mut out = String::new();
    let mut heading: Option<(&str, &str)> = None;
    for verdict in verdicts {
        if heading != Some((&verdict.workload, &verdict.params)) {
            heading = Some((&verdict.workload, &verdict.params));
            // The parameters only tell sets apart: shown when the workload ran more than one.
            let sets = verdicts
                .iter()
                .filter(|v| v.workload == verdict.workload && v.params != verdict.params)
                .count();
            let params = if sets == 0 || verdict.params.is_empty() {
                String::new()
            } else {
                let others: Vec<&str> = verdicts
                    .iter()
                    .filter(|v| v.workload == verdict.workload)
                    .map(|v| v.params.as_str())
                    .collect();
                format!(" {}", distinguishing(&verdict.params, &others))
            };
            let cpus = match logical_cpus {
                0 => String::new(),
                1 => ", 1 CPU".to_owned(),
                n => format!(", {n} CPUs"),
            };
            let title = format!("verdicts: {}{params}", verdict.workload);
            let legend = format!("(median throughput vs the fastest{cpus})");
            if title.chars().count() + 1 + legend.chars().count() <= width {
                let _ = writeln!(out, "{title} {legend}");
            } else {
                let _ = writeln!(out, "{title}\n  {legend}");
            }
        }
        let label = format!("  {}: ", point_label(verdict));
        let mut items: Vec<String> = verdict
            .ranking
            .iter()
            .enumerate()
            .map(|(index, standing)| standing_label(standing, index == 0))
            .collect();
        if items.is_empty() {
            items.push("nothing ranked".to_owned());
        }
        if !verdict.excluded.is_empty() {
            items.push(format!("not ranked (broken): {}", verdict.excluded.join(", ")));
        }
        wrap_items(&mut out, &label, &items, width);
    }
    out
}

/// The `key=value` pairs of `params` (`;`-separated, as in `summary.csv`) whose value is not the
/// same in every one of `sets`: what tells this parameter set apart, space-separated.
fn distinguishing(params: &str, sets: &[&str]) -> String {
    let value = |set: &str, key: &str| {
        set.split(';').find_map(|pair| pair.strip_prefix(key)?.strip_prefix('=').map(str::to_owned))
    };
    params
        .split(';')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            let mine = value(params, key);
            sets.iter().any(|set| value(set, key) != mine)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `items` after `label`, separated by `; `, breaking lines before `width` columns and
/// indenting continuations under the first item.
fn wrap_items(out: &mut String, label: &str, items: &[String], width: usize) {
    let indent = label.chars().count();
    let mut line = label.to_owned();
    let mut used = indent;
    for (index, item) in items.iter().enumerate() {
        let piece = if index + 1 < items.len() { format!("{item};") } else { item.clone() };
        let len = piece.chars().count();
        if used > indent && used + 1 + len > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
            used = indent;
        }
        if used > indent {
            line.push(' ');
            used += 1;
        }
        line.push_str(&piece);
        used += len;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Invariant;

    fn row(implementation: &str, threads: usize, repeat: usize, throughput: f64) -> SummaryRow {
        SummaryRow {
            workload: "counter".into(),
            implementation: implementation.into(),
            impl_kind: "hand-rolled".into(),
            threads,
            repeat,
            throughput_ops_s: throughput,
            ..SummaryRow::default()
        }
    }

    fn names(verdict: &Verdict) -> Vec<&str> {
        verdict.ranking.iter().map(|s| s.implementation.as_str()).collect()
    }

    /// One wild repeat does not reorder the ranking; the twin that ranks by mean is fooled by it,
    /// so this test tells the two apart.
    #[test]
    fn ranks_by_median_not_by_one_outlier() {
        let mut rows = Vec::new();
        for (repeat, a) in [10e6, 10e6, 100e6].into_iter().enumerate() {
            rows.push(row("outlier", 2, repeat, a));
            rows.push(row("steady", 2, repeat, 20e6));
        }
        let by_median = verdicts(&rows);
        assert_eq!(names(&by_median[0]), ["steady", "outlier"]);
        assert!((by_median[0].ranking[1].ratio - 0.5).abs() < 1e-9);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert_eq!(names(&rank_with(&rows, mean)[0]), ["outlier", "steady"], "broken twin");
    }

    /// A broken invariant takes an implementation out of the ranking, however fast.
    #[test]
    fn broken_invariants_are_not_ranked() {
        let mut racy = row("racy-counter", 4, 0, 500e6);
        racy.invariant =
            Invariant { outcome: Outcome::ExpectedViolation, detail: "lost updates".into() };
        let rows = vec![racy, row("spin-lock", 4, 0, 50e6)];
        let verdict = &verdicts(&rows)[0];
        assert_eq!(names(verdict), ["spin-lock"]);
        assert_eq!(verdict.excluded, ["racy-counter"]);
        // A demonstration is not ranked even where it happened to hold (one thread cannot race).
        let mut alone = row("racy-counter", 1, 0, 1e9);
        alone.impl_kind = DEMONSTRATION.into();
        let verdict = &verdicts(&[alone, row("spin-lock", 1, 0, 100e6)])[0];
        assert_eq!(names(verdict), ["spin-lock"]);
    }

    /// A tenth of its own throughput at fewer threads is a collapse, noted against the largest
    /// such thread count; a fall to a fifth is not.
    #[test]
    fn notes_a_collapse_against_its_own_fewer_threads() {
        let rows = vec![
            row("ticket-lock", 1, 0, 100e6),
            row("ticket-lock", 2, 0, 8e6),
            row("ticket-lock", 8, 0, 0.1e6),
            row("spin-lock", 1, 0, 100e6),
            row("spin-lock", 8, 0, 20e6),
        ];
        let all = verdicts(&rows);
        let at = |threads: usize, implementation: &str| {
            let verdict = all.iter().find(|v| v.threads == threads).unwrap();
            verdict.ranking.iter().find(|s| s.implementation == implementation).unwrap().clone()
        };
        assert_eq!(at(2, "ticket-lock").collapsed_after, Some(1));
        assert_eq!(at(8, "ticket-lock").collapsed_after, Some(2));
        assert_eq!(at(8, "spin-lock").collapsed_after, None);
    }

    /// The lines fit the width asked for, and name the fastest with its rate, the rest as ratios.
    #[test]
    fn lines_fit_eighty_columns() {
        let impls = [
            "parking-ticket-lock",
            "strict-parking-ticket-lock",
            "parking-lot-fair-mutex",
            "parking-lot-reentrant-mutex",
            "ticket-lock",
            "spin-lock",
            "std-mutex",
        ];
        let rows: Vec<SummaryRow> = impls
            .iter()
            .enumerate()
            .map(|(i, name)| row(name, 8, 0, 50e6 / (i as f64 + 1.0).powi(3)))
            .collect();
        let text = render_text(&verdicts(&rows), 2, 80);
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        assert!(text.starts_with("verdicts: counter (median throughput vs the fastest, 2 CPUs)"));
        assert!(text.contains(
            "8 threads: parking-ticket-lock 50.0 M/s; strict-parking-ticket-lock 0.12×;"
        ));
        assert!(text.contains("std-mutex 0.0029×"), "{text}");
        assert!(text.lines().count() > 2, "wrapped onto continuation lines: {text}");
    }

    /// A workload run over several parameter sets names each by what differs, nothing more.
    #[test]
    fn parameter_sets_are_named_by_what_differs() {
        let mut rows = Vec::new();
        for mix in ["read-heavy", "exchange"] {
            let mut r = row("striped", 2, 0, 1e6);
            r.params = format!("keys=65536;mix={mix};stripes=64");
            rows.push(r);
        }
        let text = render_text(&verdicts(&rows), 2, 80);
        assert!(text.contains("verdicts: counter mix=read-heavy (median"), "{text}");
        assert!(text.contains("verdicts: counter mix=exchange (median"), "{text}");
        let narrow = render_text(&verdicts(&rows), 2, 40);
        assert!(narrow.contains("verdicts: counter mix=exchange\n  (median"), "{narrow}");
        assert!(!text.contains("keys="), "{text}");
    }

    #[test]
    fn labels() {
        assert_eq!(ratio_label(1.0), "1.00×");
        assert_eq!(ratio_label(0.345), "0.34×");
        assert_eq!(ratio_label(0.0123), "0.012×");
        assert_eq!(rate_label(58_140_000.0), "58.1 M/s");
        assert_eq!(rate_label(952_000.0), "952 k/s");
        assert_eq!(rate_label(1_500.0), "1.50 k/s");
    }
}
