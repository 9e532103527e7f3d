//! `report.html`: one self-contained page. TODO(helper): implement.

use std::path::Path;

use anyhow::Result;

use crate::charts::Chart;
use crate::meta::RunMeta;
use crate::record::SummaryRow;

/// Writes the report page to `out`. `root` is the results folder, against which chart paths are
/// resolved to embed them.
pub fn write_report(metas: &[RunMeta], summary: &[SummaryRow], charts: &[Chart], root: &Path, out: &Path) -> Result<()> {
    let _ = (metas, summary, charts, root);
    crate::write_atomically(out, b"<!doctype html><title>syncbench</title>")
}
