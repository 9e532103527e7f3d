//! Charts (SVG and PNG) drawn with plotters from the run's records. TODO(helper): implement.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::record::{HistogramRow, SummaryRow};

/// One drawn chart, as the HTML report refers to it.
#[derive(Debug, Clone)]
pub struct Chart {
    pub workload: String,
    pub title: String,
    /// The SVG and PNG files, both written.
    pub svg: PathBuf,
    pub png: PathBuf,
}

/// Draws every chart of the run into `dir` (created if missing) and returns them in report order.
pub fn render_all(summary: &[SummaryRow], histograms: &[HistogramRow], dir: &Path) -> Result<Vec<Chart>> {
    let _ = (summary, histograms, dir);
    Ok(Vec::new())
}
