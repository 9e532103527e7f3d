//! Latency histograms, one chart per thread count, implementations overlaid on a log axis.

use std::collections::{BTreeMap, BTreeSet};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::*;
use super::output::{DrawResult, Drawing};
use super::style::{SeriesKey, SeriesStyle, SeriesStyles};
use crate::record::{HistogramRow, SummaryRow, OP_METRIC};
use crate::timing::LatencyTiming;

pub(super) struct LatencySeries {
    pub(super) key: SeriesKey,
    pub(super) style: SeriesStyle,
    /// `(low_ns, high_ns, share %)`, sorted, low clamped to at least 1 ns for the log axis.
    pub(super) buckets: Vec<(f64, f64, f64)>,
    /// Index into `buckets` of the bucket that holds the median.
    pub(super) median_bucket: usize,
}

pub(super) struct LatencyChart {
    pub(super) title: String,
    pub(super) captions: Vec<CaptionLine>,
    pub(super) series: Vec<LatencySeries>,
    /// What the x axis measures: "latency per operation", "push latency", ...
    pub(super) what: String,
}

/// The `(low_ns, high_ns, count)` buckets of one (workload, (cores, threads)) point, per series.
pub(super) fn buckets_by_series(
    histograms: &[HistogramRow],
    workload: &str,
    (cores, threads): (usize, usize),
    styles: &SeriesStyles,
) -> BTreeMap<SeriesKey, Vec<(u64, u64, u64)>> {
    let mut grouped: BTreeMap<SeriesKey, Vec<(u64, u64, u64)>> = BTreeMap::new();
    for row in histograms
        .iter()
        .filter(|r| r.workload == workload && r.cores == cores && r.threads == threads)
    {
        grouped.entry(styles.key(&row.implementation, &row.host, row.cores)).or_default().push((
            row.low_ns,
            row.high_ns,
            row.count,
        ));
    }
    grouped
}

impl LatencyChart {
    /// The chart of `metric` at (`cores`, `threads`); `histograms` holds only rows of that metric.
    pub(super) fn build(
        workload: &str,
        cores: usize,
        threads: usize,
        metric: &str,
        summary: &[SummaryRow],
        histograms: &[HistogramRow],
        styles: &SeriesStyles,
    ) -> Option<Self> {
        let grouped = buckets_by_series(histograms, workload, (cores, threads), styles);
        let series: Vec<LatencySeries> = grouped
            .into_iter()
            .filter_map(|(key, mut buckets)| {
                buckets.sort_unstable();
                let total: u64 = buckets.iter().map(|b| b.2).sum();
                if total == 0 {
                    return None;
                }
                let mut seen = 0;
                let median_bucket = buckets
                    .iter()
                    .position(|b| {
                        seen += b.2;
                        seen * 2 >= total
                    })
                    .unwrap_or(0);
                let buckets = buckets
                    .into_iter()
                    .map(|(low, high, count)| {
                        let low = low.max(1) as f64;
                        let high = (high as f64).max(low + 1.0);
                        (low, high, 100.0 * count as f64 / total as f64)
                    })
                    .collect();
                Some(LatencySeries { style: styles.style(&key), key, buckets, median_bucket })
            })
            .collect();
        if series.is_empty() {
            return None;
        }

        let rows: Vec<&SummaryRow> = summary
            .iter()
            .filter(|r| r.workload == workload && r.cores == cores && r.threads == threads)
            .collect();
        let what = if metric == OP_METRIC {
            "latency per operation".to_owned()
        } else {
            format!("{metric} latency")
        };
        let title = format!(
            "{workload}, {}: {what} (log scale)",
            crate::record::threads_phrase(threads, cores)
        );
        let mut captions = Vec::new();
        let host = host_caption(&rows);
        if !host.is_empty() {
            captions.push(CaptionLine { text: host, colour: MUTED });
        }
        if metric == OP_METRIC {
            captions.extend(method_captions(&rows));
        }
        Some(Self { title, captions, series, what })
    }
}

/// What the op-latency samples are, one caption per method the rows used: single operations
/// (all timed alone, or sampled), or batch means, naming the implementations when they differ.
pub(super) fn method_captions(rows: &[&SummaryRow]) -> Vec<CaptionLine> {
    // Each method's caption, and whether it warns that the samples are not single operations.
    let mut by_method: BTreeMap<(&'static str, bool), BTreeSet<&str>> = BTreeMap::new();
    for row in rows {
        let timing = LatencyTiming::parse(&row.timing);
        let method = match timing {
            LatencyTiming::PerOp { .. } => "every operation timed alone",
            LatencyTiming::Sampled { .. } => {
                "sampled single operations, timed alone at random; stalls between samples bounded"
            }
            LatencyTiming::BatchMean { .. } => {
                "batch means: each sample is a batch's time / its size"
            }
            LatencyTiming::Other(_) => continue,
        };
        let warns = matches!(timing, LatencyTiming::BatchMean { .. });
        by_method.entry((method, warns)).or_default().insert(row.implementation.as_str());
    }
    let all: BTreeSet<&str> = rows.iter().map(|r| r.implementation.as_str()).collect();
    let single = by_method.len() == 1 && by_method.values().all(|names| *names == all);
    by_method
        .into_iter()
        .map(|((method, warns), names)| {
            let text = if single {
                method.to_owned()
            } else {
                format!("{}: {method}", names.into_iter().collect::<Vec<_>>().join(", "))
            };
            let colour = if warns { NOTE } else { MUTED };
            CaptionLine { text, colour }
        })
        .collect()
}

/// A latency in ns as a short label with a unit: "500 ns", "2 µs", "1.5 ms", "3 s".
pub(super) fn latency_label(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let value = (value * 10.0).round() / 10.0;
    if value.fract() == 0.0 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

impl Drawing for LatencyChart {
    fn title(&self) -> &str {
        &self.title
    }

    fn kind(&self) -> super::ChartKind {
        super::ChartKind::Histogram
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let entries: Vec<LegendEntry> = self
            .series
            .iter()
            .map(|s| LegendEntry { label: s.key.label(), style: s.style })
            .collect();
        let notes = vec!["marker = median bucket".to_owned()];
        let plot = draw_frame(root, &self.title, &self.captions, &entries, &notes)?;

        let buckets = || self.series.iter().flat_map(|s| s.buckets.iter());
        let low = buckets().map(|b| b.0).fold(f64::INFINITY, f64::min).log10();
        let high = buckets().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max).log10();
        let pad = ((high - low) * 0.04).max(0.05);
        let (low, high) = (low - pad, high + pad);
        let (bold, light) = log_ticks(low, high);
        let y = ValueAxis::new(buckets().map(|b| b.2).fold(0.0, f64::max), 10);

        let mut chart = ChartBuilder::on(&plot)
            .margin_top(8)
            .margin_left(8)
            .margin_right(24)
            .margin_bottom(8)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(KeyedAxis::new(low..high, bold, light), y.axis())?;
        let x_format = |x: &f64| latency_label(10f64.powf(*x));
        let y_format = |value: &f64| y.label(*value);
        chart
            .configure_mesh()
            .x_desc(format!("{} (log scale)", self.what))
            .y_desc("share of samples per bucket (%)")
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .label_style(font(13.0, &TEXT))
            .axis_desc_style(font(14.0, &TEXT))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .draw()?;

        // A few series read best as filled steps; many overlaid steps turn into a thicket of
        // vertical strokes, so from five series on each is a line through its bucket midpoints.
        let area = chart.plotting_area();
        let steps = self.series.len() <= 4;
        for series in &self.series {
            let SeriesStyle { colour, kind } = series.style;
            if steps {
                let outline = step_outline(&series.buckets);
                area.draw(&Polygon::new(outline.clone(), colour.mix(0.07).filled()))?;
                draw_line(area, outline, kind, colour, 2)?;
            } else {
                draw_line(area, midpoint_line(&series.buckets), kind, colour, 2)?;
            }
        }
        // Markers last, so that no line hides them.
        for series in &self.series {
            let SeriesStyle { colour, kind } = series.style;
            if let Some(&(low, high, share)) = series.buckets.get(series.median_bucket) {
                draw_marker(area, ((low.log10() + high.log10()) / 2.0, share), kind, colour)?;
            }
        }
        Ok(())
    }
}

/// The outline of a histogram drawn as steps, in (log10 ns, share) coordinates: up at each
/// bucket's low bound, across, down at its high bound, back to 0 across gaps of empty buckets.
pub(super) fn step_outline(buckets: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    trace(buckets, |points, low, high, share| points.extend([(low, share), (high, share)]))
}

/// A line through the midpoints (on the log axis) of the buckets, in (log10 ns, share)
/// coordinates, from 0 at the first bucket's low bound to 0 at the last one's high bound and down
/// to 0 across gaps of empty buckets.
pub(super) fn midpoint_line(buckets: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    trace(buckets, |points, low, high, share| points.push(((low + high) / 2.0, share)))
}

/// Walks the buckets on the log axis, dropping to 0 before the first, across every gap and after
/// the last; `bucket` adds the points of one bucket (log10 low, log10 high, share).
fn trace(
    buckets: &[(f64, f64, f64)],
    mut bucket: impl FnMut(&mut Vec<(f64, f64)>, f64, f64, f64),
) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(buckets.len() * 2 + 2);
    let mut last_high: Option<f64> = None;
    for &(low, high, share) in buckets {
        let (low, high) = (low.log10(), high.log10());
        match last_high {
            Some(previous) if (previous - low).abs() < 1e-9 => {}
            Some(previous) => points.extend([(previous, 0.0), (low, 0.0)]),
            None => points.push((low, 0.0)),
        }
        bucket(&mut points, low, high, share);
        last_high = Some(high);
    }
    if let Some(high) = last_high {
        points.push((high, 0.0));
    }
    points
}
