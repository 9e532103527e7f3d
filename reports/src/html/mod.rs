//! `report.html`: one self-contained page — no network, no external CSS or JavaScript. The SVG
//! charts are inlined, so the page alone is the whole report (the PNG/SVG links next to each
//! chart point at the files in `charts/` for those who want them separately).
//!
//! Layout: the key results (who is fastest where, [`key_results`]), a box of invariant findings if
//! any, a key to the charts, the runs' environment (one
//! column per `meta.json`), then a section per workload (`id="workload-<name>"`): its charts under
//! a heading per kind (throughput vs threads, latency histograms, percentile distribution,
//! throughput vs a swept parameter), fairness per implementation, the invariant and hazard
//! findings, and the numbers aggregated per (implementation, threads). One file per section.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::charts::{styles_of, workloads_in_order, Chart, ChartKind, SeriesStyles};
use crate::meta::RunMeta;
use crate::record::{HistogramRow, SummaryRow};
use crate::variants::ParamVariants;
use environment::write_environment;
use fairness::write_fairness_table;
use figure::write_chart;
use findings::{write_findings, write_workload_findings};
use format::plural;
use key_results::write_key_results;
use page_style::STYLE;
use summary_table::write_summary_table;

/// Writes the report page to `out`. `root` is the results folder, against which chart paths are
/// resolved to embed them. A chart whose SVG cannot be read is shown as a note, not an error.
pub fn write_report(
    metas: &[RunMeta],
    summary: &[SummaryRow],
    histograms: &[HistogramRow],
    charts: &[Chart],
    root: &Path,
    out: &Path,
) -> Result<()> {
    let page = render_page(metas, summary, histograms, charts, root);
    crate::write_atomically(out, page.as_bytes())
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// What a workload's page section is drawn from.
struct WorkloadSection<'a> {
    name: &'a str,
    rows: Vec<&'a SummaryRow>,
    charts: Vec<&'a Chart>,
    styles: SeriesStyles,
    invariant: Option<String>,
}

fn render_page(
    metas: &[RunMeta],
    summary: &[SummaryRow],
    histograms: &[HistogramRow],
    charts: &[Chart],
    root: &Path,
) -> String {
    let mut workloads = workloads_in_order(summary, &[]);
    for chart in charts {
        if !workloads.contains(&chart.workload) {
            workloads.push(chart.workload.clone());
        }
    }
    let run_ids: BTreeSet<&str> = metas
        .iter()
        .map(|m| m.run_id.as_str())
        .chain(summary.iter().map(|r| r.run_id.as_str()))
        .collect();
    let run_ids: Vec<&str> = run_ids.into_iter().collect();

    let mut page = String::new();
    let title = if run_ids.is_empty() {
        "syncbench report".to_owned()
    } else {
        format!("syncbench report: {}", run_ids.join(", "))
    };
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>syncbench report</h1>\n",
        escape(&title)
    );
    let hosts: BTreeSet<&str> = summary.iter().map(|r| r.host.as_str()).collect();
    let _ = writeln!(
        page,
        "<p class=\"sub\">{} · {} workload{} · {} measured repeat{} · {} {}</p>",
        escape(&run_ids.join(", ")),
        workloads.len(),
        plural(workloads.len()),
        summary.len(),
        plural(summary.len()),
        if hosts.len() > 1 { "series" } else { "host" },
        escape(&hosts.into_iter().collect::<Vec<_>>().join(", ")),
    );
    if !workloads.is_empty() {
        page.push_str(
            "<nav><ul><li><a href=\"#key-results\">key results</a></li>\
             <li><a href=\"#environment\">environment</a></li>",
        );
        for workload in &workloads {
            let _ = write!(page, "<li><a href=\"#workload-{0}\">{0}</a></li>", escape(workload));
        }
        page.push_str("</ul></nav>\n");
    }

    write_key_results(&mut page, summary);
    write_findings(&mut page, summary);
    page.push_str(HOW_TO_READ);
    write_environment(&mut page, metas, summary);

    let invariants = invariants_of(metas);
    for workload in &workloads {
        let section = WorkloadSection {
            name: workload,
            rows: summary.iter().filter(|r| &r.workload == workload).collect(),
            charts: charts.iter().filter(|c| &c.workload == workload).collect(),
            styles: styles_of(workload, summary, histograms),
            invariant: invariants.get(workload.as_str()).cloned(),
        };
        write_workload(&mut page, &section, summary, root);
    }
    page.push_str(
        "<p class=\"muted\" style=\"margin-top:48px\">Drawn by syncbench from summary.csv, histograms.csv and \
         meta.json; <code>syncbench report DIR</code> redraws it.</p>\n</main>\n</body>\n</html>\n",
    );
    page
}

/// The key to the charts, once at the top rather than in every legend.
const HOW_TO_READ: &str = "<p class=\"muted how\">How to read the charts: <b>colour</b> = \
implementation, the same in every chart and table of a workload; <b>solid line, filled circle</b> = \
hand-rolled, <b>dashed line, square</b> = library, <b>dotted line, cross</b> = demonstration (broken on \
purpose). With several hosts or commits, each is a shade of the implementation's colour and the \
series is named <code>impl @ host</code>. In throughput charts the wide light-grey dashed line is ideal linear \
scaling of the best one-thread implementation (its 1-thread throughput × threads), and the \
vertical dashes mark the logical CPU count.</p>\n";

/// Each workload's one-line invariant, as the runs' `meta.json` recorded it.
fn invariants_of(metas: &[RunMeta]) -> BTreeMap<String, String> {
    let mut invariants = BTreeMap::new();
    for meta in metas {
        let workloads = meta.config.get("workloads").and_then(|w| w.as_array());
        for workload in workloads.into_iter().flatten() {
            let name = workload.get("name").and_then(|n| n.as_str());
            let invariant = workload.get("invariant").and_then(|i| i.as_str());
            if let (Some(name), Some(invariant)) = (name, invariant) {
                invariants.entry(name.to_owned()).or_insert_with(|| invariant.to_owned());
            }
        }
    }
    invariants
}

/// A workload's section: its charts (with swept parameters, the charts across the sets first,
/// then a subsection per set), fairness, findings and numbers.
fn write_workload(
    page: &mut String,
    section: &WorkloadSection<'_>,
    summary: &[SummaryRow],
    root: &Path,
) {
    let workload = section.name;
    let _ = writeln!(page, "<section id=\"workload-{0}\">\n<h2>{0}</h2>", escape(workload));
    let params: BTreeSet<&str> =
        section.rows.iter().map(|r| r.params.as_str()).filter(|p| !p.is_empty()).collect();
    if !params.is_empty() {
        let list: Vec<String> =
            params.into_iter().map(|p| format!("<code>{}</code>", escape(p))).collect();
        let _ = writeln!(page, "<p class=\"muted\">Parameters: {}</p>", list.join(" · "));
    }
    let variants = ParamVariants::of(workload, summary, &[]);
    if variants.sets.len() <= 1 {
        write_charts(page, &section.charts, root);
        write_fairness_table(page, &section.rows, &section.styles);
        write_workload_findings(page, &section.rows, section.invariant.as_deref());
        if !section.rows.is_empty() {
            write_summary_table(page, &section.rows, &section.styles);
        }
        page.push_str("</section>\n");
        return;
    }
    let across: Vec<&Chart> =
        section.charts.iter().copied().filter(|c| !variants.sets.contains(&c.params)).collect();
    write_charts(page, &across, root);
    write_workload_findings(page, &section.rows, section.invariant.as_deref());
    for (index, set) in variants.sets.iter().enumerate() {
        let pairs: Vec<String> = variants
            .varying_pairs(set)
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        let _ = writeln!(
            page,
            "<h3 class=\"set\" id=\"workload-{}-{index}\">{}</h3>",
            escape(workload),
            escape(&pairs.join(", "))
        );
        let of_set: Vec<&Chart> =
            section.charts.iter().copied().filter(|c| &c.params == set).collect();
        write_charts(page, &of_set, root);
        let rows: Vec<&SummaryRow> =
            section.rows.iter().copied().filter(|r| &r.params == set).collect();
        write_fairness_table(page, &rows, &section.styles);
        if !rows.is_empty() {
            write_summary_table(page, &rows, &section.styles);
        }
    }
    page.push_str("</section>\n");
}

/// Charts under a heading per kind, in the order given.
fn write_charts(page: &mut String, charts: &[&Chart], root: &Path) {
    let mut previous = None;
    for chart in charts {
        if previous != Some(chart.kind) {
            let heading = match chart.kind {
                ChartKind::Scaling => "Throughput vs threads",
                ChartKind::Histogram => "Latency histograms",
                ChartKind::Percentiles => "Percentile distribution",
                ChartKind::ParamSweep => "Throughput vs parameter",
            };
            let _ = writeln!(page, "<h4>{heading}</h4>");
            previous = Some(chart.kind);
        }
        write_chart(page, chart, root);
    }
}

mod environment;
mod fairness;
mod figure;
mod findings;
mod format;
mod key_results;
pub(crate) mod page_style;
mod summary_table;
#[cfg(test)]
pub(crate) mod tests;
