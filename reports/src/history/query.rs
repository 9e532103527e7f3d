//! What the history holds, read back: the runs, and the result rows of a filter.

use rusqlite::params;
use rusqlite::types::Type;

use crate::record::Invariant;

use super::{History, HistoryError};

/// One stored run.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    /// The database's key of the run.
    pub id: i64,
    pub run_id: String,
    pub host: String,
    pub git_commit: String,
    /// RFC 3339 UTC.
    pub started: String,
    pub cpu_model: String,
    pub logical_cpus: usize,
    /// Result rows stored for it.
    pub rows: usize,
    /// The folder it was imported from, as given to `history add`.
    pub source: String,
}

/// One stored result row, with what the trends and the check need.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResult {
    /// [`StoredRun::id`] of its run.
    pub run: i64,
    pub workload: String,
    pub implementation: String,
    pub impl_kind: String,
    pub params: String,
    pub threads: usize,
    /// `--cores` of the row; 0 = not restricted.
    pub cores: usize,
    pub repeat: usize,
    pub throughput_ops_s: f64,
    pub p99_ns: f64,
    pub invariant: Invariant,
}

/// Which rows to read; `None` takes all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub workload: Option<String>,
    pub implementation: Option<String>,
    pub host: Option<String>,
}

impl Filter {
    /// The filter as a phrase for a message: ` --workload counter --impl std-mutex`.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        for (flag, value) in [
            ("--workload", &self.workload),
            ("--impl", &self.implementation),
            ("--host", &self.host),
        ] {
            if let Some(value) = value {
                text.push_str(&format!(" {flag} {value}"));
            }
        }
        text
    }
}

impl History {
    /// Every run, oldest first (by start, then by when it was added).
    pub fn runs(&self) -> Result<Vec<StoredRun>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT runs.id, run_id, host, git_commit, started, cpu_model, logical_cpus,
                        source, (SELECT count(*) FROM results WHERE results.run = runs.id)
                 FROM runs ORDER BY started, id",
            )
            .map_err(|e| self.sqlite(e))?;
        let runs = statement
            .query_map([], |r| {
                Ok(StoredRun {
                    id: r.get(0)?,
                    run_id: r.get(1)?,
                    host: r.get(2)?,
                    git_commit: r.get(3)?,
                    started: r.get(4)?,
                    cpu_model: r.get(5)?,
                    logical_cpus: r.get::<_, i64>(6)?.max(0) as usize,
                    source: r.get(7)?,
                    rows: r.get::<_, i64>(8)?.max(0) as usize,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sqlite(e));
        runs
    }

    /// The result rows that `filter` lets through, in storage order.
    pub fn results(&self, filter: &Filter) -> Result<Vec<StoredResult>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT results.run, workload, impl, impl_kind, params, threads, repeat,
                        throughput_ops_s, p99_ns, invariant, cores
                 FROM results JOIN runs ON runs.id = results.run
                 WHERE (?1 IS NULL OR workload = ?1) AND (?2 IS NULL OR impl = ?2)
                   AND (?3 IS NULL OR runs.host = ?3)
                 ORDER BY results.run, results.rowid",
            )
            .map_err(|e| self.sqlite(e))?;
        let results = statement
            .query_map(params![filter.workload, filter.implementation, filter.host], |r| {
                Ok(StoredResult {
                    run: r.get(0)?,
                    workload: r.get(1)?,
                    implementation: r.get(2)?,
                    impl_kind: r.get(3)?,
                    params: r.get(4)?,
                    threads: r.get::<_, i64>(5)?.max(0) as usize,
                    repeat: r.get::<_, i64>(6)?.max(0) as usize,
                    throughput_ops_s: r.get(7)?,
                    p99_ns: r.get(8)?,
                    invariant: Invariant::parse(&r.get::<_, String>(9)?).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(9, Type::Text, e.into())
                    })?,
                    cores: r.get::<_, i64>(10)?.max(0) as usize,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sqlite(e));
        results
    }

    /// How many result rows are stored in all.
    pub fn row_count(&self) -> Result<usize, HistoryError> {
        self.connection
            .query_row("SELECT count(*) FROM results", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as usize)
            .map_err(|e| self.sqlite(e))
    }
}
