//! `report.html`: one self-contained page — no network, no external CSS or JavaScript. The SVG
//! charts are inlined, so the page alone is the whole report (the PNG/SVG links next to each
//! chart point at the files in `charts/` for those who want them separately).
//!
//! Layout: the runs' environment (one column per `meta.json`), a list of invariant findings if
//! any, then a section per workload (`id="workload-<name>"`) with its charts and a table of its
//! summary aggregated per (implementation, threads): medians over the repeats, and the worst
//! invariant outcome of them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::charts::{implementation_colours, median, workloads_in_order, Chart};
use crate::meta::RunMeta;
use crate::record::{invariant, SummaryRow};
use crate::variants::ParamVariants;

/// Writes the report page to `out`. `root` is the results folder, against which chart paths are
/// resolved to embed them. A chart whose SVG cannot be read is shown as a note, not an error.
pub fn write_report(
    metas: &[RunMeta],
    summary: &[SummaryRow],
    charts: &[Chart],
    root: &Path,
    out: &Path,
) -> Result<()> {
    let page = render_page(metas, summary, charts, root);
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

const STYLE: &str = r#"
:root { --fg: #1e1e1e; --muted: #5a5a5a; --line: #d7d7d7; --band: #f6f7f9; --accent: #1f77b4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.35em; margin: 40px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
h3 { font-size: 1.05em; margin: 24px 0 8px; }
p.sub, .muted { color: var(--muted); }
nav ul { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92em; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.first-of-threads td { border-top: 2px solid var(--line); }
td.best { font-weight: 700; }
.range { color: var(--muted); font-size: 0.88em; }
.env th { width: 11em; }
.env td { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.95em; word-break: break-all; }
pre { background: var(--band); padding: 8px 10px; overflow-x: auto; font-size: 0.9em; margin: 6px 0 0; }
details summary { cursor: pointer; color: var(--accent); }
figure { margin: 12px 0 24px; }
figure svg { display: block; width: 100%; max-width: 1000px; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 0.88em; color: var(--muted); margin-top: 4px; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 6px; vertical-align: -0.05em; }
.inv-violated { background: #fde2e1; color: #8b1411; font-weight: 600; }
.inv-expected { background: #fff1d6; color: #7a4d00; }
.findings { border-left: 4px solid #d62728; background: #fdf0ef; padding: 8px 14px; margin: 16px 0; }
.findings.expected { border-left-color: #e0a100; background: #fff8e8; }
.findings ul { margin: 4px 0; padding-left: 20px; }
.missing { color: #8b1411; }
"#;

fn render_page(metas: &[RunMeta], summary: &[SummaryRow], charts: &[Chart], root: &Path) -> String {
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
        "<p class=\"sub\">{} · {} workload{} · {} measured repeat{} · host{} {}</p>",
        escape(&run_ids.join(", ")),
        workloads.len(),
        plural(workloads.len()),
        summary.len(),
        plural(summary.len()),
        plural(hosts.len()),
        escape(&hosts.into_iter().collect::<Vec<_>>().join(", ")),
    );
    if !workloads.is_empty() {
        page.push_str("<nav><ul><li><a href=\"#environment\">environment</a></li>");
        for workload in &workloads {
            let _ = write!(page, "<li><a href=\"#workload-{0}\">{0}</a></li>", escape(workload));
        }
        page.push_str("</ul></nav>\n");
    }

    write_findings(&mut page, summary);
    write_environment(&mut page, metas);

    let colours = implementation_colours(summary);
    for workload in &workloads {
        let _ = writeln!(page, "<section id=\"workload-{0}\">\n<h2>{0}</h2>", escape(workload));
        let rows: Vec<&SummaryRow> = summary.iter().filter(|r| &r.workload == workload).collect();
        let params: BTreeSet<&str> =
            rows.iter().map(|r| r.params.as_str()).filter(|p| !p.is_empty()).collect();
        if !params.is_empty() {
            let list: Vec<String> =
                params.into_iter().map(|p| format!("<code>{}</code>", escape(p))).collect();
            let _ = writeln!(page, "<p class=\"muted\">Parameters: {}</p>", list.join(" · "));
        }
        let variants = ParamVariants::of(workload, summary, &[]);
        if variants.sets.len() <= 1 {
            for chart in charts.iter().filter(|c| &c.workload == workload) {
                write_chart(&mut page, chart, root);
            }
            if !rows.is_empty() {
                write_summary_table(&mut page, &rows, &colours);
            }
        }
        // Charts across parameter sets (throughput against a swept parameter) come first.
        let across_sets =
            |c: &&Chart| &c.workload == workload && !variants.sets.contains(&c.params);
        for chart in charts.iter().filter(across_sets).filter(|_| variants.sets.len() > 1) {
            write_chart(&mut page, chart, root);
        }
        // Several parameter sets: a subsection each, named by what tells them apart.
        for (index, set) in variants.sets.iter().enumerate().filter(|_| variants.sets.len() > 1) {
            let pairs: Vec<String> = variants
                .varying_pairs(set)
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect();
            let _ = writeln!(
                page,
                "<h3 id=\"workload-{}-{index}\">{}</h3>",
                escape(workload),
                escape(&pairs.join(", "))
            );
            for chart in charts.iter().filter(|c| &c.workload == workload && &c.params == set) {
                write_chart(&mut page, chart, root);
            }
            let of_set: Vec<&SummaryRow> =
                rows.iter().copied().filter(|r| &r.params == set).collect();
            if !of_set.is_empty() {
                write_summary_table(&mut page, &of_set, &colours);
            }
        }
        page.push_str("</section>\n");
    }
    page.push_str(
        "<p class=\"muted\" style=\"margin-top:48px\">Drawn by syncbench from summary.csv, histograms.csv and \
         meta.json; <code>syncbench report DIR</code> redraws it.</p>\n</main>\n</body>\n</html>\n",
    );
    page
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// How bad an invariant outcome is, by its prefix (the part before any `:` detail): ok <
/// expected violation < anything unknown < violated.
fn severity(outcome: &str) -> u8 {
    match outcome.split(':').next().unwrap_or_default().trim() {
        invariant::OK => 0,
        invariant::EXPECTED_VIOLATION => 1,
        invariant::VIOLATED => 3,
        _ => 2,
    }
}

/// The timing column of a point: its distinct methods, with the batch sizes of `batch-mean(N)`
/// folded into one range, e.g. `batch-mean(124–135)`.
fn timing_summary<'a>(timings: impl Iterator<Item = &'a str>) -> String {
    let mut sizes: Vec<u64> = Vec::new();
    let mut others: BTreeSet<&str> = BTreeSet::new();
    for timing in timings {
        let size = timing
            .strip_prefix("batch-mean(")
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|n| n.trim().parse().ok());
        match size {
            Some(size) => sizes.push(size),
            None => {
                others.insert(timing);
            }
        }
    }
    let mut parts: Vec<String> = others.into_iter().map(str::to_owned).collect();
    if let (Some(low), Some(high)) = (sizes.iter().min(), sizes.iter().max()) {
        parts.push(if low == high {
            format!("batch-mean({low})")
        } else {
            format!("batch-mean({low}–{high})")
        });
    }
    parts.join(", ")
}

fn invariant_class(severity: u8) -> &'static str {
    match severity {
        0 => "",
        1 => " class=\"inv-expected\"",
        _ => " class=\"inv-violated\"",
    }
}

/// A box at the top listing the points whose invariant did not hold, unexpected ones first.
fn write_findings(page: &mut String, summary: &[SummaryRow]) {
    let mut unexpected: BTreeMap<(String, String, usize), (usize, String)> = BTreeMap::new();
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    for row in summary {
        match severity(&row.invariant) {
            0 => {}
            1 => {
                expected.insert((row.workload.clone(), row.implementation.clone()));
            }
            _ => {
                let entry = unexpected
                    .entry((row.workload.clone(), row.implementation.clone(), row.threads))
                    .or_insert((0, row.invariant.clone()));
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

/// The environment of every run, one column per run.
fn write_environment(page: &mut String, metas: &[RunMeta]) {
    page.push_str("<section id=\"environment\">\n<h2>Environment</h2>\n");
    if metas.is_empty() {
        page.push_str("<p class=\"muted\">No meta.json was given.</p>\n</section>\n");
        return;
    }
    page.push_str("<table class=\"env\">\n");
    type Field = fn(&RunMeta) -> String;
    let fields: [(&str, Field); 12] = [
        ("run id", |m| m.run_id.clone()),
        ("started", |m| m.started.clone()),
        ("finished", |m| {
            m.finished.clone().unwrap_or_else(|| "— (unfinished or killed)".to_owned())
        }),
        ("host", |m| m.host.clone()),
        ("CPU model", |m| m.cpu_model.clone()),
        ("logical CPUs", |m| m.logical_cpus.to_string()),
        ("OS / arch", |m| format!("{} / {}", m.os, m.arch)),
        ("kernel", |m| m.kernel.clone()),
        ("rustc", |m| m.rustc.clone()),
        ("git commit", |m| m.git_commit.clone()),
        ("syncbench", |m| m.syncbench_version.clone()),
        ("command", |m| m.command.iter().map(|a| shell_word(a)).collect::<Vec<_>>().join(" ")),
    ];
    for (name, field) in &fields {
        let _ = write!(page, "<tr><th>{}</th>", escape(name));
        for meta in metas {
            let _ = write!(page, "<td>{}</td>", escape(&field(meta)));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("<tr><th>configuration</th>");
    for meta in metas {
        let json = serde_json::to_string_pretty(&meta.config)
            .unwrap_or_else(|e| format!("(cannot show: {e})"));
        let _ = write!(
            page,
            "<td><details><summary>config JSON</summary><pre>{}</pre></details></td>",
            escape(&json)
        );
    }
    page.push_str("</tr>\n</table>\n</section>\n");
}

/// An argument as a shell would need it typed: quoted if it holds anything unusual.
fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The chart's SVG inlined (its XML prolog and doctype stripped), with links to both files.
fn write_chart(page: &mut String, chart: &Chart, root: &Path) {
    let href = |path: &Path| {
        escape(
            &path
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
        )
    };
    page.push_str("<figure>\n");
    match std::fs::read_to_string(root.join(&chart.svg)) {
        Ok(svg) => match svg.find("<svg") {
            Some(start) => {
                page.push_str(svg[start..].trim_end());
                page.push('\n');
            }
            None => {
                let _ = writeln!(
                    page,
                    "<p class=\"missing\">{} holds no SVG drawing.</p>",
                    escape(&chart.svg.display().to_string())
                );
            }
        },
        Err(e) => {
            let _ = writeln!(
                page,
                "<p class=\"missing\">Chart not available: cannot read {}: {}</p>",
                escape(&chart.svg.display().to_string()),
                escape(&e.to_string())
            );
        }
    }
    let _ = writeln!(
        page,
        "<figcaption>{} — <a href=\"{}\">SVG</a> · <a href=\"{}\">PNG</a></figcaption>\n</figure>",
        escape(&chart.title),
        href(&chart.svg),
        href(&chart.png)
    );
}

/// One (host, implementation, threads) point of the table, over its repeats.
struct Point<'a> {
    rows: Vec<&'a SummaryRow>,
}

impl Point<'_> {
    fn median_of(&self, field: impl Fn(&SummaryRow) -> f64) -> f64 {
        median(&self.rows.iter().map(|r| field(r)).collect::<Vec<_>>())
    }
}

/// The summary of one workload aggregated per (implementation, threads), grouped by thread count
/// so that implementations compare at a glance; the best median throughput of each thread count
/// (demonstrations aside) is in bold.
fn write_summary_table(
    page: &mut String,
    rows: &[&SummaryRow],
    colours: &BTreeMap<String, String>,
) {
    let multi_host = rows.iter().map(|r| r.host.as_str()).collect::<BTreeSet<_>>().len() > 1;
    let mut points: BTreeMap<(usize, String, String), Point> = BTreeMap::new();
    for row in rows {
        let host = if multi_host { row.host.clone() } else { String::new() };
        points
            .entry((row.threads, row.implementation.clone(), host))
            .or_insert_with(|| Point { rows: Vec::new() })
            .rows
            .push(row);
    }
    let mut best: BTreeMap<(usize, &str), f64> = BTreeMap::new();
    // A demonstration (deliberately broken) implementation may well be the fastest; it does not
    // count as the best.
    for ((threads, _, host), point) in
        points.iter().filter(|(_, p)| p.rows.iter().all(|r| r.impl_kind != "demonstration"))
    {
        let throughput = point.median_of(|r| r.throughput_ops_s);
        let entry = best.entry((*threads, host.as_str())).or_insert(f64::NEG_INFINITY);
        *entry = entry.max(throughput);
    }

    page.push_str("<h3>Summary</h3>\n<table class=\"summary\">\n<thead><tr><th class=\"num\">threads</th><th>implementation</th>");
    if multi_host {
        page.push_str("<th>host</th>");
    }
    page.push_str(
        "<th>kind</th><th class=\"num\">throughput<br>M ops/s (median)</th><th class=\"num\">min – max</th>\
         <th class=\"num\">p50 ns</th><th class=\"num\">p99 ns</th><th class=\"num\">fairness</th>\
         <th class=\"num\">repeats</th><th>timing</th><th>invariant</th></tr></thead>\n<tbody>\n",
    );
    let mut previous_threads = None;
    for ((threads, implementation, host), point) in &points {
        let throughput = point.median_of(|r| r.throughput_ops_s);
        let (low, high) =
            point.rows.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r.throughput_ops_s), hi.max(r.throughput_ops_s))
            });
        let is_best = best.get(&(*threads, host.as_str())).is_some_and(|b| *b == throughput)
            && points.len() > 1;
        let first = previous_threads.is_some_and(|t| t != *threads);
        previous_threads = Some(*threads);

        let kinds: BTreeSet<&str> = point.rows.iter().map(|r| r.impl_kind.as_str()).collect();
        let worst = point
            .rows
            .iter()
            .max_by_key(|r| severity(&r.invariant))
            .map_or(invariant::OK, |r| r.invariant.as_str());
        let level = severity(worst);
        let not_ok = point.rows.iter().filter(|r| severity(&r.invariant) > 0).count();
        let invariant_text = if level == 0 {
            "ok".to_owned()
        } else if not_ok < point.rows.len() {
            format!("{worst} ({not_ok} of {} repeats)", point.rows.len())
        } else {
            worst.to_owned()
        };
        let swatch = colours
            .get(implementation)
            .filter(|_| !multi_host)
            .map(|c| format!("<span class=\"swatch\" style=\"background:{}\"></span>", escape(c)))
            .unwrap_or_default();

        let _ = write!(
            page,
            "<tr{}><td class=\"num\">{threads}</td><td>{swatch}{}</td>",
            if first { " class=\"first-of-threads\"" } else { "" },
            escape(implementation)
        );
        if multi_host {
            let _ = write!(page, "<td>{}</td>", escape(host));
        }
        let _ = writeln!(
            page,
            "<td>{}</td><td class=\"num{}\">{}</td><td class=\"num range\">{} – {}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td{} title=\"{}\">{}</td></tr>",
            escape(&kinds.into_iter().collect::<Vec<_>>().join(", ")),
            if is_best { " best" } else { "" },
            mops(throughput),
            mops(low),
            mops(high),
            nanos(point.median_of(|r| r.p50_ns)),
            nanos(point.median_of(|r| r.p99_ns)),
            fixed(point.median_of(|r| r.fairness), 3),
            point.rows.len(),
            escape(&timing_summary(point.rows.iter().map(|r| r.timing.as_str()))),
            invariant_class(level),
            escape(worst),
            escape(&invariant_text),
        );
    }
    page.push_str("</tbody>\n</table>\n");
}

/// ops/s as M ops/s with three significant digits.
fn mops(ops_per_s: f64) -> String {
    let value = ops_per_s / 1e6;
    if !value.is_finite() {
        return "–".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let decimals = (2.0 - value.abs().log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{value:.decimals$}")
}

fn nanos(ns: f64) -> String {
    if !ns.is_finite() {
        "–".to_owned()
    } else if ns >= 100.0 {
        format!("{ns:.0}")
    } else {
        format!("{ns:.1}")
    }
}

fn fixed(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "–".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::render_all;
    use crate::charts::tests::{sample, summary_row};

    fn meta(host: &str) -> RunMeta {
        RunMeta {
            run_id: "run-1".into(),
            started: "2025-01-01T00:00:00Z".into(),
            finished: None,
            host: host.into(),
            cpu_model: "Test CPU".into(),
            logical_cpus: 2,
            os: "linux".into(),
            arch: "x86_64".into(),
            kernel: "6.1".into(),
            rustc: "rustc 1.80.0".into(),
            git_commit: "abc123".into(),
            syncbench_version: "0.1.0".into(),
            command: vec!["syncbench".into(), "run".into(), "--set".into(), "label=a b".into()],
            config: serde_json::json!({"threads": [1, 2, 4], "note": "<b>&"}),
        }
    }

    #[test]
    fn report_has_a_section_per_workload_and_inlines_every_chart() {
        let (mut summary, histograms) = sample();
        summary.push(summary_row("second", "spin-lock", "hand-rolled", 1, 1));
        let root = tempfile::tempdir().unwrap();
        let charts = render_all(&summary, &histograms, &root.path().join("charts")).unwrap();
        let out = root.path().join("report.html");
        write_report(&[meta("testhost")], &summary, &charts, root.path(), &out).unwrap();
        let page = std::fs::read_to_string(&out).unwrap();

        assert!(page.starts_with("<!doctype html>"));
        for workload in ["counter", "second"] {
            assert!(page.contains(&format!("<section id=\"workload-{workload}\">")), "{workload}");
        }
        assert_eq!(page.matches("<svg").count(), charts.len());
        for chart in &charts {
            let svg = std::fs::read_to_string(root.path().join(&chart.svg)).unwrap();
            let body = &svg[svg.find("<svg").unwrap()..];
            assert!(page.contains(body.trim_end()), "{} is not inlined", chart.svg.display());
            assert!(page.contains(&format!("href=\"{}\"", chart.png.display())));
        }
        assert!(!page.contains("<?xml"));
        // Self-contained: nothing is fetched.
        assert!(
            !page.contains("<script") && !page.contains("<link") && !page.contains("src=\"http")
        );
        // Aggregated table: one row per (threads, implementation) with the repeats counted, the
        // demonstration's expected violation highlighted amber.
        let rows = page.matches("<tr><td class=\"num\">").count()
            + page.matches("<tr class=\"first-of-threads\"><td class=\"num\">").count();
        assert_eq!(rows, 3 * 3 + 1);
        assert!(page.contains("<td class=\"num\">2</td><td>"), "repeats per point");
        assert!(page.contains(
            "class=\"inv-expected\" title=\"expected-violation: lost 12 updates\">expected-violation"
        ));
        assert!(page.contains("batch-mean(64)"));
        // The racy demonstration is fastest in the sample, but the best is the fastest real one.
        assert!(
            page.contains("<td class=\"num best\">43.0</td><td class=\"num range\">42.0 – 44.0")
        );
        assert_eq!(
            page.matches("num best").count(),
            3,
            "one per thread count; none in a one-row table"
        );
        assert!(page.contains("Expected violations"));
        assert!(!page.contains("Invariant violations"));
    }

    #[test]
    fn text_is_escaped_and_violations_are_highlighted() {
        let mut row = summary_row("w<1>", "impl&\"x\"", "hand-rolled", 2, 1);
        row.invariant = "violated: total <5> != 6".into();
        let mut ok = row.clone();
        ok.repeat = 2;
        ok.invariant = "ok".into();
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("report.html");
        let missing = Chart {
            workload: "w<1>".into(),
            params: String::new(),
            title: "t<i>".into(),
            svg: "charts/none.svg".into(),
            png: "charts/none.png".into(),
        };
        write_report(
            &[meta("<script>alert(1)</script>")],
            &[row, ok],
            &[missing],
            root.path(),
            &out,
        )
        .unwrap();
        let page = std::fs::read_to_string(&out).unwrap();

        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("id=\"workload-w&lt;1&gt;\""));
        assert!(page.contains("impl&amp;&quot;x&quot;"));
        assert!(page.contains("&quot;&lt;b&gt;&amp;&quot;"), "config JSON is escaped");
        assert!(page.contains(">violated: total &lt;5&gt; != 6 (1 of 2 repeats)</td>"));
        assert!(page.contains("class=\"inv-violated\" title=\"violated: total &lt;5&gt; != 6\">"));
        assert!(page.contains("Invariant violations"));
        assert!(page.contains("Chart not available"));
        assert!(page.contains("t&lt;i&gt;"));
        assert!(page.contains("syncbench run --set &#39;label=a b&#39;"));
        assert_eq!(escape("a<b>&\"c\"'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;");
    }

    #[test]
    fn numbers_are_formatted_for_reading() {
        assert_eq!(mops(12_345_678.0), "12.3");
        assert_eq!(mops(123_456_789.0), "123");
        assert_eq!(mops(1_234.0), "0.00123");
        assert_eq!(nanos(25.25), "25.2");
        assert_eq!(nanos(1234.4), "1234");
        assert_eq!(shell_word("--threads"), "--threads");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(severity("ok"), 0);
        assert_eq!(severity("ok: count 5 = 5 increments"), 0);
        assert_eq!(severity("expected-violation: lost 3"), 1);
        assert_eq!(severity("violated: lost 3"), 3);
        assert_eq!(severity("okay?"), 2);
        let timings = ["batch-mean(130)", "batch-mean(124)", "per-op", "batch-mean(135)"];
        assert_eq!(timing_summary(timings.into_iter()), "per-op, batch-mean(124–135)");
        assert_eq!(timing_summary(["per-op", "per-op"].into_iter()), "per-op");
    }
}
