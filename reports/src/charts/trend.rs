//! The trend chart of one point in the history: throughput (top) and p99 latency (bottom)
//! against commit or date, one series per host. Each run is a marker at its repeats' median with
//! a min..max bar; a line joins a host's runs in the order they started. A run in which the
//! workload's invariant was violated gets a red ring, so a fast-but-broken run cannot pass as a
//! win.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::*;
use super::median;
use super::output::DrawResult;
use super::style::{Kind, SeriesStyle, PALETTE};
use crate::history::series::PointHistory;

/// The red of a violated run's ring.
const VIOLATION: RGBColor = RGBColor(200, 0, 0);

/// What the x axis of every trend chart shows.
#[derive(Debug, Clone, PartialEq)]
pub enum TrendAxis {
    /// One position per commit, in order of the commit's first run (the history knows no commit
    /// graph; CI adds commits in the order it builds them). Labels are the first 7 characters.
    Commit(Vec<String>),
    /// The run's start, in days since the Unix epoch.
    Date,
}

impl TrendAxis {
    fn x(&self, commit: &str, started: &str) -> Option<f64> {
        match self {
            Self::Commit(commits) => commits.iter().position(|c| c == commit).map(|i| i as f64),
            Self::Date => humantime::parse_rfc3339_weak(started.trim_end_matches('Z'))
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs_f64() / 86_400.0),
        }
    }

    fn label(&self, x: f64) -> String {
        match self {
            Self::Commit(commits) => {
                let at = x.round();
                if (x - at).abs() > 1e-6 || at < 0.0 {
                    return String::new();
                }
                commits.get(at as usize).map(|c| c.chars().take(7).collect()).unwrap_or_default()
            }
            Self::Date => {
                let secs = (x * 86_400.0).max(0.0);
                let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(secs);
                let text = humantime::format_rfc3339_seconds(time).to_string();
                // Whole days read as dates, anything finer as date and hour.
                if (x - x.round()).abs() < 1e-6 {
                    text[..10].to_owned()
                } else {
                    text[..16].replace('T', " ")
                }
            }
        }
    }

    fn description(&self) -> &'static str {
        match self {
            Self::Commit(_) => "commit (in order of its first run)",
            Self::Date => "run start (UTC)",
        }
    }

    /// Tick positions over `low..high`: every commit (thinned to about 12), or round days/hours.
    fn ticks(&self, low: f64, high: f64) -> Vec<f64> {
        match self {
            Self::Commit(commits) => {
                let step = commits.len().div_ceil(12).max(1);
                (0..commits.len()).step_by(step).map(|i| i as f64).collect()
            }
            Self::Date => {
                let span = (high - low).max(1e-9);
                let step = [1.0 / 24.0, 1.0 / 4.0, 1.0, 7.0, 30.0]
                    .into_iter()
                    .find(|&s| span / s <= 10.0)
                    .unwrap_or(90.0);
                let first = (low / step).ceil() as i64;
                let last = (high / step).floor() as i64;
                (first..=last).map(|i| i as f64 * step).collect()
            }
        }
    }
}

/// One host's runs, as drawn.
struct HostLine {
    host: String,
    style: SeriesStyle,
    /// (x, median, min, max, violated) per run, in order of start; two metrics.
    throughput: Vec<(f64, f64, f64, f64, bool)>,
    p99: Vec<(f64, f64, f64, f64, bool)>,
}

/// The colour of the `index`-th host of the whole history: the same host has the same colour
/// in every chart of a trend page.
pub fn host_colour(index: usize) -> (u8, u8, u8) {
    let RGBColor(r, g, b) = PALETTE[index % PALETTE.len()];
    (r, g, b)
}

/// Draws the trend chart of `point` as an SVG document. `hosts` is every host of the page, in
/// the order that fixes their colours.
pub fn trend_svg(
    point: &PointHistory<'_>,
    axis: &TrendAxis,
    hosts: &[String],
) -> anyhow::Result<String> {
    super::register_embedded_font()?;
    let kind = Kind::parse(&point.impl_kind);
    let lines: Vec<HostLine> = point
        .hosts
        .iter()
        .map(|series| {
            let index = hosts.iter().position(|h| *h == series.host).unwrap_or(0);
            let (r, g, b) = host_colour(index);
            // On a commit axis the hosts' markers of one commit sit a little apart, so that equal
            // values do not hide one host behind another.
            let nudge = match axis {
                TrendAxis::Commit(_) if point.hosts.len() > 1 => {
                    let at = point.hosts.iter().position(|h| h.host == series.host).unwrap_or(0);
                    (at as f64 - (point.hosts.len() - 1) as f64 / 2.0) * 0.06
                }
                _ => 0.0,
            };
            let runs = |metric| {
                series
                    .runs
                    .iter()
                    .filter_map(|run| {
                        let x = axis.x(&run.run.git_commit, &run.run.started)? + nudge;
                        let values = run.samples(metric);
                        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        Some((x, median(values), lo, hi, run.violated))
                    })
                    .collect()
            };
            HostLine {
                host: series.host.clone(),
                style: SeriesStyle { colour: RGBColor(r, g, b), kind },
                throughput: runs(crate::compare::Metric::Throughput),
                p99: runs(crate::compare::Metric::P99Latency),
            }
        })
        .collect();
    let key = &point.key;
    let title = format!(
        "{} / {} — {}",
        key.workload,
        key.implementation,
        crate::record::threads_phrase(key.threads, key.cores)
    );
    let mut captions = Vec::new();
    if !key.params.is_empty() {
        captions.push(CaptionLine { text: format!("parameters: {}", key.params), colour: MUTED });
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 640)).into_drawing_area();
        draw(&root, &title, &captions, &lines, axis)
            .map_err(|e| anyhow::anyhow!("cannot draw the trend of {title}: {e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("cannot draw the trend of {title}: {e}"))?;
    }
    Ok(svg)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    captions: &[CaptionLine],
    lines: &[HostLine],
    axis: &TrendAxis,
) -> DrawResult<DB> {
    let entries: Vec<LegendEntry> =
        lines.iter().map(|l| LegendEntry { label: l.host.clone(), style: l.style }).collect();
    let mut notes = vec!["one series per host".to_owned(), "point = median of repeats".to_owned()];
    notes.push("bar = min..max".to_owned());
    if lines.iter().any(|l| l.throughput.iter().any(|p| p.4)) {
        notes.push("red ring = invariant violated".to_owned());
    }
    let plot = draw_frame(root, title, captions, &entries, &notes)?;
    let xs: Vec<f64> = lines.iter().flat_map(|l| l.throughput.iter().map(|p| p.0)).collect();
    let low = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let high = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() {
        return Ok(());
    }
    let (low, high) = match axis {
        TrendAxis::Commit(commits) => (-0.5, commits.len().max(1) as f64 - 0.5),
        TrendAxis::Date => {
            let pad = ((high - low) * 0.06).max(1.0 / 48.0);
            (low - pad, high + pad)
        }
    };
    let height = plot.dim_in_pixel().1;
    let (top, bottom) = plot.split_vertically(height / 2);
    panel(&top, lines, axis, (low, high), Metric::Throughput)?;
    panel(&bottom, lines, axis, (low, high), Metric::P99)?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Metric {
    Throughput,
    P99,
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[HostLine],
    axis: &TrendAxis,
    (low, high): (f64, f64),
    metric: Metric,
) -> DrawResult<DB> {
    let (scale, description) = match metric {
        Metric::Throughput => (1e-6, "throughput, M ops/s"),
        Metric::P99 => (1.0, "p99 latency, ns"),
    };
    let points = |line: &HostLine| -> Vec<(f64, f64, f64, f64, bool)> {
        let raw = match metric {
            Metric::Throughput => &line.throughput,
            Metric::P99 => &line.p99,
        };
        raw.iter().map(|&(x, m, lo, hi, v)| (x, m * scale, lo * scale, hi * scale, v)).collect()
    };
    let max = lines.iter().flat_map(|l| points(l).into_iter().map(|p| p.3)).fold(0.0, f64::max);
    let y = ValueAxis::new(max, 5);
    let ticks = axis.ticks(low, high);
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_left(8)
        .margin_right(16)
        .margin_bottom(4)
        .x_label_area_size(40)
        .y_label_area_size(72)
        .build_cartesian_2d(KeyedAxis::new(low..high, ticks, Vec::new()), y.axis())?;
    let x_format = |x: &f64| axis.label(*x);
    let y_format = |v: &f64| y.label(*v);
    chart
        .configure_mesh()
        .x_desc(axis.description())
        .y_desc(description)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .label_style(font(12.0, &TEXT))
        .axis_desc_style(font(13.0, &TEXT))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .draw()?;
    let plotting = chart.plotting_area();
    for line in lines {
        let SeriesStyle { colour, kind } = line.style;
        let points = points(line);
        if points.len() > 1 {
            let path: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
            draw_line(plotting, path, kind, colour, 2)?;
        }
        for &(x, median, lo, hi, violated) in &points {
            plotting.draw(&PathElement::new(vec![(x, lo), (x, hi)], colour.stroke_width(1)))?;
            draw_marker(plotting, (x, median), kind, colour)?;
            if violated {
                plotting.draw(&Circle::new((x, median), 8, VIOLATION.stroke_width(2)))?;
            }
        }
    }
    if lines.iter().all(|l| points(l).is_empty()) {
        let style = font(13.0, &MUTED).pos(Pos::new(HPos::Center, VPos::Center));
        let (w, h) = area.dim_in_pixel();
        area.draw(&Text::new("no runs", (w as i32 / 2, h as i32 / 2), style))?;
    }
    Ok(())
}
