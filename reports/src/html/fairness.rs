//! Fairness per implementation: how evenly the threads shared the operations, from
//! `summary.csv`'s `fairness` (Jain's index) and `min_share` / `max_share`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::escape;
use super::format::fixed;
use super::summary_table::swatch;
use crate::charts::{median, SeriesStyles};
use crate::record::SummaryRow;

/// A table with a row per implementation (and host, and core count when several ran) and a column per thread count: the median
/// Jain's index over the repeats, and under it the median smallest – largest thread share. Cells
/// below 0.9 are marked: some thread got much less than its share.
pub(super) fn write_fairness_table(page: &mut String, rows: &[&SummaryRow], styles: &SeriesStyles) {
    let threads: BTreeSet<usize> = rows.iter().map(|r| r.threads).filter(|&t| t > 1).collect();
    if threads.is_empty() {
        return;
    }
    let mut order: Vec<(&str, &str, usize)> = Vec::new();
    let mut kinds: BTreeMap<&str, &str> = BTreeMap::new();
    let mut cells: BTreeMap<(&str, &str, usize, usize), Vec<&SummaryRow>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.threads > 1) {
        let series = (row.implementation.as_str(), row.host.as_str(), row.cores);
        kinds.insert(series.0, row.impl_kind.as_str());
        if !order.contains(&series) {
            order.push(series);
        }
        cells.entry((series.0, series.1, series.2, row.threads)).or_default().push(row);
    }
    let multi_host = rows.iter().map(|r| r.host.as_str()).collect::<BTreeSet<_>>().len() > 1;
    let multi_cores = rows.iter().map(|r| r.cores).collect::<BTreeSet<_>>().len() > 1;

    page.push_str(
        "<h4>Fairness</h4>\n<p class=\"muted\">Jain's index of the per-thread operation counts \
         (1 = equal shares; 1/threads = one thread did everything), median over the repeats; \
         under it the smallest – largest share of one thread (fair: 1/threads each).</p>\n\
         <table class=\"fairness\">\n<thead><tr><th>implementation</th><th>kind</th>",
    );
    for t in &threads {
        let _ = write!(
            page,
            "<th class=\"num\">{t} threads<br>(fair share {})</th>",
            share(1.0 / *t as f64)
        );
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for (implementation, host, cores) in order {
        let mut label = implementation.to_owned();
        if multi_cores {
            label.push_str(&crate::record::cores_phrase(cores));
        }
        if multi_host {
            label = format!("{label} @ {host}");
        }
        let kind = kinds.get(implementation).copied().unwrap_or_default();
        let _ = write!(
            page,
            "<tr><td>{}{}</td><td>{}</td>",
            swatch(styles, implementation, host, cores),
            escape(&label),
            escape(kind)
        );
        for t in &threads {
            match cells.get(&(implementation, host, cores, *t)) {
                Some(of_cell) => {
                    let of = |field: fn(&SummaryRow) -> f64| {
                        median(&of_cell.iter().map(|r| field(r)).collect::<Vec<_>>())
                    };
                    let jain = of(|r| r.fairness);
                    let class = if jain < 0.9 { " unfair" } else { "" };
                    let _ = write!(
                        page,
                        "<td class=\"num{class}\">{}<br><span class=\"range\">{} – {}</span></td>",
                        fixed(jain, 3),
                        share(of(|r| r.min_share)),
                        share(of(|r| r.max_share)),
                    );
                }
                None => page.push_str("<td class=\"num\">–</td>"),
            }
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n");
}

/// A share as a percentage: "25%", "0.4%".
fn share(fraction: f64) -> String {
    if !fraction.is_finite() {
        "–".to_owned()
    } else if fraction >= 0.1 {
        format!("{:.0}%", fraction * 100.0)
    } else {
        format!("{:.1}%", fraction * 100.0)
    }
}
