//! Percentile distribution plots, one chart per thread count, as HdrHistogram's plotter draws
//! them: x is the percentile on a log scale of 1/(1−p) (50 %, 90 %, 99 %, 99.9 % … equally
//! spaced), y the latency on a log scale, one line per implementation. The tail, which a
//! histogram squeezes into its right edge, gets most of the width.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::*;
use super::latency::{buckets_by_series, latency_label};
use super::output::{DrawResult, Drawing};
use super::style::{SeriesKey, SeriesStyle, SeriesStyles};
use crate::record::{HistogramRow, SummaryRow};

/// The x axis ends at 99.9999 % at most: beyond that even 10^8 samples say little.
const MAX_DECADES: f64 = 6.0;

pub(super) struct PercentileSeries {
    pub(super) key: SeriesKey,
    pub(super) style: SeriesStyle,
    /// Steps `(x from, x to, latency ns)`: every quantile in (from, to] (as log10(1/(1−p))) has
    /// the bucket's highest value as its latency, as HdrHistogram reports it.
    pub(super) steps: Vec<(f64, f64, f64)>,
}

pub(super) struct PercentileChart {
    pub(super) title: String,
    pub(super) captions: Vec<CaptionLine>,
    pub(super) series: Vec<PercentileSeries>,
    /// The right end of the x axis, in decades of 1/(1−p).
    pub(super) decades: f64,
    pub(super) what: String,
}

/// log10(1/(1−q)), the x coordinate of quantile `q`, capped at `cap` decades.
pub(super) fn percentile_coordinate(q: f64, cap: f64) -> f64 {
    if q >= 1.0 {
        cap
    } else {
        (-(1.0 - q).log10()).min(cap)
    }
}

/// The label of an x coordinate: "0%", "50%", "90%", "99%", "99.9%", "99.99%".
pub(super) fn percentile_label(coordinate: f64) -> String {
    let percent = 100.0 * (1.0 - 10f64.powf(-coordinate));
    let decimals = (coordinate - 2.0).ceil().clamp(0.0, 8.0) as usize;
    let text = format!("{percent:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    format!("{text}%")
}

impl PercentileChart {
    /// The chart at (`cores`, `threads`); `histograms` holds only rows of one metric.
    pub(super) fn build(
        workload: &str,
        cores: usize,
        threads: usize,
        what: &str,
        summary: &[SummaryRow],
        histograms: &[HistogramRow],
        styles: &SeriesStyles,
    ) -> Option<Self> {
        let grouped = buckets_by_series(histograms, workload, (cores, threads), styles);
        let totals: Vec<u64> = grouped.values().map(|b| b.iter().map(|b| b.2).sum()).collect();
        let most = totals.iter().copied().max().unwrap_or(0);
        if most == 0 {
            return None;
        }
        // Room for the rarest sample the largest series saw, in whole decades.
        let decades = (most as f64).log10().ceil().clamp(2.0, MAX_DECADES);
        let series = grouped
            .into_iter()
            .filter_map(|(key, mut buckets)| {
                buckets.sort_unstable();
                let total: u64 = buckets.iter().map(|b| b.2).sum();
                if total == 0 {
                    return None;
                }
                let mut seen = 0;
                let mut from = 0.0;
                let steps = buckets
                    .iter()
                    .filter(|b| b.2 > 0)
                    .map(|&(low, high, count)| {
                        seen += count;
                        let to = percentile_coordinate(seen as f64 / total as f64, decades);
                        let value = (high.saturating_sub(1).max(low).max(1)) as f64;
                        let step = (from, to, value);
                        from = to;
                        step
                    })
                    .collect();
                Some(PercentileSeries { style: styles.style(&key), key, steps })
            })
            .collect::<Vec<_>>();
        if series.is_empty() {
            return None;
        }
        let rows: Vec<&SummaryRow> = summary
            .iter()
            .filter(|r| r.workload == workload && r.cores == cores && r.threads == threads)
            .collect();
        let title = format!(
            "{workload}, {}: {what} by percentile",
            crate::record::threads_phrase(threads, cores)
        );
        let mut captions = Vec::new();
        let host = host_caption(&rows);
        if !host.is_empty() {
            captions.push(CaptionLine { text: host, colour: MUTED });
        }
        captions.push(CaptionLine {
            text: "x: percentile on a log scale of 1/(1-p), as HdrHistogram plots it; \
                   values from histograms.csv buckets"
                .to_owned(),
            colour: MUTED,
        });
        captions.extend(super::latency::method_captions(&rows));
        Some(Self { title, captions, series, decades, what: what.to_owned() })
    }
}

impl Drawing for PercentileChart {
    fn title(&self) -> &str {
        &self.title
    }

    fn kind(&self) -> super::ChartKind {
        super::ChartKind::Percentiles
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let entries: Vec<LegendEntry> = self
            .series
            .iter()
            .map(|s| LegendEntry { label: s.key.label(), style: s.style })
            .collect();
        let notes = vec!["marker = maximum".to_owned()];
        let plot = draw_frame(root, &self.title, &self.captions, &entries, &notes)?;

        let values = || self.series.iter().flat_map(|s| s.steps.iter().map(|s| s.2));
        let low = values().fold(f64::INFINITY, f64::min).log10();
        let high = values().fold(f64::NEG_INFINITY, f64::max).log10();
        let pad = ((high - low) * 0.05).max(0.05);
        let (low, high) = (low - pad, high + pad);
        let (bold_y, light_y) = log_ticks(low, high);
        let mut bold_x = vec![0.0, 2f64.log10()];
        bold_x.extend((1..=self.decades as i32).map(f64::from));
        let light_x: Vec<f64> = (0..self.decades as i32)
            .flat_map(|d| (2..10).map(move |m| f64::from(d) + f64::from(m).log10()))
            .collect();

        let mut chart = ChartBuilder::on(&plot)
            .margin_top(8)
            .margin_left(8)
            .margin_right(40)
            .margin_bottom(8)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(
                KeyedAxis::new(0.0..self.decades + 0.05, bold_x, light_x),
                KeyedAxis::new(low..high, bold_y, light_y),
            )?;
        let x_format = |x: &f64| percentile_label(*x);
        let y_format = |y: &f64| latency_label(10f64.powf(*y));
        chart
            .configure_mesh()
            .x_desc("percentile (log scale of 1/(1-p))")
            .y_desc(format!("{} (log scale)", self.what))
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .label_style(font(13.0, &TEXT))
            .axis_desc_style(font(14.0, &TEXT))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .draw()?;

        let area = chart.plotting_area();
        for series in &self.series {
            let SeriesStyle { colour, kind } = series.style;
            let mut points = Vec::with_capacity(series.steps.len() * 2);
            for &(from, to, value) in &series.steps {
                points.push((from, value.log10()));
                points.push((to, value.log10()));
            }
            draw_line(area, points, kind, colour, 2)?;
        }
        for series in &self.series {
            let SeriesStyle { colour, kind } = series.style;
            if let Some(&(_, to, value)) = series.steps.last() {
                draw_marker(area, (to, value.log10()), kind, colour)?;
            }
        }
        Ok(())
    }
}
