//! Throughput charts: against threads (one per parameter set), and against a numeric parameter
//! (one per thread count) when a run swept one, such as `stripes` or `capacity`.

use std::collections::{BTreeMap, BTreeSet};

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::*;
use super::ideal_line::IdealLine;
use super::median;
use super::output::{DrawResult, Drawing};
use super::style::{SeriesKey, SeriesStyle, SeriesStyles};
use super::throughput_axis::{significant, ThroughputAxis};
use crate::record::SummaryRow;

/// The ideal-scaling line's colour: grey, behind the series' colours.
const IDEAL: RGBColor = RGBColor(185, 185, 185);

/// One point: the repeats of an implementation at one x value.
pub(super) struct ThroughputPoint {
    /// Threads, or the swept parameter's value.
    pub(super) x: f64,
    /// M ops/s.
    pub(super) median: f64,
    pub(super) min: f64,
    pub(super) max: f64,
}

pub(super) struct ThroughputSeries {
    pub(super) key: SeriesKey,
    pub(super) style: SeriesStyle,
    pub(super) points: Vec<ThroughputPoint>,
}

/// What the x axis shows.
pub(super) enum Abscissa {
    /// Threads on a log2 axis, with a dashed line at each logical CPU count (with its label), so
    /// oversubscription shows.
    Threads { cores: Vec<(usize, String)> },
    /// A numeric parameter: log2 when its values are positive and span 8x or more, else linear.
    Param { name: String, log: bool },
}

impl Abscissa {
    fn is_log(&self) -> bool {
        match self {
            Self::Threads { .. } => true,
            Self::Param { log, .. } => *log,
        }
    }

    /// The axis coordinate of an x value.
    fn coordinate(&self, x: f64) -> f64 {
        if self.is_log() {
            x.log2()
        } else {
            x
        }
    }

    fn label(&self, coordinate: f64) -> String {
        match self {
            Self::Threads { .. } => format!("{}", 2f64.powf(coordinate).round()),
            Self::Param { log: true, .. } => significant(2f64.powf(coordinate)),
            Self::Param { log: false, .. } => significant(coordinate),
        }
    }

    fn description(&self) -> String {
        match self {
            Self::Threads { .. } => "threads (log scale)".to_owned(),
            Self::Param { name, log: true } => format!("{name} (log scale)"),
            Self::Param { name, log: false } => name.clone(),
        }
    }
}

pub(super) struct ThroughputChart {
    pub(super) title: String,
    pub(super) captions: Vec<CaptionLine>,
    pub(super) series: Vec<ThroughputSeries>,
    pub(super) abscissa: Abscissa,
    /// Ideal linear scaling, drawn against threads only.
    pub(super) ideal: Option<IdealLine>,
}

impl ThroughputChart {
    /// Throughput against threads for the rows of `workload` in `summary` (one parameter set).
    pub(super) fn build(
        workload: &str,
        summary: &[SummaryRow],
        styles: &SeriesStyles,
    ) -> Option<Self> {
        let rows: Vec<&SummaryRow> = summary.iter().filter(|r| r.workload == workload).collect();
        let (series, repeats) = group(&rows, styles, |row| Some(row.threads as f64))?;
        let title = format!("{workload}: throughput vs threads ({repeats})");
        let mut captions = vec![CaptionLine { text: host_caption(&rows), colour: MUTED }];
        if let Some(params) = params_caption(&rows) {
            captions.push(CaptionLine { text: params, colour: MUTED });
        }
        let hosts: BTreeMap<usize, BTreeSet<&str>> =
            rows.iter().fold(BTreeMap::new(), |mut acc, r| {
                acc.entry(r.logical_cpus).or_default().insert(r.host.as_str());
                acc
            });
        let cores = hosts
            .into_iter()
            .filter(|&(cpus, _)| cpus > 0)
            .map(|(cpus, hosts)| {
                let label = if styles.multi_host {
                    format!("{cpus} cores ({})", hosts.into_iter().collect::<Vec<_>>().join(", "))
                } else {
                    format!("{cpus} cores")
                };
                (cpus, label)
            })
            .collect();
        let ideal = IdealLine::of(&series);
        Some(Self { title, captions, series, abscissa: Abscissa::Threads { cores }, ideal })
    }

    /// Throughput against the numeric parameter `param` for `rows` (all at one thread count,
    /// differing in `param`; each row's `params` holds its value). `None` unless at least two
    /// values parse as numbers.
    pub(super) fn against_param(
        workload: &str,
        param: &str,
        threads: usize,
        rows: &[&SummaryRow],
        styles: &SeriesStyles,
    ) -> Option<Self> {
        let (series, repeats) = group(rows, styles, |row| param_value(&row.params, param))?;
        let values: BTreeSet<u64> =
            series.iter().flat_map(|s| s.points.iter().map(|p| p.x.to_bits())).collect();
        if values.len() < 2 {
            return None;
        }
        let values: Vec<f64> = values.into_iter().map(f64::from_bits).collect();
        let (low, high) =
            values.iter().fold((f64::INFINITY, 0f64), |(l, h), &v| (l.min(v), h.max(v)));
        let log = low > 0.0 && high / low >= 8.0;
        let s = if threads == 1 { "" } else { "s" };
        let title = format!("{workload}: throughput vs {param}, {threads} thread{s} ({repeats})");
        let mut captions = vec![CaptionLine { text: host_caption(rows), colour: MUTED }];
        let others: BTreeSet<String> = rows
            .iter()
            .map(|r| {
                let rest: Vec<&str> =
                    r.params.split(';').filter(|p| !p.starts_with(&format!("{param}="))).collect();
                rest.join(";")
            })
            .collect();
        if others.len() == 1 {
            let rest = others.into_iter().next().unwrap_or_default();
            if !rest.is_empty() {
                captions
                    .push(CaptionLine { text: format!("other parameters: {rest}"), colour: MUTED });
            }
        }
        let abscissa = Abscissa::Param { name: param.to_owned(), log };
        Some(Self { title, captions, series, abscissa, ideal: None })
    }
}

/// `param`'s value in a `key=value;...` string, if it is a number.
fn param_value(params: &str, param: &str) -> Option<f64> {
    crate::variants::param_pairs(params)
        .find(|(key, _)| *key == param)
        .and_then(|(_, value)| value.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// The rows as one series per implementation (and host), a point per x value (`x_of`; rows
/// without one are left out), and a phrase for the title saying how many repeats each point has.
fn group(
    rows: &[&SummaryRow],
    styles: &SeriesStyles,
    x_of: impl Fn(&SummaryRow) -> Option<f64>,
) -> Option<(Vec<ThroughputSeries>, String)> {
    let mut grouped: BTreeMap<SeriesKey, BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
    for row in rows {
        let Some(x) = x_of(row) else { continue };
        grouped
            .entry(styles.key(&row.implementation, &row.host, row.cores))
            .or_default()
            // Non-negative floats order like their bit patterns.
            .entry(x.max(0.0).to_bits())
            .or_default()
            .push(row.throughput_ops_s / 1e6);
    }
    if grouped.is_empty() {
        return None;
    }
    let repeats: BTreeSet<usize> =
        grouped.values().flat_map(|by_x| by_x.values().map(Vec::len)).collect();
    let series = grouped
        .into_iter()
        .map(|(key, by_x)| ThroughputSeries {
            style: styles.style(&key),
            key,
            points: by_x
                .into_iter()
                .map(|(x, values)| ThroughputPoint {
                    x: f64::from_bits(x),
                    median: median(&values),
                    min: values.iter().copied().fold(f64::INFINITY, f64::min),
                    max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                })
                .collect(),
        })
        .collect();
    let (fewest, most) =
        (repeats.first().copied().unwrap_or(1), repeats.last().copied().unwrap_or(1));
    let phrase = match (fewest, most) {
        (1, 1) => "1 repeat per point".to_owned(),
        (n, m) if n == m => format!("median of {n} repeats, bars = min..max"),
        (n, m) => format!("median of {n}–{m} repeats, bars = min..max"),
    };
    Some((series, phrase))
}

impl Drawing for ThroughputChart {
    fn title(&self) -> &str {
        &self.title
    }

    fn kind(&self) -> super::ChartKind {
        match self.abscissa {
            Abscissa::Threads { .. } => super::ChartKind::Scaling,
            Abscissa::Param { .. } => super::ChartKind::ParamSweep,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let entries: Vec<LegendEntry> = self
            .series
            .iter()
            .map(|s| LegendEntry { label: s.key.label(), style: s.style })
            .collect();
        let mut notes = vec!["point = median".to_owned(), "bar = min..max of repeats".to_owned()];
        if let Some(ideal) = &self.ideal {
            notes.push("wide grey dashes = ideal linear:".to_owned());
            notes.push(format!("  {} (1 thread) x threads", ideal.label));
        }
        let plot = draw_frame(root, &self.title, &self.captions, &entries, &notes)?;

        let x = &self.abscissa;
        let placeable = |value: f64| value.is_finite() && (!x.is_log() || value > 0.0);
        let values: BTreeSet<u64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.x))
            .filter(|&v| placeable(v))
            .map(f64::to_bits)
            .collect();
        let (Some(&fewest), Some(&most)) = (values.first(), values.last()) else {
            return Ok(());
        };
        let (fewest, most) = (f64::from_bits(fewest), f64::from_bits(most));
        // The cores line widens the axis when it is near the measured range (the default sweep
        // goes to 4x the logical CPUs); far beyond it, the caption still names the CPU count.
        let cores: Vec<&(usize, String)> = match x {
            Abscissa::Threads { cores } => cores
                .iter()
                .filter(|(cpus, _)| *cpus as f64 >= fewest / 2.0 && *cpus as f64 <= most * 4.0)
                .collect(),
            Abscissa::Param { .. } => Vec::new(),
        };
        let low = x.coordinate(cores.iter().map(|c| c.0 as f64).fold(fewest, f64::min));
        let high = x.coordinate(cores.iter().map(|c| c.0 as f64).fold(most, f64::max));
        let pad = match (high > low, x.is_log()) {
            (true, true) => 0.3,
            (true, false) => (high - low) * 0.06,
            (false, _) => 1.0,
        };
        let x_range = (low - pad)..(high + pad);
        let key_points: Vec<f64> =
            values.iter().map(|&bits| x.coordinate(f64::from_bits(bits))).collect();

        let y = ThroughputAxis::new(
            self.series.iter().flat_map(|s| s.points.iter().flat_map(|p| [p.min, p.max])),
        );
        let (y_bottom, y_top) = y.range();

        let mut chart = ChartBuilder::on(&plot)
            .margin_top(8)
            .margin_left(8)
            .margin_right(16)
            .margin_bottom(8)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(
                KeyedAxis::new(x_range.clone(), key_points, Vec::new()),
                y.axis(),
            )?;
        let x_format = |coordinate: &f64| x.label(*coordinate);
        let y_format = |value: &f64| y.label(*value);
        chart
            .configure_mesh()
            .x_desc(x.description())
            .y_desc(y.description())
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .label_style(font(13.0, &TEXT))
            .axis_desc_style(font(14.0, &TEXT))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .draw()?;

        let area = chart.plotting_area();
        for (cpus, label) in cores {
            let at = x.coordinate(*cpus as f64);
            area.draw(&DashedPathElement::new(
                vec![(at, y_bottom), (at, y_top)],
                6,
                4,
                MUTED.stroke_width(1),
            ))?;
            let style = font(12.0, &MUTED).pos(Pos::new(HPos::Left, VPos::Top));
            area.draw(&(EmptyElement::at((at, y_top)) + Text::new(label.clone(), (4, 4), style)))?;
        }

        if let Some(ideal) = &self.ideal {
            let top = match y.log {
                Some((_, high)) => 10f64.powf(high),
                None => y_top,
            };
            let points: Vec<(f64, f64)> = ideal
                .points(most, top)
                .into_iter()
                .map(|(t, value)| (x.coordinate(t), y.coordinate(value)))
                .collect();
            // Named in the legend only: a label on the plot lands on some series' points.
            if points.len() > 1 {
                area.draw(&DashedPathElement::new(points, 12, 6, IDEAL.stroke_width(4)))?;
            }
        }

        // Dodge the series a little sideways so that their bars do not hide each other.
        let n = self.series.len();
        let width = x_range.end - x_range.start;
        let step = width * (0.05 / n as f64).min(0.006);
        for (i, series) in self.series.iter().enumerate() {
            let dx = (i as f64 - (n as f64 - 1.0) / 2.0) * step;
            let SeriesStyle { colour, kind } = series.style;
            let shown = || series.points.iter().filter(|p| placeable(p.x));
            let points: Vec<(f64, f64)> = shown()
                .filter(|p| y.shows(p.median))
                .map(|p| (x.coordinate(p.x) + dx, y.coordinate(p.median)))
                .collect();
            for p in shown().filter(|p| p.max > p.min) {
                let at = x.coordinate(p.x) + dx;
                let bar = colour.mix(0.8).stroke_width(1);
                let (min, max) = (y.coordinate(p.min), y.coordinate(p.max));
                area.draw(&PathElement::new(vec![(at, min), (at, max)], bar))?;
                for y in [min, max] {
                    area.draw(
                        &(EmptyElement::at((at, y)) + PathElement::new(vec![(-4, 0), (4, 0)], bar)),
                    )?;
                }
            }
            if points.len() > 1 {
                draw_line(area, points.clone(), kind, colour, 2)?;
            }
            for point in points {
                draw_marker(area, point, kind, colour)?;
            }
        }
        Ok(())
    }
}
