//! Throughput against threads.

use std::collections::{BTreeMap, BTreeSet};

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::*;
use super::median;
use super::output::{DrawResult, Drawing};
use super::style::{SeriesKey, SeriesStyle, SeriesStyles};
use crate::record::SummaryRow;

pub(super) struct ThroughputPoint {
    pub(super) threads: usize,
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

pub(super) struct ThroughputChart {
    pub(super) title: String,
    pub(super) captions: Vec<CaptionLine>,
    pub(super) series: Vec<ThroughputSeries>,
    /// Logical CPU counts to mark, with their labels.
    pub(super) cores: Vec<(usize, String)>,
}

impl ThroughputChart {
    pub(super) fn build(
        workload: &str,
        summary: &[SummaryRow],
        styles: &SeriesStyles,
    ) -> Option<Self> {
        let rows: Vec<&SummaryRow> = summary.iter().filter(|r| r.workload == workload).collect();
        if rows.is_empty() {
            return None;
        }
        let mut grouped: BTreeMap<SeriesKey, BTreeMap<usize, Vec<f64>>> = BTreeMap::new();
        for row in &rows {
            grouped
                .entry(styles.key(&row.implementation, &row.host))
                .or_default()
                .entry(row.threads)
                .or_default()
                .push(row.throughput_ops_s / 1e6);
        }
        let repeats: BTreeSet<usize> =
            grouped.values().flat_map(|by_threads| by_threads.values().map(Vec::len)).collect();
        let series = grouped
            .into_iter()
            .map(|(key, by_threads)| ThroughputSeries {
                style: styles.style(&key),
                key,
                points: by_threads
                    .into_iter()
                    .map(|(threads, values)| ThroughputPoint {
                        threads,
                        median: median(&values),
                        min: values.iter().copied().fold(f64::INFINITY, f64::min),
                        max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    })
                    .collect(),
            })
            .collect();

        let (fewest, most) =
            (repeats.first().copied().unwrap_or(1), repeats.last().copied().unwrap_or(1));
        let title = match (fewest, most) {
            (1, 1) => format!("{workload}: throughput vs threads (1 repeat per point)"),
            (n, m) if n == m => format!(
                "{workload}: throughput vs threads (median of {n} repeats, bars = min..max)"
            ),
            (n, m) => format!(
                "{workload}: throughput vs threads (median of {n}–{m} repeats, bars = min..max)"
            ),
        };
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
        Some(Self { title, captions, series, cores })
    }
}

/// The throughput axis: linear from 0, or logarithmic when the values span more than
/// [`LOG_SPREAD`] times (a fast demonstration or a sharded counter would otherwise flatten every
/// other line against the bottom).
pub(super) struct ThroughputAxis {
    /// `Some((low, high))` in log10 units when logarithmic.
    pub(super) log: Option<(f64, f64)>,
    pub(super) bold: Vec<f64>,
    pub(super) light: Vec<f64>,
    pub(super) linear: ValueAxis,
}

/// Largest ratio of the highest to the lowest throughput that a linear axis still shows well.
pub(super) const LOG_SPREAD: f64 = 30.0;

impl ThroughputAxis {
    pub(super) fn new(values: impl Iterator<Item = f64>) -> Self {
        let values: Vec<f64> = values.filter(|v| v.is_finite() && *v > 0.0).collect();
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(0.0, f64::max);
        let linear = ValueAxis::new(high, 10);
        if values.is_empty() || high / low <= LOG_SPREAD {
            return Self { log: None, bold: Vec::new(), light: Vec::new(), linear };
        }
        let (low, high) = (low.log10(), high.log10());
        let pad = (high - low) * 0.05;
        let (low, high) = (low - pad, high + pad);
        let (bold, light) = log_ticks(low, high);
        Self { log: Some((low, high)), bold, light, linear }
    }

    /// Bottom and top of the axis, in axis coordinates.
    pub(super) fn range(&self) -> (f64, f64) {
        self.log.unwrap_or((0.0, self.linear.top))
    }

    /// Whether `value` can be placed on the axis (a log axis has no place for 0).
    pub(super) fn shows(&self, value: f64) -> bool {
        value.is_finite() && (self.log.is_none() || value > 0.0)
    }

    /// The axis coordinate of a throughput (M ops/s); on a log axis, values at or below 0 sit on
    /// the bottom edge.
    pub(super) fn coordinate(&self, value: f64) -> f64 {
        match self.log {
            Some((low, _)) if value > 0.0 => value.log10().max(low),
            Some((low, _)) => low,
            None => value,
        }
    }

    pub(super) fn axis(&self) -> KeyedAxis {
        match self.log {
            Some((low, high)) => KeyedAxis::new(low..high, self.bold.clone(), self.light.clone()),
            None => self.linear.axis(),
        }
    }

    pub(super) fn label(&self, coordinate: f64) -> String {
        match self.log {
            Some(_) => significant(10f64.powf(coordinate)),
            None => self.linear.label(coordinate),
        }
    }

    pub(super) fn description(&self) -> &'static str {
        match self.log {
            Some(_) => "throughput (M ops/s, log scale)",
            None => "throughput (M ops/s)",
        }
    }
}

/// A tick value of a log axis with at most three significant digits and no trailing zeros:
/// "2000", "50", "0.2", "0.005".
pub(super) fn significant(value: f64) -> String {
    if value <= 0.0 || !value.is_finite() {
        return "0".to_owned();
    }
    let decimals = (2.0 - value.log10().floor()).clamp(0.0, 9.0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

impl Drawing for ThroughputChart {
    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let entries: Vec<LegendEntry> = self
            .series
            .iter()
            .map(|s| LegendEntry { label: s.key.label(), style: s.style })
            .collect();
        let notes = vec!["point = median".to_owned(), "bar = min..max of repeats".to_owned()];
        let Panels { header, plot, legend } =
            split_body(root, self.captions.len(), &entries, &notes)?;
        draw_header(&header, &self.title, &self.captions)?;
        draw_legend(&legend, &entries, &notes)?;

        let threads: BTreeSet<usize> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.threads))
            .filter(|&t| t > 0)
            .collect();
        let (Some(&fewest), Some(&most)) = (threads.first(), threads.last()) else {
            return Ok(());
        };
        // The cores line widens the axis when it is near the measured range (the default sweep
        // goes to 4x the logical CPUs); far beyond it, the caption still names the CPU count.
        let cores: Vec<&(usize, String)> = self
            .cores
            .iter()
            .filter(|(cpus, _)| *cpus >= fewest / 2 && *cpus <= most.saturating_mul(4))
            .collect();
        let low = cores.iter().map(|c| c.0).fold(fewest, usize::min) as f64;
        let high = cores.iter().map(|c| c.0).fold(most, usize::max) as f64;
        let pad = if high > low { 0.3 } else { 1.0 };
        let x_range = (low.log2() - pad)..(high.log2() + pad);
        let key_points: Vec<f64> = threads.iter().map(|&t| (t as f64).log2()).collect();

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
            .build_cartesian_2d(KeyedAxis::new(x_range, key_points, Vec::new()), y.axis())?;
        let x_format = |x: &f64| format!("{}", 2f64.powf(*x).round());
        let y_format = |value: &f64| y.label(*value);
        chart
            .configure_mesh()
            .x_desc("threads (log scale)")
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
            let x = (*cpus as f64).log2();
            area.draw(&DashedPathElement::new(
                vec![(x, y_bottom), (x, y_top)],
                6,
                4,
                MUTED.stroke_width(1),
            ))?;
            let style = font(12.0, &MUTED).pos(Pos::new(HPos::Left, VPos::Top));
            area.draw(&(EmptyElement::at((x, y_top)) + Text::new(label.clone(), (4, 4), style)))?;
        }

        // Dodge the series a little sideways so that their bars do not hide each other.
        let n = self.series.len();
        let step = (0.2 / n as f64).min(0.025);
        for (i, series) in self.series.iter().enumerate() {
            let dx = (i as f64 - (n as f64 - 1.0) / 2.0) * step;
            let SeriesStyle { colour, kind } = series.style;
            let points: Vec<(f64, f64)> = series
                .points
                .iter()
                .filter(|p| p.threads > 0 && y.shows(p.median))
                .map(|p| ((p.threads as f64).log2() + dx, y.coordinate(p.median)))
                .collect();
            for p in series.points.iter().filter(|p| p.threads > 0 && p.max > p.min) {
                let x = (p.threads as f64).log2() + dx;
                let bar = colour.mix(0.8).stroke_width(1);
                let (min, max) = (y.coordinate(p.min), y.coordinate(p.max));
                area.draw(&PathElement::new(vec![(x, min), (x, max)], bar))?;
                for y in [min, max] {
                    area.draw(
                        &(EmptyElement::at((x, y)) + PathElement::new(vec![(-4, 0), (4, 0)], bar)),
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
