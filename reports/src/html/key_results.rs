//! The "Key results" section that opens the page: per workload and thread count, who is fastest
//! by median throughput and how far behind the others are, from the same rankings the terminal
//! prints after each table ([`crate::verdicts`]).

use std::fmt::Write as _;

use super::escape;
use crate::record::SummaryRow;
use crate::verdicts::{rate_label, ratio_label, standing_label, verdicts};

/// Other implementations named in a cell beyond the fastest; the rest are counted.
const NAMED: usize = 4;

/// Writes the section (nothing when there are no rows).
pub(super) fn write_key_results(page: &mut String, summary: &[SummaryRow]) {
    let all = verdicts(summary);
    if all.is_empty() {
        return;
    }
    page.push_str(
        "<section id=\"key-results\">\n<h2>Key results</h2>\n<p class=\"muted\">Median throughput \
         over the repeats; every other implementation as a ratio to the fastest at the same \
         thread count. Demonstrations and implementations whose invariant broke are not ranked. \
         “collapses past N”: below a tenth of its own throughput at N threads.</p>\n\
         <table class=\"key-results\">\n<thead><tr><th>workload</th><th>threads</th>\
         <th>fastest</th><th>the others</th></tr></thead>\n<tbody>\n",
    );
    for verdict in &all {
        let sets = all
            .iter()
            .filter(|v| v.workload == verdict.workload && v.params != verdict.params)
            .count();
        let workload = if sets > 0 && !verdict.params.is_empty() {
            format!("{} <code>{}</code>", escape(&verdict.workload), escape(&verdict.params))
        } else {
            escape(&verdict.workload)
        };
        let threads = match verdict.cores {
            0 => verdict.threads.to_string(),
            cores => format!("{} on {cores}c", verdict.threads),
        };
        let fastest = verdict.winner().map_or_else(
            || "—".to_owned(),
            |w| {
                format!(
                    "<b>{}</b> {}{}",
                    escape(&w.implementation),
                    rate_label(w.throughput),
                    w.collapsed_after.map_or(String::new(), |n| format!(" (collapses past {n})"))
                )
            },
        );
        let others: Vec<String> = verdict
            .ranking
            .iter()
            .skip(1)
            .take(NAMED)
            .map(|s| escape(&standing_label(s, false)))
            .collect();
        let mut rest = others.join("; ");
        let unnamed = verdict.ranking.len().saturating_sub(1 + NAMED);
        if unnamed > 0 {
            let slowest = verdict.ranking.last().map_or(0.0, |s| s.ratio);
            let _ = write!(rest, "; {unnamed} more, down to {}", ratio_label(slowest));
        }
        if !verdict.excluded.is_empty() {
            let _ = write!(
                rest,
                "{}<span class=\"muted\">not ranked (broken): {}</span>",
                if rest.is_empty() { "" } else { "; " },
                escape(&verdict.excluded.join(", "))
            );
        }
        let _ = writeln!(
            page,
            "<tr><td>{workload}</td><td class=\"num\">{threads}</td><td>{fastest}</td>\
             <td>{rest}</td></tr>"
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}
