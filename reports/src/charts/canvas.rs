//! Drawing pieces every chart shares: header, legend, axes, line and marker styles, labels.

use std::collections::BTreeSet;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::output::DrawResult;
use super::style::{Kind, SeriesStyle};
use crate::record::SummaryRow;

pub(super) const TEXT: RGBColor = RGBColor(30, 30, 30);
pub(super) const MUTED: RGBColor = RGBColor(90, 90, 90);
pub(super) const NOTE: RGBColor = RGBColor(165, 95, 0);
pub(super) const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);
pub(super) const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);

pub(super) fn font(size: f64, colour: &RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(colour)
}

/// A caption line under the title, in its colour.
pub(super) struct CaptionLine {
    pub(super) text: String,
    pub(super) colour: RGBColor,
}

/// Draws the title and caption lines into `area`, shrinking a line's font (down to a floor) and
/// then cutting it short with "…" until it fits the width.
fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    captions: &[CaptionLine],
) -> DrawResult<DB> {
    let width = area.dim_in_pixel().0 as i32 - 24;
    let title_style = fit_font(area, title, 21.0, 15.0, width, &TEXT)?;
    let title = fit_text(area, title, &title_style, width)?;
    area.draw_text(&title, &title_style, (12, 10))?;
    for (i, line) in captions.iter().enumerate() {
        let style = fit_font(area, &line.text, 14.0, 12.0, width, &line.colour)?;
        let text = fit_text(area, &line.text, &style, width)?;
        area.draw_text(&text, &style, (12, 40 + 19 * i as i32))?;
    }
    Ok(())
}

pub(super) fn header_height(captions: usize) -> u32 {
    44 + 19 * captions as u32
}

/// The largest font size from `max` down to `min` at which `text` fits in `width` pixels.
pub(super) fn fit_font<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    max: f64,
    min: f64,
    width: i32,
    colour: &RGBColor,
) -> Result<TextStyle<'static>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut size = max;
    while size > min {
        let (w, _) = area.estimate_text_size(text, &font(size, colour))?;
        if w as i32 <= width {
            break;
        }
        size -= 1.0;
    }
    Ok(font(size.max(min), colour))
}

/// `text`, cut short with "…" if it is wider than `width` pixels in `style`.
pub(super) fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: i32,
) -> Result<String, DrawingAreaErrorKind<DB::ErrorType>> {
    if area.estimate_text_size(text, style)?.0 as i32 <= width {
        return Ok(text.to_owned());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if area.estimate_text_size(&candidate, style)?.0 as i32 <= width {
            return Ok(candidate);
        }
    }
    Ok("…".to_owned())
}

/// Draws a polyline in the style of `kind`: solid, dashed (library) or dotted (demonstration).
pub(super) fn draw_line<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    points: Vec<CT::From>,
    kind: Kind,
    colour: RGBColor,
    width: u32,
) -> DrawResult<DB>
where
    CT::From: Clone + 'static,
{
    let style = colour.stroke_width(width);
    match kind {
        Kind::HandRolled | Kind::Other => area.draw(&PathElement::new(points, style)),
        Kind::Library => area.draw(&DashedPathElement::new(points, 9, 5, style)),
        Kind::Demonstration => area.draw(&DashedPathElement::new(points, 2, 4, style)),
    }
}

/// Draws the marker of `kind` at `at`: circle (hand-rolled), square (library), cross
/// (demonstration), triangle (other).
pub(super) fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    kind: Kind,
    colour: RGBColor,
) -> DrawResult<DB>
where
    CT::From: Clone + 'static,
{
    match kind {
        Kind::HandRolled => area.draw(&Circle::new(at, 4, colour.filled())),
        Kind::Library => {
            area.draw(&(EmptyElement::at(at) + Rectangle::new([(-4, -4), (4, 4)], colour.filled())))
        }
        Kind::Demonstration => area.draw(&Cross::new(at, 4, colour.stroke_width(2))),
        Kind::Other => area.draw(&TriangleMarker::new(at, 5, colour.filled())),
    }
}

pub(super) struct LegendEntry {
    pub(super) label: String,
    pub(super) style: SeriesStyle,
}

pub(super) const LEGEND_FONT: f64 = 13.0;

/// Width of the legend column: its widest label plus the line sample, within bounds.
pub(super) fn legend_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    notes: &[String],
) -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
    let style = font(LEGEND_FONT, &TEXT);
    let mut widest = 0;
    for text in entries.iter().map(|e| &e.label).chain(notes) {
        widest = widest.max(area.estimate_text_size(text, &style)?.0);
    }
    Ok((widest + 64).clamp(150, 320))
}

/// Draws the legend in its own column right of the plot: one row per series with a line and
/// marker sample, then a key to the line styles of the kinds present, then `notes`.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    notes: &[String],
) -> DrawResult<DB> {
    let (width, height) = area.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    let kinds: BTreeSet<Kind> = entries.iter().map(|e| e.style.kind).collect();
    let rows = entries.len() + if kinds.len() > 1 { kinds.len() + 1 } else { 0 } + notes.len();
    let top = 14;
    let row = ((height - top - 20) / rows.max(1) as i32).clamp(10, 21);
    let font_size = LEGEND_FONT.min(f64::from(row) - 2.0).max(9.0);
    let style = font(font_size, &TEXT);
    let muted = font(font_size, &MUTED);
    let text_x = 44;
    let text_width = width - text_x - 10;

    let bottom = top + row * rows as i32 + 8;
    area.draw(&Rectangle::new([(2, top - 6), (width - 6, bottom)], WHITE.filled()))?;
    area.draw(&Rectangle::new([(2, top - 6), (width - 6, bottom)], GRID_BOLD.stroke_width(1)))?;

    let mut y = top + row / 2;
    for entry in entries {
        let SeriesStyle { colour, kind } = entry.style;
        draw_line(area, vec![(10, y), (36, y)], kind, colour, 2)?;
        draw_marker(area, (23, y), kind, colour)?;
        let label = fit_text(area, &entry.label, &style, text_width)?;
        area.draw(&Text::new(label, (text_x, y), style.pos(Pos::new(HPos::Left, VPos::Center))))?;
        y += row;
    }
    if kinds.len() > 1 {
        y += row;
        for kind in kinds {
            draw_line(area, vec![(10, y), (36, y)], kind, MUTED, 2)?;
            let text = kind.describe().to_owned();
            area.draw(&Text::new(
                text,
                (text_x, y),
                muted.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            y += row;
        }
    }
    for note in notes {
        let note = fit_text(area, note, &muted, width - 20)?;
        area.draw(&Text::new(note, (10, y), muted.pos(Pos::new(HPos::Left, VPos::Center))))?;
        y += row;
    }
    Ok(())
}

/// The three parts of a chart: title and captions on top, the plot, the legend column right.
struct Panels<DB: DrawingBackend> {
    header: DrawingArea<DB, Shift>,
    plot: DrawingArea<DB, Shift>,
    legend: DrawingArea<DB, Shift>,
}

/// Draws what every chart shares — white ground, title and captions on top, the legend column on
/// the right — and returns the plot area that is left.
pub(super) fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    captions: &[CaptionLine],
    entries: &[LegendEntry],
    notes: &[String],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let Panels { header, plot, legend } = split_body(root, captions.len(), entries, notes)?;
    draw_header(&header, title, captions)?;
    draw_legend(&legend, entries, notes)?;
    Ok(plot)
}

/// Splits the area under the header into the plot and a legend column on the right.
fn split_body<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    captions: usize,
    entries: &[LegendEntry],
    notes: &[String],
) -> Result<Panels<DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (header, body) = root.split_vertically(header_height(captions));
    let legend_w = legend_width(root, entries, notes)?;
    let body_w = body.dim_in_pixel().0;
    let (plot, legend) = body.split_horizontally(body_w.saturating_sub(legend_w));
    Ok(Panels { header, plot, legend })
}

/// A linear f64 axis with ticks (bold) and grid lines (light) exactly where the chart wants them:
/// the charts put log2(threads) or log10(ns) on it and label the ticks with the real values.
/// (plotters' own `WithKeyPoints` over f64 cannot take a label formatter.)
pub(super) struct KeyedAxis {
    pub(super) linear: RangedCoordf64,
    pub(super) bold: Vec<f64>,
    pub(super) light: Vec<f64>,
}

impl KeyedAxis {
    pub(super) fn new(range: std::ops::Range<f64>, bold: Vec<f64>, light: Vec<f64>) -> Self {
        Self { linear: range.into(), bold, light }
    }
}

impl Ranged for KeyedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

/// A linear value axis from 0: the top (a little above `max`), ticks at a 1-2-5 step with at
/// most `max_ticks` of them, a light grid line between ticks, and the decimals the step needs.
pub(super) struct ValueAxis {
    pub(super) top: f64,
    pub(super) ticks: Vec<f64>,
    pub(super) light: Vec<f64>,
    pub(super) decimals: usize,
}

impl ValueAxis {
    pub(super) fn new(max: f64, max_ticks: usize) -> Self {
        let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
        let top = max * 1.1;
        let rough = top / max_ticks.max(1) as f64;
        let magnitude = 10f64.powf(rough.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|&s| s >= rough)
            .unwrap_or(10.0 * magnitude);
        let decimals = (-step.log10().floor()).clamp(0.0, 9.0) as usize;
        let count = (top / step).floor() as usize;
        let ticks: Vec<f64> = (0..=count).map(|i| i as f64 * step).collect();
        let light = (0..=count).map(|i| (i as f64 + 0.5) * step).filter(|&v| v < top).collect();
        Self { top, ticks, light, decimals }
    }

    pub(super) fn axis(&self) -> KeyedAxis {
        KeyedAxis::new(0.0..self.top, self.ticks.clone(), self.light.clone())
    }

    pub(super) fn label(&self, value: f64) -> String {
        format!("{value:.*}", self.decimals)
    }
}

/// The host line of a caption: one host with its CPU, or every host with its CPU count.
pub(super) fn host_caption(rows: &[&SummaryRow]) -> String {
    let hosts: BTreeSet<(&str, &str, usize)> =
        rows.iter().map(|r| (r.host.as_str(), r.cpu_model.as_str(), r.logical_cpus)).collect();
    match hosts.len() {
        0 => String::new(),
        1 => {
            let (host, cpu, cpus) = hosts.into_iter().next().unwrap_or_default();
            let cpu = if cpu.is_empty() { String::new() } else { format!(", {cpu}") };
            format!("host {host}{cpu}, {cpus} logical CPUs")
        }
        _ => {
            let list: Vec<String> = hosts
                .into_iter()
                .map(|(host, _, cpus)| format!("{host} ({cpus} logical CPUs)"))
                .collect();
            format!("series: {}", list.join(", "))
        }
    }
}

/// The parameters line of a caption, if the rows agree on their parameters.
pub(super) fn params_caption(rows: &[&SummaryRow]) -> Option<String> {
    let params: BTreeSet<&str> = rows.iter().map(|r| r.params.as_str()).collect();
    match params.len() {
        0 => None,
        1 => {
            let params = params.into_iter().next().unwrap_or_default();
            (!params.is_empty()).then(|| format!("parameters: {params}"))
        }
        n => Some(format!("parameters: {n} different sets (see the report's table)")),
    }
}

/// Tick positions for a log10 axis from `low` to `high` (log10 units): 1-2-5 steps for narrow
/// spans, decades for wide ones; and the light grid lines between.
pub(super) fn log_ticks(low: f64, high: f64) -> (Vec<f64>, Vec<f64>) {
    let decades = high - low;
    let steps: &[f64] = if decades <= 1.5 {
        &[1.0, 2.0, 3.0, 5.0, 7.0]
    } else if decades <= 3.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let mut bold = Vec::new();
    let mut light = Vec::new();
    for decade in (low.floor() as i32)..=(high.ceil() as i32) {
        for m in 1..10 {
            let x = f64::from(decade) + f64::from(m).log10();
            if x < low || x > high {
                continue;
            }
            if steps.contains(&f64::from(m)) {
                bold.push(x);
            }
            light.push(x);
        }
    }
    (bold, light)
}
