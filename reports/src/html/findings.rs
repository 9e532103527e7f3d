//! Invariant and hazard findings: the box at the top of the page, and each workload's list.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::escape;
use super::format::plural;
use crate::record::{Outcome, SummaryRow};

pub(super) fn invariant_class(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Held => "",
        Outcome::ExpectedViolation => " class=\"inv-expected\"",
        Outcome::Stalled | Outcome::Violated => " class=\"inv-violated\"",
    }
}

/// A box at the top listing the points whose invariant did not hold, unexpected ones first.
pub(super) fn write_findings(page: &mut String, summary: &[SummaryRow]) {
    let mut unexpected: BTreeMap<(String, String, usize), (usize, String)> = BTreeMap::new();
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    for row in summary {
        match row.invariant.outcome {
            Outcome::Held => {}
            Outcome::ExpectedViolation => {
                expected.insert((row.workload.clone(), row.implementation.clone()));
            }
            Outcome::Stalled | Outcome::Violated => {
                let entry = unexpected
                    .entry((row.workload.clone(), row.implementation.clone(), row.threads))
                    .or_insert((0, row.invariant.to_string()));
                entry.0 += 1;
            }
        }
    }
    if !unexpected.is_empty() {
        page.push_str("<div class=\"findings\"><strong>Invariant violations</strong> (not expected: these are findings)<ul>\n");
        for ((workload, implementation, threads), (count, outcome)) in &unexpected {
            let _ = writeln!(
                page,
                "<li><a href=\"#workload-{0}\">{0}</a> / {1}, {2} thread{6}: {3} ({4} repeat{5})</li>",
                escape(workload),
                escape(implementation),
                threads,
                escape(outcome),
                count,
                plural(*count),
                plural(*threads),
            );
        }
        page.push_str("</ul></div>\n");
    }
    if !expected.is_empty() {
        page.push_str(
            "<div class=\"findings expected\"><strong>Expected violations</strong> — demonstration implementations \
             showing their flaw:<ul>\n",
        );
        for (workload, implementation) in &expected {
            let _ = writeln!(
                page,
                "<li><a href=\"#workload-{0}\">{0}</a> / {1}</li>",
                escape(workload),
                escape(implementation)
            );
        }
        page.push_str("</ul></div>\n");
    }
}

/// A workload's findings: its invariant in one line, then every repeat whose invariant did not
/// hold, unexpected violations (findings) apart from expected ones (a demonstration showing its
/// flaw), or a line saying that every run held it.
pub(super) fn write_workload_findings(
    page: &mut String,
    rows: &[&SummaryRow],
    invariant_text: Option<&str>,
) {
    page.push_str("<h4>Invariant and hazard findings</h4>\n");
    if let Some(text) = invariant_text {
        let _ = writeln!(page, "<p class=\"invariant\">Invariant: {}</p>", escape(text));
    }
    let not_ok: Vec<&SummaryRow> =
        rows.iter().copied().filter(|r| r.invariant.outcome != Outcome::Held).collect();
    if not_ok.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"held\">Held in all {} run{}.</p>",
            rows.len(),
            plural(rows.len())
        );
        return;
    }
    let unexpected = not_ok.iter().filter(|r| r.invariant.outcome.is_finding()).count();
    let expected = not_ok.len() - unexpected;
    let _ = writeln!(
        page,
        "<p>{unexpected} unexpected violation{} (findings), {expected} expected (demonstrations), \
         {} run{} held.</p>",
        plural(unexpected),
        rows.len() - not_ok.len(),
        plural(rows.len() - not_ok.len()),
    );
    let multi_params = rows.iter().map(|r| r.params.as_str()).collect::<BTreeSet<_>>().len() > 1;
    let multi_host = rows.iter().map(|r| r.host.as_str()).collect::<BTreeSet<_>>().len() > 1;
    page.push_str(
        "<table class=\"findings-table\">\n<thead><tr><th>verdict</th><th>implementation</th>",
    );
    if multi_host {
        page.push_str("<th>host / commit</th>");
    }
    if multi_params {
        page.push_str("<th>parameters</th>");
    }
    page.push_str("<th class=\"num\">threads</th><th class=\"num\">repeat</th><th>outcome</th></tr></thead>\n<tbody>\n");
    let mut sorted = not_ok;
    sorted.sort_by_key(|r| {
        (std::cmp::Reverse(r.invariant.outcome), r.threads, r.repeat, r.host.as_str())
    });
    for row in sorted {
        let level = row.invariant.outcome;
        let verdict = if level.is_finding() { "FINDING" } else { "expected (demonstration)" };
        let _ = write!(
            page,
            "<tr><td{}>{verdict}</td><td>{}</td>",
            invariant_class(level),
            escape(&row.implementation)
        );
        if multi_host {
            let _ = write!(page, "<td>{}</td>", escape(&row.host));
        }
        if multi_params {
            let _ = write!(page, "<td><code>{}</code></td>", escape(&row.params));
        }
        let _ = writeln!(
            page,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            row.threads,
            row.repeat,
            escape(&row.invariant.to_string())
        );
    }
    page.push_str("</tbody>\n</table>\n");
}
