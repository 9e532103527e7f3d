//! The database's schema and how it is brought up to date.
//!
//! The file says what it is with two header fields SQLite keeps for this purpose:
//! `PRAGMA application_id` ([`APPLICATION_ID`]) marks it as a syncbench history, so another
//! program's database is refused rather than written into, and `PRAGMA user_version` is the
//! schema version: the number of [`MIGRATIONS`] applied to it. Opening applies the missing ones
//! in one transaction, so a file is always at one version or the next, never between; a file of a
//! newer version is refused untouched. A new schema version is one more entry at the end of
//! [`MIGRATIONS`] — never an edit of an earlier one, which older files have already applied.

use std::path::Path;

use rusqlite::{Connection, ErrorCode};

use super::HistoryError;

/// "SBH1" in ASCII: what `PRAGMA application_id` holds in every syncbench history.
pub const APPLICATION_ID: i32 = 0x5342_4831;

/// The SQL that takes a database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes and reads.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Version 1. A run is one (run id, host, commit) — a results folder, or one run of a
/// concatenated summary.csv. A result is one summary.csv row; `row_json` keeps the whole row, so
/// columns this schema has no column for (newer summary.csv columns among them) are not lost.
const V1: &str = "
CREATE TABLE runs (
    id                INTEGER PRIMARY KEY,
    run_id            TEXT NOT NULL,
    host              TEXT NOT NULL,
    git_commit        TEXT NOT NULL,
    -- RFC 3339 UTC: meta.json's start, else the run's first row's timestamp. Orders the runs.
    started           TEXT NOT NULL,
    finished          TEXT,
    cpu_model         TEXT NOT NULL,
    logical_cpus      INTEGER NOT NULL,
    rustc             TEXT NOT NULL,
    os                TEXT,
    arch              TEXT,
    kernel            TEXT,
    syncbench_version TEXT,
    -- meta.json as it was read; NULL when the folder had none or it belongs to another run.
    meta_json         TEXT,
    source            TEXT NOT NULL,
    imported_at       TEXT NOT NULL,
    UNIQUE (run_id, host, git_commit)
);
CREATE TABLE results (
    run              INTEGER NOT NULL REFERENCES runs(id),
    workload         TEXT NOT NULL,
    impl             TEXT NOT NULL,
    impl_kind        TEXT NOT NULL,
    params           TEXT NOT NULL,
    threads          INTEGER NOT NULL,
    repeat           INTEGER NOT NULL,
    timestamp        TEXT NOT NULL,
    duration_s       REAL NOT NULL,
    ops              INTEGER NOT NULL,
    throughput_ops_s REAL NOT NULL,
    p50_ns           REAL NOT NULL,
    p99_ns           REAL NOT NULL,
    max_ns           REAL NOT NULL,
    timing           TEXT NOT NULL,
    invariant        TEXT NOT NULL,
    row_json         TEXT NOT NULL,
    PRIMARY KEY (run, workload, impl, params, threads, repeat)
);
CREATE INDEX results_by_point ON results (workload, impl, params, threads);
";

/// Version 2: a result is keyed by its core count too (`--cores`; 0 = not restricted), so 2
/// threads on 1 core and 2 threads on 2 cores of one run are two results. Rows stored before
/// take the core count their `row_json` holds, else 0.
const V2: &str = "
CREATE TABLE results_v2 (
    run              INTEGER NOT NULL REFERENCES runs(id),
    workload         TEXT NOT NULL,
    impl             TEXT NOT NULL,
    impl_kind        TEXT NOT NULL,
    params           TEXT NOT NULL,
    threads          INTEGER NOT NULL,
    repeat           INTEGER NOT NULL,
    timestamp        TEXT NOT NULL,
    duration_s       REAL NOT NULL,
    ops              INTEGER NOT NULL,
    throughput_ops_s REAL NOT NULL,
    p50_ns           REAL NOT NULL,
    p99_ns           REAL NOT NULL,
    max_ns           REAL NOT NULL,
    timing           TEXT NOT NULL,
    invariant        TEXT NOT NULL,
    row_json         TEXT NOT NULL,
    cores            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run, workload, impl, params, threads, cores, repeat)
);
INSERT INTO results_v2
    SELECT run, workload, impl, impl_kind, params, threads, repeat, timestamp, duration_s, ops,
           throughput_ops_s, p50_ns, p99_ns, max_ns, timing, invariant, row_json,
           coalesce(json_extract(row_json, '$.cores'), 0)
    FROM results ORDER BY rowid;
DROP INDEX results_by_point;
DROP TABLE results;
ALTER TABLE results_v2 RENAME TO results;
CREATE INDEX results_by_point ON results (workload, impl, params, threads, cores);
";

/// Checks that `connection` is a syncbench history this build can read, creating the schema in
/// an empty database and migrating an older one. Refuses, writing nothing, a file that is not
/// an SQLite database, another program's database, and a newer schema.
pub(super) fn prepare(connection: &mut Connection, path: &Path) -> Result<(), HistoryError> {
    let sqlite = |source| classify(path, source);
    let application_id: i32 =
        connection.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(sqlite)?;
    let version: i64 =
        connection.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sqlite)?;
    if application_id != APPLICATION_ID {
        let tables: Vec<String> = connection
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(sqlite)?;
        if application_id != 0 || version != 0 || !tables.is_empty() {
            let tables = if tables.is_empty() { "none".to_owned() } else { tables.join(", ") };
            return Err(HistoryError::Foreign { path: path.to_owned(), tables });
        }
    }
    let supported = current_version();
    if version > supported {
        return Err(HistoryError::NewerSchema { path: path.to_owned(), found: version, supported });
    }
    if version < supported {
        let transaction = connection.transaction().map_err(sqlite)?;
        for migration in &MIGRATIONS[version as usize..] {
            transaction.execute_batch(migration).map_err(sqlite)?;
        }
        // PRAGMA takes no bound parameters; both values are this build's own integers.
        transaction
            .execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {supported};"
            ))
            .map_err(sqlite)?;
        transaction.commit().map_err(sqlite)?;
    }
    Ok(())
}

/// An SQLite error as the user should read it: a file that is not a database (or a damaged one)
/// is `Corrupt`, anything else a database error.
pub(super) fn classify(path: &Path, source: rusqlite::Error) -> HistoryError {
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            HistoryError::Corrupt { path: path.to_owned(), reason: source.to_string() }
        }
        _ => HistoryError::Sqlite { path: path.to_owned(), source },
    }
}
