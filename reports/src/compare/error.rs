//! Why a comparison could not be made. Every message is one line written for the user; the
//! binary exits 2 on any of them.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("cannot compare: {} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("cannot compare: {} is a folder without a summary.csv", path.display())]
    NoSummary { path: PathBuf },
    /// The CSV reader's message, which names the file and the bad row.
    #[error("cannot compare: {0}")]
    Unreadable(String),
    #[error("cannot compare: {} has no rows", path.display())]
    Empty { path: PathBuf },
    #[error("cannot compare: {} row {row}: {column} is {value}, not a finite number ≥ 0", path.display())]
    BadValue { path: PathBuf, row: usize, column: &'static str, value: f64 },
    #[error(
        "cannot compare: no (workload, impl, params, threads) point is in both {} and {}",
        baseline.display(),
        current.display()
    )]
    NoCommonPoints { baseline: PathBuf, current: PathBuf },
    #[error("invalid {what} '{value}': {why}")]
    InvalidSetting { what: &'static str, value: String, why: &'static str },
}
