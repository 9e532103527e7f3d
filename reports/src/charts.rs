//! Charts (SVG and PNG) drawn with plotters from the run's records.
//!
//! Per workload, in order of first appearance in `summary.csv`:
//! - `<workload>-throughput.{svg,png}`: throughput (M ops/s) against threads on a log2 axis, one
//!   line per implementation through the median of the repeats, with a min..max bar at each point
//!   and a dashed vertical line at the number of logical CPUs, so oversubscription shows. The
//!   y axis is linear from 0, or logarithmic when the values span more than 30x (say a racy
//!   demonstration at 2000 M ops/s beside a fair mutex at 0.5).
//! - `<workload>-latency-t<threads>.{svg,png}`, one per thread count: the merged latency
//!   histograms of every implementation at that thread count, overlaid on a log latency axis:
//!   filled steps over the buckets for up to four implementations, lines through the bucket
//!   midpoints for more (overlaid steps turn into a thicket). y is each bucket's share of the
//!   implementation's operations. A marker sits on each implementation's median bucket.
//!
//! Every implementation keeps one colour across all charts of a run: the palette is indexed by
//! the implementation's position in the sorted list of implementation names in `summary`. The
//! line style tells the kind: solid = hand-rolled, dashed = library, dotted = demonstration (a
//! deliberately broken implementation); markers differ too (circle, square, cross). When the rows
//! come from more than one host, each (implementation, host) pair is its own series, labelled
//! "impl @ host".
//!
//! Text comes from DejaVu Sans embedded in the binary (`assets/DejaVuSans.ttf`), so PNGs render
//! on machines without system fonts. SVGs name the family `sans-serif`; the viewer's font draws
//! them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, bail, Context, Result};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::record::{HistogramRow, SummaryRow, OP_METRIC};
use crate::variants::ParamVariants;

/// One drawn chart, as the HTML report refers to it.
#[derive(Debug, Clone)]
pub struct Chart {
    pub workload: String,
    /// The parameter set it shows (`key=value;...`, as in `summary.csv`).
    pub params: String,
    pub title: String,
    /// The SVG and PNG files, both written. Relative to the results folder root, i.e. to the
    /// parent of the `dir` given to [`render_all`]: `charts/<file>` when `dir` is
    /// `<root>/charts` as [`crate::ResultsFolder::charts_dir`] has it.
    pub svg: PathBuf,
    pub png: PathBuf,
}

/// Size of every chart, in pixels (PNG) and user units (SVG).
pub const CHART_SIZE: (u32, u32) = (1000, 600);

/// DejaVu Sans, embedded so that text renders without system fonts (see `assets/README`).
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

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
    let styles = SeriesStyles::new(summary, histograms);

    let mut charts = Vec::new();
    for workload in workloads_in_order(summary, histograms) {
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
            if let Some(mut drawing) = ThroughputChart::build(&workload, &rows, &styles) {
                drawing.title = format!("{}{label}", drawing.title);
                let file = format!("{stem}-throughput");
                charts.push(write_chart(&drawing, (&workload, params), dir, &relative_dir, &file)?);
            }
            let mut metrics: Vec<&str> = buckets.iter().map(|r| r.metric.as_str()).collect();
            metrics.sort_by_key(|&metric| (metric != OP_METRIC, metric));
            metrics.dedup();
            for metric in metrics {
                let of_metric: Vec<HistogramRow> =
                    buckets.iter().filter(|r| r.metric == metric).map(|&r| r.clone()).collect();
                let threads: BTreeSet<usize> = of_metric.iter().map(|r| r.threads).collect();
                for threads in threads {
                    let Some(mut drawing) =
                        LatencyChart::build(&workload, threads, metric, &rows, &of_metric, &styles)
                    else {
                        continue;
                    };
                    drawing.title = format!("{}{label}", drawing.title);
                    let file = if metric == OP_METRIC {
                        format!("{stem}-latency-t{threads}")
                    } else {
                        format!("{stem}-{}-t{threads}", file_stem(metric))
                    };
                    charts.push(write_chart(
                        &drawing,
                        (&workload, params),
                        dir,
                        &relative_dir,
                        &file,
                    )?);
                }
            }
        }
    }
    Ok(charts)
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

/// A file name made from a workload name: anything but ASCII letters, digits, `-`, `_` and `.`
/// becomes `_`.
fn file_stem(workload: &str) -> String {
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

/// Median of `values` (mean of the middle two for an even count); NaN for none.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

// ---------------------------------------------------------------------------------------------
// Series identity and style

/// Kind of an implementation, from `SummaryRow::impl_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    HandRolled,
    Library,
    Demonstration,
    Other,
}

impl Kind {
    pub(crate) fn parse(kind: &str) -> Self {
        match kind {
            "hand-rolled" => Self::HandRolled,
            "library" => Self::Library,
            "demonstration" => Self::Demonstration,
            _ => Self::Other,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::HandRolled => "hand-rolled",
            Self::Library => "library",
            Self::Demonstration => "demonstration",
            Self::Other => "other",
        }
    }
}

/// A colour-blind-friendlier ten-colour palette (Tableau 10).
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One line on a chart: an implementation, on one host when the rows span several.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SeriesKey {
    implementation: String,
    /// Empty when all rows come from one host.
    host: String,
}

impl SeriesKey {
    fn label(&self) -> String {
        if self.host.is_empty() {
            self.implementation.clone()
        } else {
            format!("{} @ {}", self.implementation, self.host)
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct SeriesStyle {
    colour: RGBColor,
    kind: Kind,
}

/// The colour and kind of every series of a run, so that all its charts agree.
struct SeriesStyles {
    multi_host: bool,
    colours: BTreeMap<SeriesKey, RGBColor>,
    kinds: BTreeMap<String, Kind>,
}

impl SeriesStyles {
    fn new(summary: &[SummaryRow], histograms: &[HistogramRow]) -> Self {
        let hosts: BTreeSet<&str> = summary
            .iter()
            .map(|r| r.host.as_str())
            .chain(histograms.iter().map(|r| r.host.as_str()))
            .collect();
        let multi_host = hosts.len() > 1;
        let key = |implementation: &str, host: &str| SeriesKey {
            implementation: implementation.to_owned(),
            host: if multi_host { host.to_owned() } else { String::new() },
        };
        // Summary's implementations first, sorted; implementations only the histograms know come
        // after them, so they never shift the colours of the others.
        let mut order: Vec<SeriesKey> = summary
            .iter()
            .map(|r| key(&r.implementation, &r.host))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let extra: BTreeSet<SeriesKey> = histograms
            .iter()
            .map(|r| key(&r.implementation, &r.host))
            .filter(|k| !order.contains(k))
            .collect();
        order.extend(extra);
        let colours =
            order.into_iter().enumerate().map(|(i, k)| (k, PALETTE[i % PALETTE.len()])).collect();
        let kinds =
            summary.iter().map(|r| (r.implementation.clone(), Kind::parse(&r.impl_kind))).collect();
        Self { multi_host, colours, kinds }
    }

    fn key(&self, implementation: &str, host: &str) -> SeriesKey {
        SeriesKey {
            implementation: implementation.to_owned(),
            host: if self.multi_host { host.to_owned() } else { String::new() },
        }
    }

    fn style(&self, key: &SeriesKey) -> SeriesStyle {
        SeriesStyle {
            colour: self.colours.get(key).copied().unwrap_or(BLACK),
            kind: self.kinds.get(&key.implementation).copied().unwrap_or(Kind::Other),
        }
    }
}

/// The colour of each implementation in the charts, as CSS `#rrggbb`, for the HTML report's
/// tables (single-host runs; by implementation name).
pub(crate) fn implementation_colours(summary: &[SummaryRow]) -> BTreeMap<String, String> {
    let names: BTreeSet<&str> = summary.iter().map(|r| r.implementation.as_str()).collect();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let RGBColor(r, g, b) = PALETTE[i % PALETTE.len()];
            (name.to_owned(), format!("#{r:02x}{g:02x}{b:02x}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Writing files

/// Something that can draw itself on any plotters backend.
trait Drawing {
    fn title(&self) -> &str;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws `drawing` as `<dir>/<file>.svg` and `.png`, each rendered completely before it is
/// renamed into place.
fn write_chart(
    drawing: &impl Drawing,
    (workload, params): (&str, &str),
    dir: &Path,
    relative_dir: &Path,
    file: &str,
) -> Result<Chart> {
    let svg_name = format!("{file}.svg");
    let png_name = format!("{file}.png");

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        drawing.draw(&root).map_err(|e| anyhow!("cannot draw {svg_name}: {e}"))?;
        root.present().map_err(|e| anyhow!("cannot draw {svg_name}: {e}"))?;
    }
    write_via_temporary(&dir.join(&svg_name), |tmp| {
        std::fs::write(tmp, svg.as_bytes())
            .map_err(|e| anyhow!("cannot write {}: {e}", tmp.display()))
    })?;

    // The bitmap backend picks the image format from the extension, so the temporary name must
    // end in `.png` too.
    write_via_temporary(&dir.join(&png_name), |tmp| {
        let root = BitMapBackend::new(tmp, CHART_SIZE).into_drawing_area();
        drawing.draw(&root).map_err(|e| anyhow!("cannot draw {png_name}: {e}"))?;
        root.present().map_err(|e| anyhow!("cannot write {}: {e}", tmp.display()))
    })?;

    Ok(Chart {
        workload: workload.to_owned(),
        params: params.to_owned(),
        title: drawing.title().to_owned(),
        svg: relative_dir.join(svg_name),
        png: relative_dir.join(png_name),
    })
}

/// Lets `write` fill a temporary file beside `path` (`.<name>.part.<ext>`), then renames it to
/// `path`; on failure removes it, so `path` is either the old file or the complete new one.
fn write_via_temporary(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("chart");
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let tmp = path.with_file_name(format!(".{stem}.part.{ext}"));
    let result = write(&tmp).and_then(|()| {
        let written = std::fs::metadata(&tmp).map(|m| m.len()).unwrap_or(0);
        if written == 0 {
            bail!("drawing {} produced an empty file", path.display());
        }
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

// ---------------------------------------------------------------------------------------------
// Shared drawing pieces

const TEXT: RGBColor = RGBColor(30, 30, 30);
const MUTED: RGBColor = RGBColor(90, 90, 90);
const NOTE: RGBColor = RGBColor(165, 95, 0);
const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);
const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);

fn font(size: f64, colour: &RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(colour)
}

/// A caption line under the title, in its colour.
struct CaptionLine {
    text: String,
    colour: RGBColor,
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

fn header_height(captions: usize) -> u32 {
    44 + 19 * captions as u32
}

/// The largest font size from `max` down to `min` at which `text` fits in `width` pixels.
fn fit_font<DB: DrawingBackend>(
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
fn fit_text<DB: DrawingBackend>(
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
fn draw_line<DB: DrawingBackend, CT: CoordTranslate>(
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
fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
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

struct LegendEntry {
    label: String,
    style: SeriesStyle,
}

const LEGEND_FONT: f64 = 13.0;

/// Width of the legend column: its widest label plus the line sample, within bounds.
fn legend_width<DB: DrawingBackend>(
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
struct KeyedAxis {
    linear: RangedCoordf64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl KeyedAxis {
    fn new(range: std::ops::Range<f64>, bold: Vec<f64>, light: Vec<f64>) -> Self {
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
struct ValueAxis {
    top: f64,
    ticks: Vec<f64>,
    light: Vec<f64>,
    decimals: usize,
}

impl ValueAxis {
    fn new(max: f64, max_ticks: usize) -> Self {
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

    fn axis(&self) -> KeyedAxis {
        KeyedAxis::new(0.0..self.top, self.ticks.clone(), self.light.clone())
    }

    fn label(&self, value: f64) -> String {
        format!("{value:.*}", self.decimals)
    }
}

/// The host line of a caption: one host with its CPU, or every host with its CPU count.
fn host_caption(rows: &[&SummaryRow]) -> String {
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
            format!("hosts: {}", list.join(", "))
        }
    }
}

/// The parameters line of a caption, if the rows agree on their parameters.
fn params_caption(rows: &[&SummaryRow]) -> Option<String> {
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

// ---------------------------------------------------------------------------------------------
// Throughput vs threads

struct ThroughputPoint {
    threads: usize,
    /// M ops/s.
    median: f64,
    min: f64,
    max: f64,
}

struct ThroughputSeries {
    key: SeriesKey,
    style: SeriesStyle,
    points: Vec<ThroughputPoint>,
}

struct ThroughputChart {
    title: String,
    captions: Vec<CaptionLine>,
    series: Vec<ThroughputSeries>,
    /// Logical CPU counts to mark, with their labels.
    cores: Vec<(usize, String)>,
}

impl ThroughputChart {
    fn build(workload: &str, summary: &[SummaryRow], styles: &SeriesStyles) -> Option<Self> {
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
struct ThroughputAxis {
    /// `Some((low, high))` in log10 units when logarithmic.
    log: Option<(f64, f64)>,
    bold: Vec<f64>,
    light: Vec<f64>,
    linear: ValueAxis,
}

/// Largest ratio of the highest to the lowest throughput that a linear axis still shows well.
const LOG_SPREAD: f64 = 30.0;

impl ThroughputAxis {
    fn new(values: impl Iterator<Item = f64>) -> Self {
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
    fn range(&self) -> (f64, f64) {
        self.log.unwrap_or((0.0, self.linear.top))
    }

    /// Whether `value` can be placed on the axis (a log axis has no place for 0).
    fn shows(&self, value: f64) -> bool {
        value.is_finite() && (self.log.is_none() || value > 0.0)
    }

    /// The axis coordinate of a throughput (M ops/s); on a log axis, values at or below 0 sit on
    /// the bottom edge.
    fn coordinate(&self, value: f64) -> f64 {
        match self.log {
            Some((low, _)) if value > 0.0 => value.log10().max(low),
            Some((low, _)) => low,
            None => value,
        }
    }

    fn axis(&self) -> KeyedAxis {
        match self.log {
            Some((low, high)) => KeyedAxis::new(low..high, self.bold.clone(), self.light.clone()),
            None => self.linear.axis(),
        }
    }

    fn label(&self, coordinate: f64) -> String {
        match self.log {
            Some(_) => significant(10f64.powf(coordinate)),
            None => self.linear.label(coordinate),
        }
    }

    fn description(&self) -> &'static str {
        match self.log {
            Some(_) => "throughput (M ops/s, log scale)",
            None => "throughput (M ops/s)",
        }
    }
}

/// A tick value of a log axis with at most three significant digits and no trailing zeros:
/// "2000", "50", "0.2", "0.005".
fn significant(value: f64) -> String {
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

// ---------------------------------------------------------------------------------------------
// Latency histograms

struct LatencySeries {
    key: SeriesKey,
    style: SeriesStyle,
    /// `(low_ns, high_ns, share %)`, sorted, low clamped to at least 1 ns for the log axis.
    buckets: Vec<(f64, f64, f64)>,
    /// Index into `buckets` of the bucket that holds the median.
    median_bucket: usize,
}

struct LatencyChart {
    title: String,
    captions: Vec<CaptionLine>,
    series: Vec<LatencySeries>,
}

impl LatencyChart {
    /// The chart of `metric` at `threads`; `histograms` holds only rows of that metric.
    fn build(
        workload: &str,
        threads: usize,
        metric: &str,
        summary: &[SummaryRow],
        histograms: &[HistogramRow],
        styles: &SeriesStyles,
    ) -> Option<Self> {
        let mut grouped: BTreeMap<SeriesKey, Vec<(u64, u64, u64)>> = BTreeMap::new();
        for row in histograms.iter().filter(|r| r.workload == workload && r.threads == threads) {
            grouped.entry(styles.key(&row.implementation, &row.host)).or_default().push((
                row.low_ns,
                row.high_ns,
                row.count,
            ));
        }
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

        let rows: Vec<&SummaryRow> =
            summary.iter().filter(|r| r.workload == workload && r.threads == threads).collect();
        let what = if metric == OP_METRIC {
            "latency per operation".to_owned()
        } else {
            format!("{metric} latency")
        };
        let title = format!(
            "{workload}, {threads} thread{}: {what} (log scale)",
            if threads == 1 { "" } else { "s" }
        );
        let mut captions = Vec::new();
        let host = host_caption(&rows);
        if !host.is_empty() {
            captions.push(CaptionLine { text: host, colour: MUTED });
        }
        let batched: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.timing.starts_with("batch-mean"))
            .map(|r| r.implementation.as_str())
            .collect();
        let all: BTreeSet<&str> = rows.iter().map(|r| r.implementation.as_str()).collect();
        if metric == OP_METRIC && !batched.is_empty() {
            let text = if batched == all {
                "batch means: each sample is a batch's time / its size".to_owned()
            } else {
                let names: Vec<&str> = batched.into_iter().collect();
                format!(
                    "batch means for {}: each sample is a batch's time / its size",
                    names.join(", ")
                )
            };
            captions.push(CaptionLine { text, colour: NOTE });
        }
        Some(Self { title, captions, series })
    }
}

/// Tick positions for a log10 axis from `low` to `high` (log10 units): 1-2-5 steps for narrow
/// spans, decades for wide ones; and the light grid lines between.
fn log_ticks(low: f64, high: f64) -> (Vec<f64>, Vec<f64>) {
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

/// A latency in ns as a short label with a unit: "500 ns", "2 µs", "1.5 ms", "3 s".
fn latency_label(ns: f64) -> String {
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

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let entries: Vec<LegendEntry> = self
            .series
            .iter()
            .map(|s| LegendEntry { label: s.key.label(), style: s.style })
            .collect();
        let notes = vec!["marker = median bucket".to_owned()];
        let Panels { header, plot, legend } =
            split_body(root, self.captions.len(), &entries, &notes)?;
        draw_header(&header, &self.title, &self.captions)?;
        draw_legend(&legend, &entries, &notes)?;

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
            .x_desc("latency per operation (log scale)")
            .y_desc("share of operations per bucket (%)")
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
fn step_outline(buckets: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(buckets.len() * 2 + 2);
    let mut last_high: Option<f64> = None;
    for &(low, high, share) in buckets {
        let (low, high) = (low.log10(), high.log10());
        match last_high {
            Some(previous) if (previous - low).abs() < 1e-9 => {}
            Some(previous) => {
                points.push((previous, 0.0));
                points.push((low, 0.0));
            }
            None => points.push((low, 0.0)),
        }
        points.push((low, share));
        points.push((high, share));
        last_high = Some(high);
    }
    if let Some(high) = last_high {
        points.push((high, 0.0));
    }
    points
}

/// A line through the midpoints (on the log axis) of the buckets, in (log10 ns, share)
/// coordinates, from 0 at the first bucket's low bound to 0 at the last one's high bound and down
/// to 0 across gaps of empty buckets.
fn midpoint_line(buckets: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(buckets.len() + 2);
    let mut last_high: Option<f64> = None;
    for &(low, high, share) in buckets {
        let (low, high) = (low.log10(), high.log10());
        match last_high {
            Some(previous) if (previous - low).abs() < 1e-9 => {}
            Some(previous) => {
                points.push((previous, 0.0));
                points.push((low, 0.0));
            }
            None => points.push((low, 0.0)),
        }
        points.push(((low + high) / 2.0, share));
        last_high = Some(high);
    }
    if let Some(high) = last_high {
        points.push((high, 0.0));
    }
    points
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn summary_row(
        workload: &str,
        implementation: &str,
        kind: &str,
        threads: usize,
        repeat: usize,
    ) -> SummaryRow {
        let base = match implementation {
            "spin-lock" => 40e6,
            "parking-lot" => 30e6,
            _ => 80e6,
        };
        let throughput = base / (threads as f64).sqrt() * (1.0 + 0.05 * repeat as f64);
        SummaryRow {
            run_id: "run-1".into(),
            timestamp: "2025-01-01T00:00:00Z".into(),
            host: "testhost".into(),
            cpu_model: "Test CPU @ 3 GHz".into(),
            logical_cpus: 2,
            rustc: "rustc 1.80.0".into(),
            git_commit: "abc123".into(),
            workload: workload.into(),
            implementation: implementation.into(),
            impl_kind: kind.into(),
            params: "busy_work=0;ops=1000".into(),
            threads,
            repeat,
            duration_s: 1.0,
            ops: throughput as u64,
            throughput_ops_s: throughput,
            mean_ns: 30.0 * threads as f64,
            p50_ns: 25.0 * threads as f64,
            p90_ns: 40.0 * threads as f64,
            p99_ns: 90.0 * threads as f64,
            p999_ns: 300.0 * threads as f64,
            max_ns: 9000.0,
            fairness: 0.98,
            min_share: 0.45,
            max_share: 0.55,
            timing: if threads == 1 { "batch-mean(64)".into() } else { "per-op".into() },
            extras: String::new(),
            invariant: if kind == "demonstration" && threads > 1 {
                "expected-violation: lost 12 updates".into()
            } else {
                "ok".into()
            },
        }
    }

    pub(crate) const IMPLS: [(&str, &str); 3] = [
        ("spin-lock", "hand-rolled"),
        ("parking-lot", "library"),
        ("racy-counter", "demonstration"),
    ];

    pub(crate) fn sample() -> (Vec<SummaryRow>, Vec<HistogramRow>) {
        let mut summary = Vec::new();
        let mut histograms = Vec::new();
        for threads in [1, 2, 4] {
            for repeat in 1..=2 {
                for (implementation, kind) in IMPLS {
                    summary.push(summary_row("counter", implementation, kind, threads, repeat));
                }
            }
            for (i, (implementation, _)) in IMPLS.iter().enumerate() {
                // Log-spaced buckets around a peak that moves with the implementation and threads.
                let mut low = 1u64;
                let peak = 12.0 * (i + 1) as f64 * threads as f64;
                while low < 200_000 {
                    let high = ((low as f64) * 1.189_207_115).ceil().max(low as f64 + 1.0) as u64;
                    let distance = ((low as f64).ln() - peak.ln()).abs();
                    let count = (10_000.0 * (-distance * distance * 2.0).exp()) as u64;
                    if count > 0 {
                        histograms.push(HistogramRow {
                            host: "testhost".into(),
                            workload: "counter".into(),
                            params: "busy_work=0;ops=1000".into(),
                            implementation: (*implementation).into(),
                            threads,
                            metric: OP_METRIC.into(),
                            low_ns: low,
                            high_ns: high,
                            count,
                        });
                    }
                    low = high;
                }
            }
        }
        (summary, histograms)
    }

    fn svg_body(text: &str) -> &str {
        let start = text.find("<svg").expect("an <svg element");
        assert!(text[..start].trim().is_empty() || text[..start].trim_start().starts_with("<?xml"));
        &text[start..]
    }

    #[test]
    fn render_all_writes_every_chart_as_svg_and_png() {
        let (summary, histograms) = sample();
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("charts");
        let charts = render_all(&summary, &histograms, &dir).unwrap();

        let files: Vec<String> = charts.iter().map(|c| c.svg.display().to_string()).collect();
        assert_eq!(
            files,
            [
                "charts/counter-throughput.svg",
                "charts/counter-latency-t1.svg",
                "charts/counter-latency-t2.svg",
                "charts/counter-latency-t4.svg"
            ]
        );
        for chart in &charts {
            assert_eq!(chart.workload, "counter");
            assert_eq!(chart.png, chart.svg.with_extension("png"));
            let svg = std::fs::read_to_string(root.path().join(&chart.svg)).unwrap();
            assert!(svg_body(&svg).trim_end().ends_with("</svg>"), "{}", chart.svg.display());
            let png = std::fs::read(root.path().join(&chart.png)).unwrap();
            assert!(png.len() > 1000, "{}", chart.png.display());
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        }
        // Titles and legends are in the SVG text; no temporary file is left.
        let throughput = std::fs::read_to_string(dir.join("counter-throughput.svg")).unwrap();
        assert!(throughput
            .contains("counter: throughput vs threads (median of 2 repeats, bars = min..max)"));
        for (implementation, _) in IMPLS {
            assert!(throughput.contains(implementation), "{implementation}");
        }
        assert!(throughput.contains("2 cores"));
        assert!(throughput.contains("M ops/s"));
        let latency1 = std::fs::read_to_string(dir.join("counter-latency-t1.svg")).unwrap();
        assert!(latency1.contains("counter, 1 thread: latency per operation (log scale)"));
        assert!(
            latency1.contains("batch means: each sample is a batch&apos;s time / its size")
                || latency1.contains("batch means: each sample is a batch's time / its size")
        );
        let latency2 = std::fs::read_to_string(dir.join("counter-latency-t2.svg")).unwrap();
        assert!(!latency2.contains("batch means"));
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| {
                name.starts_with('.') || name.contains(".part") || name.ends_with(".tmp")
            })
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn colours_follow_the_sorted_implementation_names() {
        let (summary, histograms) = sample();
        let styles = SeriesStyles::new(&summary, &histograms);
        let colour = |name: &str| styles.style(&styles.key(name, "testhost")).colour;
        // Sorted: parking-lot, racy-counter, spin-lock.
        assert_eq!(colour("parking-lot"), PALETTE[0]);
        assert_eq!(colour("racy-counter"), PALETTE[1]);
        assert_eq!(colour("spin-lock"), PALETTE[2]);
        assert_eq!(styles.style(&styles.key("parking-lot", "x")).kind, Kind::Library);
        let css = implementation_colours(&summary);
        assert_eq!(css["parking-lot"], "#1f77b4");
    }

    #[test]
    fn degenerate_inputs_draw_or_skip_without_error() {
        let root = tempfile::tempdir().unwrap();
        assert!(render_all(&[], &[], &root.path().join("empty")).unwrap().is_empty());
        assert!(root.path().join("empty").is_dir());

        // One point, one repeat, zero throughput, two hosts, a strange workload name.
        let mut row = summary_row("odd name/x", "solo", "mystery", 3, 1);
        row.throughput_ops_s = 0.0;
        let mut other = row.clone();
        other.host = "second".into();
        let histogram = HistogramRow {
            host: "testhost".into(),
            workload: "odd name/x".into(),
            params: "busy_work=0;ops=1000".into(),
            implementation: "solo".into(),
            threads: 3,
            metric: OP_METRIC.into(),
            low_ns: 0,
            high_ns: 1,
            count: 5,
        };
        let charts = render_all(&[row, other], &[histogram], &root.path().join("charts")).unwrap();
        let names: Vec<String> = charts.iter().map(|c| c.svg.display().to_string()).collect();
        assert_eq!(names, ["charts/odd_name_x-throughput.svg", "charts/odd_name_x-latency-t3.svg"]);
        let svg = std::fs::read_to_string(root.path().join(&charts[0].svg)).unwrap();
        assert!(svg.contains("solo @ second") && svg.contains("1 repeat per point"));
    }

    #[test]
    fn step_outline_drops_to_zero_across_gaps() {
        let outline =
            step_outline(&[(1.0, 10.0, 50.0), (10.0, 100.0, 25.0), (1000.0, 10000.0, 25.0)]);
        assert_eq!(
            outline,
            [
                (0.0, 0.0),
                (0.0, 50.0),
                (1.0, 50.0),
                (1.0, 25.0),
                (2.0, 25.0),
                (2.0, 0.0),
                (3.0, 0.0),
                (3.0, 25.0),
                (4.0, 25.0),
                (4.0, 0.0)
            ]
        );
    }

    #[test]
    fn labels_and_numbers() {
        assert_eq!(latency_label(500.0), "500 ns");
        assert_eq!(latency_label(2000.0), "2 µs");
        assert_eq!(latency_label(1_500_000.0), "1.5 ms");
        let axis = ValueAxis::new(12.0, 10);
        assert_eq!(axis.ticks, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
        assert_eq!(axis.label(2.0), "2");
        let axis = ValueAxis::new(0.33, 10);
        assert_eq!(axis.ticks.len(), 8);
        assert_eq!(axis.label(0.05), "0.05");
        assert_eq!(ValueAxis::new(0.0, 10).top, 1.1);
        assert_eq!(significant(2000.0), "2000");
        assert_eq!(significant(0.2), "0.2");
        assert_eq!(significant(0.005), "0.005");
        assert_eq!(significant(50.0), "50");
        let linear = ThroughputAxis::new([10.0, 200.0].into_iter());
        assert!(linear.log.is_none() && linear.coordinate(10.0) == 10.0);
        let log = ThroughputAxis::new([10.0, 2000.0, 0.0].into_iter());
        assert!(log.log.is_some() && (log.coordinate(100.0) - 2.0).abs() < 1e-12);
        assert!(!log.shows(0.0) && log.bold.contains(&2.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(file_stem("a b/c"), "a_b_c");
        assert_eq!(file_stem(".."), "_..");
    }

    /// Draws the sample data set for a look by eye:
    /// `cargo test -p reports -- --ignored write_sample_charts` writes to `$REPORTS_SAMPLE_DIR`
    /// (default `/tmp/charts-sample`).
    #[test]
    #[ignore = "writes outside the temporary directory; run by hand to look at the charts"]
    fn write_sample_charts() {
        let dir = std::env::var_os("REPORTS_SAMPLE_DIR")
            .map_or_else(|| PathBuf::from("/tmp/charts-sample"), PathBuf::from);
        let (mut summary, mut histograms) = sample();
        // A crowded second workload: ten implementations, 1..32 threads on 8 CPUs, wide latencies.
        let kinds = ["hand-rolled", "library", "hand-rolled", "demonstration", "library"];
        for threads in [1, 2, 4, 8, 16, 32] {
            for i in 0..10 {
                let implementation =
                    format!("mutex-variant-{i}{}", if i == 7 { "-with-a-long-name" } else { "" });
                for repeat in 1..=5 {
                    let mut row = summary_row(
                        "mutex-contention",
                        &implementation,
                        kinds[i % 5],
                        threads,
                        repeat,
                    );
                    row.logical_cpus = 8;
                    let scale = (threads.min(8) as f64).sqrt()
                        / (1.0 + (threads as f64 / 8.0 - 1.0).max(0.0));
                    row.throughput_ops_s =
                        2e6 * (1.0 + i as f64 * 0.3) * scale * (1.0 + 0.03 * repeat as f64);
                    row.timing = "per-op".into();
                    summary.push(row);
                }
                let mut low = 20u64;
                let peak = 60.0 * (1.0 + i as f64) * threads as f64;
                while low < 50_000_000 {
                    let high = ((low as f64) * 1.189_207_115).ceil() as u64;
                    let distance = ((low as f64).ln() - peak.ln()).abs();
                    let count = (10_000.0 * (-distance * distance / 3.0).exp()) as u64
                        + u64::from(low % 7 == 1);
                    histograms.push(HistogramRow {
                        host: "testhost".into(),
                        workload: "mutex-contention".into(),
                        params: "busy_work=0;ops=1000".into(),
                        implementation: implementation.clone(),
                        threads,
                        metric: OP_METRIC.into(),
                        low_ns: low,
                        high_ns: high,
                        count,
                    });
                    low = high;
                }
            }
        }
        let charts = render_all(&summary, &histograms, &dir.join("charts")).unwrap();
        assert!(!charts.is_empty());
        let meta = crate::RunMeta {
            run_id: "run-1".into(),
            started: "2025-01-01T00:00:00Z".into(),
            finished: Some("2025-01-01T00:05:00Z".into()),
            host: "testhost".into(),
            cpu_model: "Test CPU @ 3 GHz".into(),
            logical_cpus: 8,
            os: "linux".into(),
            arch: "x86_64".into(),
            kernel: "6.1.0".into(),
            rustc: "rustc 1.80.0".into(),
            git_commit: "abc123".into(),
            syncbench_version: "0.1.0".into(),
            command: vec!["syncbench".into(), "run".into(), "--quick".into()],
            config: serde_json::json!({"threads": [1, 2, 4], "duration": "1s", "seed": 42}),
        };
        crate::html::write_report(&[meta], &summary, &charts, &dir, &dir.join("report.html"))
            .unwrap();
    }
}
