//! The summary table printed at the end of `syncbench run`: one line per (workload, params, impl,
//! cores, threads), medians over the repeats. A point restricted with `--cores` shows its threads
//! as `4 on 2c`.
//!
//! `--table` chooses the shape: `compact` (the default) fits an 80-column terminal (no workload
//! column, no p50, the invariant as one word), `full` has every column, `verdicts` prints no
//! table. Each workload's table is followed by its verdict lines ([`reports::verdicts`]), so the
//! output ends with who wins where.

use std::collections::BTreeMap;
use std::fmt::Write;

use reports::variants::ParamVariants;
use reports::SummaryRow;

pub use reports::compare::stats::median;

/// (workload, params, impl, cores, threads).
type PointKey<'a> = (&'a str, &'a str, &'a str, usize, usize);

/// The shape of the table `syncbench run` prints (`--table`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TableStyle {
    /// Fits 80 columns: implementation, threads, throughput, spread, p99, fairness, outcome.
    #[default]
    Compact,
    /// Every column, the invariant's detail included.
    Full,
    /// No table, only the verdict lines.
    Verdicts,
}

impl TableStyle {
    /// Parses the value of `--table`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "compact" => Some(Self::Compact),
            "full" => Some(Self::Full),
            "verdicts" => Some(Self::Verdicts),
            _ => None,
        }
    }
}

/// What `syncbench run` prints: per workload, in the order they ran, its table in `style` and
/// then its verdict lines, wrapped to 80 columns.
pub fn render_run(rows: &[SummaryRow], style: TableStyle, logical_cpus: usize) -> String {
    let mut workloads: Vec<&str> = Vec::new();
    for row in rows {
        if !workloads.contains(&row.workload.as_str()) {
            workloads.push(&row.workload);
        }
    }
    let mut out = String::new();
    for (index, workload) in workloads.iter().enumerate() {
        let own: Vec<SummaryRow> =
            rows.iter().filter(|r| r.workload == *workload).cloned().collect();
        if index > 0 {
            out.push('\n');
        }
        match style {
            TableStyle::Full => out.push_str(&render(&own)),
            TableStyle::Compact => out.push_str(&render_compact(&own)),
            TableStyle::Verdicts => {}
        }
        out.push_str(&reports::verdicts::render_text(
            &reports::verdicts::verdicts(&own),
            logical_cpus,
            80,
        ));
    }
    out
}

/// The compact table of one workload's rows: its name above (and, for each parameter set, the
/// parameters that tell it apart), then per point the implementation, threads, median
/// throughput, spread, p99, fairness and the worst outcome.
pub fn render_compact(rows: &[SummaryRow]) -> String {
    let full = cells(rows);
    if full.len() < 2 {
        return String::new();
    }
    let compact: Vec<Vec<String>> = full
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let outcome = if index == 0 {
                "check".to_owned()
            } else {
                // One word: `ok`, `violated`, or `expected` for a demonstration's violation.
                let outcome = line[8].split(':').next().unwrap_or("");
                outcome.strip_suffix("-violation").unwrap_or(outcome).to_owned()
            };
            let fairness = if index == 0 { "fair".to_owned() } else { line[7].clone() };
            vec![
                line[1].clone(),
                line[2].clone(),
                line[3].clone(),
                line[4].clone(),
                line[6].clone(),
                fairness,
                outcome,
            ]
        })
        .collect();
    let laid_out = layout(&compact, 1..6, "  ");
    let mut out = String::new();
    let mut title: Option<&str> = None;
    for (index, line) in laid_out.lines().enumerate() {
        // The header belongs under the first title; each later title opens a parameter set.
        let row_title = full[index.max(1)][0].as_str();
        if title != Some(row_title) {
            title = Some(row_title);
            out.push_str(row_title);
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Renders the table; rows keep the order in which the points were first run. A workload that ran
/// several parameter sets shows, after its name, the parameters that tell them apart.
pub fn render(rows: &[SummaryRow]) -> String {
    layout(&cells(rows), 2..8, "")
}

/// The full table's cells, header first.
fn cells(rows: &[SummaryRow]) -> Vec<Vec<String>> {
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
    lines
}

/// Lines of cells laid out in columns two spaces apart, each line after `indent`; the columns in
/// `numeric` right-aligned.
fn layout(lines: &[Vec<String>], numeric: std::ops::Range<usize>, indent: &str) -> String {
    let columns = lines.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| lines.iter().map(|l| l[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for line in lines {
        out.push_str(indent);
        for (c, cell) in line.iter().enumerate() {
            let width = widths[c];
            let _ = if numeric.contains(&c) {
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

/// `text` broken at spaces into lines of at most `width` columns (a longer word stays whole),
/// continuation lines indented by two spaces.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = "  ".to_owned();
        } else if len > 0 {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(implementation: &str, threads: usize, throughput: f64) -> SummaryRow {
        SummaryRow {
            workload: "counter".into(),
            implementation: implementation.into(),
            impl_kind: "hand-rolled".into(),
            params: "depth=1;inside_ns=0;outside_ns=0".into(),
            threads,
            throughput_ops_s: throughput,
            invariant: reports::Invariant {
                outcome: reports::Outcome::Held,
                detail: "count 123456789 = 123456789 increments".into(),
            },
            ..SummaryRow::default()
        }
    }

    /// The default output fits 80 columns and ends each workload with its verdicts; the full
    /// table (the twin) has the invariant's detail and does not fit.
    #[test]
    fn compact_output_fits_eighty_columns_and_ends_with_verdicts() {
        let mut rows = Vec::new();
        for threads in [1, 2, 8] {
            rows.push(row("strict-parking-ticket-lock", threads, 5e6 / threads as f64));
            rows.push(row("parking-lot-reentrant-mutex", threads, 20e6));
        }
        let compact = render_run(&rows, TableStyle::Compact, 2);
        assert!(compact.lines().all(|l| l.chars().count() <= 80), "{compact}");
        assert!(
            compact.contains("\n  8 threads: parking-lot-reentrant-mutex 20.0 M/s;\n"),
            "{compact}"
        );
        let last = compact.lines().last().unwrap();
        assert_eq!(last.trim(), "strict-parking-ticket-lock 0.031×", "verdicts last: {compact}");
        assert!(compact.lines().next() == Some("counter"), "{compact}");
        let full = render_run(&rows, TableStyle::Full, 2);
        assert!(full.contains("count 123456789 = 123456789 increments"));
        assert!(full.lines().any(|l| l.chars().count() > 80), "the full table is wide");
        let verdicts = render_run(&rows, TableStyle::Verdicts, 2);
        assert!(verdicts.starts_with("verdicts: counter"), "{verdicts}");
    }

    /// Each parameter set of a workload gets a title line of its own in the compact table.
    #[test]
    fn compact_table_titles_each_parameter_set() {
        let mut rows = Vec::new();
        for mix in ["read-heavy", "exchange"] {
            let mut r = row("striped", 2, 1e6);
            r.workload = "map".into();
            r.params = format!("keys=65536;mix={mix}");
            rows.push(r);
        }
        let compact = render_compact(&rows);
        let titles: Vec<&str> = compact.lines().filter(|l| l.starts_with("map")).collect();
        assert_eq!(titles.len(), 2, "{compact}");
        assert!(titles[0].contains("read-heavy") && titles[1].contains("exchange"), "{compact}");
    }

    #[test]
    fn long_lines_wrap_at_spaces() {
        let text =
            "environment guard: 330 of 332 repeats ran on a disturbed machine (other processes)";
        let wrapped = wrap(text, 40);
        assert!(wrapped.lines().all(|l| l.chars().count() <= 40), "{wrapped}");
        assert_eq!(wrapped.replace("\n  ", " ").trim_end(), text);
    }

    #[test]
    fn small_rates_keep_three_significant_digits() {
        assert_eq!(millions(30_240_000.0), "30.24");
        assert_eq!(millions(150_000.0), "0.15");
        assert_eq!(millions(95_200.0), "0.0952");
        assert_eq!(millions(952.0), "0.000952");
        assert_eq!(millions(0.0), "0.00");
    }
}
