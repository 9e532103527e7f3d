//! The numbers: one workload's summary aggregated per (implementation, threads).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::escape;
use super::findings::invariant_class;
use super::format::{fixed, mops, nanos};
use crate::charts::{median, SeriesStyles};
use crate::record::{Invariant, Outcome, SummaryRow};

/// A square in the series' colour, as in the charts.
pub(super) fn swatch(
    styles: &SeriesStyles,
    implementation: &str,
    host: &str,
    cores: usize,
) -> String {
    format!(
        "<span class=\"swatch\" style=\"background:{}\"></span>",
        escape(&styles.css_colour(implementation, host, cores))
    )
}

/// One (core count, threads, implementation, host) point of the table, over its repeats.
struct Point<'a> {
    rows: Vec<&'a SummaryRow>,
}

impl Point<'_> {
    fn median_of(&self, field: impl Fn(&SummaryRow) -> f64) -> f64 {
        median(&self.rows.iter().map(|r| field(r)).collect::<Vec<_>>())
    }
}

/// The summary of one workload aggregated per (implementation, threads), grouped by core count
/// (`--cores`) and thread count so that implementations compare at a glance; the best median
/// throughput of each (core count, thread count) (demonstrations aside) is in bold. Points with
/// a repeat the environment guard flagged say so in a `machine` column.
pub(super) fn write_summary_table(page: &mut String, rows: &[&SummaryRow], styles: &SeriesStyles) {
    let multi_host = rows.iter().map(|r| r.host.as_str()).collect::<BTreeSet<_>>().len() > 1;
    let multi_cores = rows.iter().map(|r| r.cores).collect::<BTreeSet<_>>().len() > 1;
    let any_disturbed = rows.iter().any(|r| r.is_disturbed());
    let mut points: BTreeMap<(usize, usize, String, String), Point> = BTreeMap::new();
    for row in rows {
        let host = if multi_host { row.host.clone() } else { String::new() };
        points
            .entry((row.cores, row.threads, row.implementation.clone(), host))
            .or_insert_with(|| Point { rows: Vec::new() })
            .rows
            .push(row);
    }
    let mut best: BTreeMap<(usize, usize, &str), f64> = BTreeMap::new();
    // A demonstration (deliberately broken) implementation may well be the fastest; it does not
    // count as the best.
    for ((cores, threads, _, host), point) in
        points.iter().filter(|(_, p)| p.rows.iter().all(|r| r.impl_kind != "demonstration"))
    {
        let throughput = point.median_of(|r| r.throughput_ops_s);
        let entry = best.entry((*cores, *threads, host.as_str())).or_insert(f64::NEG_INFINITY);
        *entry = entry.max(throughput);
    }

    page.push_str("<h4>Numbers</h4>\n<table class=\"summary\">\n<thead><tr>");
    if multi_cores {
        page.push_str("<th class=\"num\">cores</th>");
    }
    page.push_str("<th class=\"num\">threads</th><th>implementation</th>");
    if multi_host {
        page.push_str("<th>host / commit</th>");
    }
    page.push_str(
        "<th>kind</th><th class=\"num\">throughput<br>M ops/s (median)</th><th class=\"num\">min – max</th>\
         <th class=\"num\">p50 ns</th><th class=\"num\">p99 ns</th><th class=\"num\">fairness</th>\
         <th class=\"num\">repeats</th><th>timing</th><th>invariant</th>",
    );
    if any_disturbed {
        page.push_str("<th>machine</th>");
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    let mut previous_threads = None;
    for ((cores, threads, implementation, host), point) in &points {
        let throughput = point.median_of(|r| r.throughput_ops_s);
        let (low, high) =
            point.rows.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r.throughput_ops_s), hi.max(r.throughput_ops_s))
            });
        let is_best =
            best.get(&(*cores, *threads, host.as_str())).is_some_and(|b| *b == throughput)
                && points.len() > 1;
        let first = previous_threads.is_some_and(|t| t != (*cores, *threads));
        previous_threads = Some((*cores, *threads));

        let kinds: BTreeSet<&str> = point.rows.iter().map(|r| r.impl_kind.as_str()).collect();
        let worst = point
            .rows
            .iter()
            .map(|r| &r.invariant)
            .max_by_key(|invariant| invariant.outcome)
            .map_or_else(|| Invariant::new(Outcome::Held, ""), Clone::clone);
        let level = worst.outcome;
        let not_ok = point.rows.iter().filter(|r| r.invariant.outcome != Outcome::Held).count();
        // The verdict only: the findings list above has the whole message (and the title here).
        let verdict = level.label();
        let invariant_text = if level == Outcome::Held {
            "ok".to_owned()
        } else if not_ok < point.rows.len() {
            format!("{verdict} ({not_ok} of {} repeats)", point.rows.len())
        } else {
            verdict.to_owned()
        };
        let swatch = swatch(styles, implementation, &point.rows[0].host, *cores);

        let _ = write!(page, "<tr{}>", if first { " class=\"first-of-threads\"" } else { "" });
        if multi_cores {
            let _ = write!(page, "<td class=\"num\">{cores}</td>");
        }
        let _ = write!(
            page,
            "<td class=\"num\">{threads}</td><td>{swatch}{}</td>",
            escape(implementation)
        );
        if multi_host {
            let _ = write!(page, "<td>{}</td>", escape(host));
        }
        let _ = write!(
            page,
            "<td>{}</td><td class=\"num{}\">{}</td><td class=\"num range\">{} – {}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td{} title=\"{}\">{}</td>",
            escape(&kinds.into_iter().collect::<Vec<_>>().join(", ")),
            if is_best { " best" } else { "" },
            mops(throughput),
            mops(low),
            mops(high),
            nanos(point.median_of(|r| r.p50_ns)),
            nanos(point.median_of(|r| r.p99_ns)),
            fixed(point.median_of(|r| r.fairness), 3),
            point.rows.len(),
            escape(&crate::timing::summarise(point.rows.iter().map(|r| r.timing.as_str()))),
            invariant_class(level),
            escape(&worst.to_string()),
            escape(&invariant_text),
        );
        if any_disturbed {
            page.push_str(&disturbed_cell(&point.rows));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n");
}

/// The `machine` cell of a point: `disturbed (k of n repeats)` with the reasons as its title,
/// or `quiet`.
fn disturbed_cell(rows: &[&SummaryRow]) -> String {
    let flagged: Vec<&str> =
        rows.iter().filter(|r| r.is_disturbed()).map(|r| r.disturbed.as_str()).collect();
    if flagged.is_empty() {
        return "<td class=\"muted\">quiet</td>".to_owned();
    }
    format!(
        "<td class=\"disturbed\" title=\"{}\">disturbed ({} of {} repeats)</td>",
        escape(&flagged.join("; ")),
        flagged.len(),
        rows.len()
    )
}
