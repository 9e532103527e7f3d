//! `history report`: one self-contained page of trends — per point, throughput and p99 against
//! commit or date, one series per host (see [`crate::charts::trend`]). Like `report.html` it has
//! no network reference: CSS and SVG are inline. The SVGs are also written to `charts/` beside
//! the page, for those who want them separately.
//!
//! The page is drawn into a temporary folder beside `--out` and renamed into place, so a failure
//! leaves nothing behind.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use crate::charts::trend::{host_colour, trend_svg, TrendAxis};
use crate::html::escape;
use crate::html::page_style::STYLE;

use super::query::{Filter, StoredRun};
use super::series::{points, PointHistory};
use super::{History, HistoryError};

/// What to draw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrendOptions {
    pub filter: Filter,
    /// Dates instead of commits on the x axis.
    pub by_date: bool,
}

/// Draws the trend page of the rows `options` selects into the folder `out` (`report.html`,
/// `charts/`), which must not exist yet or be empty. Returns how many charts it drew.
pub fn write_trend_page(
    history: &History,
    options: &TrendOptions,
    out: &Path,
) -> Result<usize, HistoryError> {
    let runs = history.runs()?;
    let results = history.results(&options.filter)?;
    let points = points(&runs, &results);
    if points.is_empty() {
        return Err(HistoryError::NothingMatches {
            path: history.path().to_owned(),
            filter: options.filter.describe(),
        });
    }
    let output = |path: &Path, e: &dyn std::fmt::Display| HistoryError::Output {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let is_empty_dir = |dir: &Path| std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
    if out.exists() && !is_empty_dir(out) {
        return Err(output(out, &"it already exists; choose another --out"));
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| output(parent, &e))?;
    let name =
        out.file_name().map_or_else(|| "history".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let result = draw(history, &runs, &points, options, &staging).and_then(|count| {
        if out.exists() {
            std::fs::remove_dir(out).map_err(|e| output(out, &e))?;
        }
        std::fs::rename(&staging, out).map_err(|e| output(out, &e))?;
        Ok(count)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn draw(
    history: &History,
    runs: &[StoredRun],
    points: &[PointHistory<'_>],
    options: &TrendOptions,
    dir: &Path,
) -> Result<usize, HistoryError> {
    let output = |path: &Path, e: &dyn std::fmt::Display| HistoryError::Output {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|e| output(&charts_dir, &e))?;
    // Only the runs that have a drawn point: the filter may leave hosts or commits out.
    let drawn: BTreeSet<i64> = points
        .iter()
        .flat_map(|p| p.hosts.iter().flat_map(|h| h.runs.iter().map(|r| r.run.id)))
        .collect();
    let runs: Vec<&StoredRun> = runs.iter().filter(|r| drawn.contains(&r.id)).collect();
    let mut hosts: Vec<String> = Vec::new();
    let mut commits: Vec<String> = Vec::new();
    for run in &runs {
        if !hosts.contains(&run.host) {
            hosts.push(run.host.clone());
        }
        if !commits.contains(&run.git_commit) {
            commits.push(run.git_commit.clone());
        }
    }
    let axis = if options.by_date { TrendAxis::Date } else { TrendAxis::Commit(commits.clone()) };

    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>syncbench history</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>syncbench history</h1>\n"
    );
    let _ = writeln!(
        page,
        "<p class=\"sub\">{} · {} run(s) · {} commit(s) · host(s): {} · {} point(s){}</p>",
        escape(&history.path().display().to_string()),
        runs.len(),
        commits.len(),
        hosts.iter().map(|h| escape(h)).collect::<Vec<_>>().join(", "),
        points.len(),
        escape(&options.filter.describe()),
    );
    page.push_str(
        "<p>Each chart is one point (workload, implementation, parameters, threads): throughput \
         on top, p99 latency below, against the commit (in the order of its first run) or the \
         run's start. One series per host — absolute numbers of different machines are not \
         comparable, so read each line against itself. A marker is the median of a run's \
         repeats, the bar their min..max; a red ring marks a run that broke the workload's \
         invariant.</p>\n",
    );
    write_runs_table(&mut page, &runs, &hosts);

    let mut workloads: Vec<&str> = Vec::new();
    for point in points {
        if !workloads.contains(&point.key.workload.as_str()) {
            workloads.push(&point.key.workload);
        }
    }
    page.push_str("<nav><ul>");
    for workload in &workloads {
        let _ = write!(page, "<li><a href=\"#workload-{0}\">{0}</a></li>", escape(workload));
    }
    page.push_str("</ul></nav>\n");
    let mut count = 0;
    for workload in workloads {
        let _ = writeln!(page, "<section id=\"workload-{0}\">\n<h2>{0}</h2>", escape(workload));
        for point in points.iter().filter(|p| p.key.workload == workload) {
            let svg = trend_svg(point, &axis, &hosts).map_err(|e| HistoryError::Output {
                path: dir.to_owned(),
                reason: format!("{e:#}"),
            })?;
            let key = &point.key;
            let tag = crate::record::threads_tag(key.cores, key.threads);
            let stem = crate::charts::file_stem(&format!(
                "{}-{}-{}-{tag}-trend",
                key.workload, key.implementation, key.params
            ));
            let file = charts_dir.join(format!("{stem}.svg"));
            std::fs::write(&file, &svg).map_err(|e| output(&file, &e))?;
            let point_hosts: Vec<&str> = point.hosts.iter().map(|h| h.host.as_str()).collect();
            let _ = writeln!(
                page,
                "<figure class=\"trend\" data-point=\"{}/{}/{}/{tag}\" data-hosts=\"{}\">",
                escape(&key.workload),
                escape(&key.implementation),
                escape(&key.params),
                escape(&point_hosts.join(" ")),
            );
            if let Some(start) = svg.find("<svg") {
                page.push_str(svg[start..].trim_end());
                page.push('\n');
            }
            let _ = writeln!(
                page,
                "<figcaption>{} / {}{} at {} threads{} — series: {} — <a href=\"charts/{}.svg\">SVG</a></figcaption>\n</figure>",
                escape(&key.workload),
                escape(&key.implementation),
                if key.params.is_empty() { String::new() } else { format!(" ({})", escape(&key.params)) },
                key.threads,
                crate::record::cores_phrase(key.cores),
                escape(&point_hosts.join(", ")),
                escape(&stem),
            );
            count += 1;
        }
        page.push_str("</section>\n");
    }
    page.push_str(
        "<p class=\"muted\" style=\"margin-top:48px\">Drawn by <code>syncbench history report</code> \
         from the history database.</p>\n</main>\n</body>\n</html>\n",
    );
    let html = dir.join("report.html");
    std::fs::write(&html, page).map_err(|e| output(&html, &e))?;
    Ok(count)
}

/// The runs drawn, oldest first, with a swatch of their host's colour.
fn write_runs_table(page: &mut String, runs: &[&StoredRun], hosts: &[String]) {
    page.push_str(
        "<details><summary>runs</summary>\n<table class=\"runs\">\n<tr><th>started</th><th>host</th>\
         <th>commit</th><th>run id</th><th>CPU</th><th class=\"num\">rows</th></tr>\n",
    );
    for run in runs {
        let index = hosts.iter().position(|h| *h == run.host).unwrap_or(0);
        let (r, g, b) = host_colour(index);
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td><span class=\"swatch\" style=\"background:#{r:02x}{g:02x}{b:02x}\"></span>{}</td>\
             <td>{}</td><td>{}</td><td>{} ({} logical CPUs)</td><td class=\"num\">{}</td></tr>",
            escape(&run.started),
            escape(&run.host),
            escape(&run.git_commit),
            escape(&run.run_id),
            escape(&run.cpu_model),
            run.logical_cpus,
            run.rows,
        );
    }
    page.push_str("</table>\n</details>\n");
}
