//! `syncbench history`: every run kept in one SQLite file, for trends across commits and hosts.
//!
//! - [`import`]: `history add DIR...` — a results folder's rows, environment, commit, host and run
//!   id, each folder in one transaction, idempotent (a row already stored is left as it is).
//! - [`query`]: what is stored, read back: runs, and result rows filtered by workload / impl / host.
//! - [`series`]: the rows as a time series per point and host, runs ordered by their start.
//! - [`check`]: `history check` — the newest run of each point against its recent window.
//! - [`trend_page`]: `history report` — one self-contained page of trend charts.
//! - [`schema`]: the versioned schema and its migrations.
//!
//! The database is SQLite through `rusqlite` with the library bundled, so a fresh machine needs
//! nothing else. SQLite's rollback journal makes each import all-or-nothing even when the process
//! is killed in the middle of it.

pub mod check;
mod error;
pub mod import;
pub mod query;
pub mod schema;
pub mod series;
pub mod trend_page;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

pub use error::HistoryError;

/// The default `--db`.
pub const DEFAULT_DB: &str = "results/history.sqlite";

/// An open history database, checked and at the current schema version.
pub struct History {
    connection: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("path", &self.path).finish()
    }
}

impl History {
    /// Opens the history at `path`, creating the file (and its folder) if there is none. Refuses
    /// a corrupt file, another program's database and a newer schema without writing to them.
    pub fn open_or_create(path: &Path) -> Result<Self, HistoryError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| HistoryError::Output {
                path: parent.to_owned(),
                reason: e.to_string(),
            })?;
        }
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)
    }

    /// Opens an existing history; a missing file is an error, not a new empty history.
    pub fn open_existing(path: &Path) -> Result<Self, HistoryError> {
        if !path.is_file() {
            return Err(HistoryError::NoDatabase { path: path.to_owned() });
        }
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Self, HistoryError> {
        let flags = flags | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let mut connection =
            Connection::open_with_flags(path, flags).map_err(|e| schema::classify(path, e))?;
        // A second writer (two CI jobs on one file) waits for the first instead of failing.
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| schema::classify(path, e))?;
        schema::prepare(&mut connection, path)?;
        connection
            .execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(|e| schema::classify(path, e))?;
        Ok(Self { connection, path: path.to_owned() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file (always [`schema::current_version`] once opened).
    pub fn schema_version(&self) -> Result<i64, HistoryError> {
        self.connection
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.sqlite(e))
    }

    fn sqlite(&self, source: rusqlite::Error) -> HistoryError {
        schema::classify(&self.path, source)
    }
}

#[cfg(test)]
mod tests;
