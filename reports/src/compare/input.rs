//! One side of a comparison: the `summary.csv` of a results folder (or the file itself), read with
//! the same reader as every other output, and what it says about where it was measured.

use std::path::{Path, PathBuf};

use crate::csv_files::read_rows;
use crate::record::SummaryRow;
use crate::ResultsFolder;

use super::CompareError;

/// The rows of one side and where they came from.
#[derive(Debug, Clone)]
pub struct RunSide {
    /// The `summary.csv` that was read.
    pub path: PathBuf,
    pub rows: Vec<SummaryRow>,
}

impl RunSide {
    /// Reads `path`: a results folder (its `summary.csv`) or a `summary.csv` file. Rejects a
    /// missing path, malformed CSV, an empty file, and samples that are not finite numbers ≥ 0.
    pub fn load(path: &Path) -> Result<Self, CompareError> {
        let csv = if path.is_dir() {
            let csv = ResultsFolder::new(path).summary_csv();
            if !csv.is_file() {
                return Err(CompareError::NoSummary { path: path.to_owned() });
            }
            csv
        } else if path.is_file() {
            path.to_owned()
        } else {
            return Err(CompareError::Missing { path: path.to_owned() });
        };
        let rows: Vec<SummaryRow> =
            read_rows(&csv).map_err(|e| CompareError::Unreadable(format!("{e:#}")))?;
        Self::from_rows(csv, rows)
    }

    /// A side from rows already in memory (a gate script's own, or a test's); `path` names it.
    pub fn from_rows(path: PathBuf, rows: Vec<SummaryRow>) -> Result<Self, CompareError> {
        if rows.is_empty() {
            return Err(CompareError::Empty { path });
        }
        for (index, row) in rows.iter().enumerate() {
            for (column, value) in
                [("throughput_ops_s", row.throughput_ops_s), ("p99_ns", row.p99_ns)]
            {
                if !value.is_finite() || value < 0.0 {
                    // Row numbers as a spreadsheet shows them: the header is row 1.
                    return Err(CompareError::BadValue { path, row: index + 2, column, value });
                }
            }
        }
        Ok(Self { path, rows })
    }

    /// The side less the repeats the environment guard flagged, and how many those were.
    pub fn without_disturbed(self) -> (Self, usize) {
        let before = self.rows.len();
        let rows: Vec<SummaryRow> = self.rows.into_iter().filter(|r| !r.is_disturbed()).collect();
        let skipped = before - rows.len();
        (Self { path: self.path, rows }, skipped)
    }

    /// The distinct hosts of the rows, in order of appearance.
    pub fn hosts(&self) -> Vec<&str> {
        distinct(self.rows.iter().map(|r| r.host.as_str()))
    }

    /// The distinct git commits of the rows, in order of appearance.
    pub fn commits(&self) -> Vec<&str> {
        distinct(self.rows.iter().map(|r| r.git_commit.as_str()))
    }
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}
