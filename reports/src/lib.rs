//! Records and outputs of a syncbench run.
//!
//! A results folder holds `summary.csv`, `histograms.csv`, `meta.json`, `charts/`, `hgrm/` and
//! `report.html` (see [`ResultsFolder`]). Measuring is kept apart from drawing: the charts and the
//! page are drawn only from the CSV files and `meta.json`, so `syncbench report DIR` can redraw
//! any folder, and several folders (hosts, commits) can be drawn together.

pub mod charts;
pub mod compare;
pub mod csv_files;
pub mod disturbance;
pub mod export;
pub mod hgrm;
pub mod histogram;
pub mod history;
pub mod html;
pub mod merge;
pub mod meta;
pub mod record;
pub mod scoreboard;
pub mod timing;
pub mod topology;
pub mod variants;
pub mod verdicts;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub use meta::{Environment, RunMeta};
pub use record::{HistogramRow, Invariant, Outcome, SummaryRow};

/// The files of one results folder, by the names the user-facing contract fixes.
#[derive(Debug, Clone)]
pub struct ResultsFolder {
    pub root: PathBuf,
}

impl ResultsFolder {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
    pub fn summary_csv(&self) -> PathBuf {
        self.root.join("summary.csv")
    }
    pub fn histograms_csv(&self) -> PathBuf {
        self.root.join("histograms.csv")
    }
    pub fn meta_json(&self) -> PathBuf {
        self.root.join("meta.json")
    }
    pub fn charts_dir(&self) -> PathBuf {
        self.root.join("charts")
    }
    pub fn report_html(&self) -> PathBuf {
        self.root.join("report.html")
    }
    /// One HdrHistogram percentile-distribution file per point (see [`hgrm`]).
    pub fn hgrm_dir(&self) -> PathBuf {
        self.root.join("hgrm")
    }

    /// Reads back everything a run wrote, for re-rendering.
    pub fn load(&self) -> Result<RunData> {
        Ok(RunData {
            meta: RunMeta::read(&self.meta_json())?,
            summary: csv_files::read_rows(&self.summary_csv())?,
            histograms: csv_files::read_rows(&self.histograms_csv())?,
        })
    }

    /// Draws `charts/` and `report.html` from the folder's CSV files and `meta.json`, and writes
    /// the `.hgrm` files the folder lacks.
    pub fn render(&self) -> Result<()> {
        let data = self.load()?;
        hgrm::write_missing(&self.hgrm_dir(), &data.histograms)?;
        let charts = charts::render_all(&data.summary, &data.histograms, &self.charts_dir())?;
        html::write_report(
            &[data.meta],
            &data.summary,
            &data.histograms,
            &charts,
            &self.root,
            &self.report_html(),
        )
    }
}

/// What one results folder holds.
#[derive(Debug, Clone)]
pub struct RunData {
    pub meta: RunMeta,
    pub summary: Vec<SummaryRow>,
    pub histograms: Vec<HistogramRow>,
}

/// Writes `bytes` to `path` through a temporary file and a rename, so readers see the old file or
/// the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}
