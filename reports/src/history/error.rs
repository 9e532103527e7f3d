//! Why a history command could not be carried out. Every message is one line written for the
//! user; the binary exits 2 on any of them, and none leaves anything written behind.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("no results folder at {}", path.display())]
    MissingFolder { path: PathBuf },
    #[error("{} is not a results folder: it has no summary.csv", path.display())]
    NoSummary { path: PathBuf },
    /// The CSV or JSON reader's message, which names the file and the bad row.
    #[error("{0}")]
    Unreadable(String),
    #[error("{} has no rows", path.display())]
    EmptySummary { path: PathBuf },
    #[error("no history at {}: add results folders first with `syncbench history add DIR`", path.display())]
    NoDatabase { path: PathBuf },
    #[error("{} is not a syncbench history (corrupt, or not an SQLite database): {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("{} is an SQLite database of another program (its tables: {tables}); choose another --db", path.display())]
    Foreign { path: PathBuf, tables: String },
    #[error(
        "{} has history schema version {found}, newer than this syncbench reads (up to {supported}); use a newer syncbench",
        path.display()
    )]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    #[error("database error in {}: {source}", path.display())]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("cannot write {}: {reason}", path.display())]
    Output { path: PathBuf, reason: String },
    #[error("nothing in the history at {} matches{filter}", path.display())]
    NothingMatches { path: PathBuf, filter: String },
    #[error("invalid {what} '{value}': {why}")]
    InvalidSetting { what: &'static str, value: String, why: &'static str },
}
