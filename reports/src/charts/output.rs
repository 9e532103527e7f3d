//! Writing a drawing as SVG and PNG, each complete before it is renamed into place.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, ChartKind, CHART_SIZE};

/// Something that can draw itself on any plotters backend.
pub(super) trait Drawing {
    fn title(&self) -> &str;
    fn kind(&self) -> ChartKind;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

pub(super) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws `drawing` as `<dir>/<file>.svg` and `.png`, each rendered completely before it is
/// renamed into place.
pub(super) fn write_chart(
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
        kind: drawing.kind(),
        svg: relative_dir.join(svg_name),
        png: relative_dir.join(png_name),
    })
}

/// Lets `write` fill a temporary file beside `path` (`.<name>.part.<ext>`), then renames it to
/// `path`; on failure removes it, so `path` is either the old file or the complete new one.
pub(super) fn write_via_temporary(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
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
