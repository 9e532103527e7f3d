//! Charts (SVG and PNG) drawn with plotters from the run's records.
//!
//! Per workload, in order of first appearance in `summary.csv`:
//! - `<workload>-throughput.{svg,png}`: throughput (M ops/s) against threads on a log2 axis, one
//!   line per implementation through the median of the repeats, with a min..max bar at each point
//!   and a dashed vertical line at the number of logical CPUs, so oversubscription shows. The
//!   y axis is linear from 0, or logarithmic when the values span more than 30x (say a racy
//!   demonstration at 2000 M ops/s beside a fair mutex at 0.5). A run at several core counts
//!   (`--cores 1,2`) draws one line per (implementation, core count), shades of one hue.
//! - `<workload>-latency-t<threads>.{svg,png}`, one per thread count (`-latency-c<cores>-t<threads>`,
//!   one per (core count, threads), for a run restricted with `--cores`): the merged latency
//!   histograms of every implementation at that thread count, overlaid on a log latency axis:
//!   filled steps over the buckets for up to four implementations, lines through the bucket
//!   midpoints for more (overlaid steps turn into a thicket). y is each bucket's share of the
//!   implementation's operations. A marker sits on each implementation's median bucket.
//! - `<workload>-percentiles-t<threads>.{svg,png}`, one per thread count (and core count): the latency per
//!   operation against the percentile, x on a log scale of 1/(1−p) as HdrHistogram plots it.
//! - `<workload>-throughput-vs-<param>-t<threads>.{svg,png}`, when the run swept a numeric
//!   parameter (`--set stripes=1,4,16`): throughput against that parameter at one thread count,
//!   one chart per setting of the other varying parameters (named in the file and title).
//!
//! Every implementation keeps one colour across all charts of a workload (and the report's
//! tables): the palette is indexed by its position in the workload's implementation list. The
//! line style tells the kind: solid = hand-rolled, dashed = library, dotted = demonstration (a
//! deliberately broken implementation); markers differ too (circle, square, cross). When the rows
//! come from more than one host, each (implementation, host) pair is its own series, labelled
//! "impl @ host".
//!
//! Text comes from DejaVu Sans embedded in the binary (`assets/DejaVuSans.ttf`), so PNGs render
//! on machines without system fonts. SVGs name the family `sans-serif`; the viewer's font draws
//! them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use plotters::prelude::*;

use crate::record::{threads_tag, HistogramRow, SummaryRow, OP_METRIC};
use crate::variants::ParamVariants;
use latency::LatencyChart;
use output::write_chart;
use param_sweep::ParamSweep;
use percentiles::PercentileChart;
use scaling::ThroughputChart;
pub(crate) use style::SeriesStyles;

/// One drawn chart, as the HTML report refers to it.
#[derive(Debug, Clone)]
pub struct Chart {
    pub workload: String,
    /// The parameter set it shows (`key=value;...`, as in `summary.csv`).
    pub params: String,
    pub title: String,
    pub kind: ChartKind,
    /// The SVG and PNG files, both written. Relative to the results folder root, i.e. to the
    /// parent of the `dir` given to [`render_all`]: `charts/<file>` when `dir` is
    /// `<root>/charts` as [`crate::ResultsFolder::charts_dir`] has it.
    pub svg: PathBuf,
    pub png: PathBuf,
}

/// What a chart shows, so the report can put it under the right heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChartKind {
    /// Throughput against threads.
    Scaling,
    /// A latency histogram at one thread count.
    Histogram,
    /// Latency against percentile at one thread count.
    Percentiles,
    /// Throughput against a swept parameter.
    ParamSweep,
}

/// Size of every chart, in pixels (PNG) and user units (SVG).
pub const CHART_SIZE: (u32, u32) = (1000, 600);

/// DejaVu Sans, embedded so that text renders without system fonts (see `assets/README`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the embedded font with plotters as `sans-serif`, once per process. Every drawing
/// needs it: plotters measures text with it even for SVG.
pub fn register_embedded_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if !ok {
        bail!("the font embedded in the binary (DejaVuSans.ttf) could not be loaded");
    }
    Ok(())
}

/// Draws every chart of the run into `dir` (created if missing) and returns them in report order:
/// per workload, the throughput chart, then the latency charts by ascending thread count.
///
/// Each file is drawn completely, then moved into place by a rename, so a failed drawing leaves
/// no empty or half-written chart behind.
pub fn render_all(
    summary: &[SummaryRow],
    histograms: &[HistogramRow],
    dir: &Path,
) -> Result<Vec<Chart>> {
    register_embedded_font()?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let relative_dir = dir.file_name().map_or_else(|| PathBuf::from("charts"), PathBuf::from);
    let mut charts = Vec::new();
    for workload in workloads_in_order(summary, histograms) {
        let styles = styles_of(&workload, summary, histograms);
        let styles = &styles;
        let variants = ParamVariants::of(&workload, summary, histograms);
        for params in &variants.sets {
            let rows: Vec<SummaryRow> = summary
                .iter()
                .filter(|r| r.workload == workload && &r.params == params)
                .cloned()
                .collect();
            let buckets: Vec<&HistogramRow> = histograms
                .iter()
                .filter(|r| r.workload == workload && &r.params == params)
                .collect();
            let stem = file_stem(&format!("{workload}{}", variants.file_suffix(params)));
            let label = variants.title_suffix(params);
            if let Some(mut drawing) = ThroughputChart::build(&workload, &rows, styles) {
                drawing.title = format!("{}{label}", drawing.title);
                let file = format!("{stem}-throughput");
                charts.push(write_chart(&drawing, (&workload, params), dir, &relative_dir, &file)?);
            }
            let mut percentile_charts = Vec::new();
            let mut metrics: Vec<&str> = buckets.iter().map(|r| r.metric.as_str()).collect();
            metrics.sort_by_key(|&metric| (metric != OP_METRIC, metric));
            metrics.dedup();
            for metric in metrics {
                let of_metric: Vec<HistogramRow> =
                    buckets.iter().filter(|r| r.metric == metric).map(|&r| r.clone()).collect();
                // One chart per (core count, threads): `--cores 1,2` draws 1 and 2 cores apart.
                let points: BTreeSet<(usize, usize)> =
                    of_metric.iter().map(|r| (r.cores, r.threads)).collect();
                for &(cores, threads) in &points {
                    let Some(mut drawing) = LatencyChart::build(
                        &workload, cores, threads, metric, &rows, &of_metric, styles,
                    ) else {
                        continue;
                    };
                    drawing.title = format!("{}{label}", drawing.title);
                    let tag = threads_tag(cores, threads);
                    let file = if metric == OP_METRIC {
                        format!("{stem}-latency-{tag}")
                    } else {
                        format!("{stem}-{}-{tag}", file_stem(metric))
                    };
                    charts.push(write_chart(
                        &drawing,
                        (&workload, params),
                        dir,
                        &relative_dir,
                        &file,
                    )?);
                }
                // The percentile distribution of the time per operation, after every histogram.
                for &(cores, threads) in points.iter().filter(|_| metric == OP_METRIC) {
                    let what = "latency per operation";
                    let Some(mut drawing) = PercentileChart::build(
                        &workload, cores, threads, what, &rows, &of_metric, styles,
                    ) else {
                        continue;
                    };
                    drawing.title = format!("{}{label}", drawing.title);
                    let file = format!("{stem}-percentiles-{}", threads_tag(cores, threads));
                    percentile_charts.push(write_chart(
                        &drawing,
                        (&workload, params),
                        dir,
                        &relative_dir,
                        &file,
                    )?);
                }
            }
            charts.append(&mut percentile_charts);
        }
        for sweep in ParamSweep::all(&workload, &variants, summary) {
            let Some(mut drawing) = ThroughputChart::against_param(
                &workload,
                &sweep.param,
                sweep.threads,
                &sweep.rows,
                styles,
            ) else {
                continue;
            };
            drawing.title = format!("{}{}", drawing.title, sweep.title_suffix());
            let file = file_stem(&format!(
                "{workload}-throughput-vs-{}-t{}{}",
                sweep.param,
                sweep.threads,
                sweep.file_suffix()
            ));
            charts.push(write_chart(
                &drawing,
                (&workload, &sweep.label()),
                dir,
                &relative_dir,
                &file,
            )?);
        }
    }
    Ok(charts)
}

/// The series styles of one workload: the same for every chart of it and the report's tables.
pub(crate) fn styles_of(
    workload: &str,
    summary: &[SummaryRow],
    histograms: &[HistogramRow],
) -> SeriesStyles {
    let rows: Vec<SummaryRow> =
        summary.iter().filter(|r| r.workload == workload).cloned().collect();
    let buckets: Vec<HistogramRow> =
        histograms.iter().filter(|r| r.workload == workload).cloned().collect();
    SeriesStyles::new(&rows, &buckets)
}

/// Workload names in order of first appearance in `summary`, then any that only `histograms`
/// has.
pub(crate) fn workloads_in_order(
    summary: &[SummaryRow],
    histograms: &[HistogramRow],
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let all = summary.iter().map(|r| &r.workload).chain(histograms.iter().map(|r| &r.workload));
    for name in all {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// A file name made from a name (workload, series): anything but ASCII letters, digits, `-`, `_` and `.`
/// becomes `_`.
pub(crate) fn file_stem(workload: &str) -> String {
    let stem: String = workload
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    if stem.is_empty() || stem.starts_with('.') {
        format!("_{stem}")
    } else {
        stem
    }
}

pub(crate) use crate::compare::stats::median;

mod canvas;
mod ideal_line;
mod latency;
mod output;
mod param_sweep;
mod percentiles;
mod scaling;
mod style;
#[cfg(test)]
pub(crate) mod tests;
mod throughput_axis;
pub mod trend;
