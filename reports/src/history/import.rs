//! `history add DIR...`: results folders into the database.
//!
//! A folder is read whole and checked before the database is opened, so a bad folder (no
//! summary.csv, malformed CSV, an unreadable meta.json) writes nothing. Its rows are grouped
//! into runs by (run id, host, commit) — a folder is one run, a concatenated summary.csv may hold
//! several — and each folder goes in as one transaction. A run or row already stored (same run,
//! point and repeat) is left as it is, so adding a folder twice changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};

use crate::csv_files::read_rows;
use crate::{ResultsFolder, RunMeta, SummaryRow};

use super::{History, HistoryError};

/// A results folder as read, before it is stored.
#[derive(Debug, Clone)]
pub struct FolderToAdd {
    pub source: PathBuf,
    pub rows: Vec<SummaryRow>,
    /// `meta.json` parsed, and its text as stored; `None` when the folder has none.
    pub meta: Option<(RunMeta, String)>,
}

impl FolderToAdd {
    /// Reads `dir`'s summary.csv (through [`read_rows`], so any columns a newer `SummaryRow`
    /// has come along) and its meta.json if there is one.
    pub fn read(dir: &Path) -> Result<Self, HistoryError> {
        if !dir.is_dir() {
            return Err(HistoryError::MissingFolder { path: dir.to_owned() });
        }
        let folder = ResultsFolder::new(dir);
        let csv = folder.summary_csv();
        if !csv.is_file() {
            return Err(HistoryError::NoSummary { path: dir.to_owned() });
        }
        let rows: Vec<SummaryRow> =
            read_rows(&csv).map_err(|e| HistoryError::Unreadable(format!("{e:#}")))?;
        if rows.is_empty() {
            return Err(HistoryError::EmptySummary { path: csv });
        }
        let meta_path = folder.meta_json();
        let meta = if meta_path.is_file() {
            let meta = RunMeta::read(&meta_path)
                .map_err(|e| HistoryError::Unreadable(format!("{e:#}")))?;
            let text = serde_json::to_string(&meta)
                .map_err(|e| HistoryError::Unreadable(format!("{}: {e}", meta_path.display())))?;
            Some((meta, text))
        } else {
            None
        };
        Ok(Self { source: dir.to_owned(), rows, meta })
    }

    /// The folder filed under `host` instead of the host it names: a CI runner's hostname is new
    /// on every job, so the matrix files each runner kind under one stable name (bencher's
    /// "testbed"). The stored meta.json keeps the machine's own hostname.
    pub fn with_host(mut self, host: &str) -> Self {
        for row in &mut self.rows {
            if let Some((meta, _)) = &self.meta {
                if row.host != meta.env.host {
                    continue;
                }
            }
            row.host = host.to_owned();
        }
        if let Some((meta, _)) = &mut self.meta {
            meta.env.host = host.to_owned();
        }
        self
    }
}

/// What one folder added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Added {
    pub runs: usize,
    pub rows: usize,
    /// Rows of the folder that were stored already.
    pub known_rows: usize,
}

/// The identity of a run in the database.
type RunKey<'a> = (&'a str, &'a str, &'a str);

impl History {
    /// Stores `folder` in one transaction. `on_row` is called after each row is written, inside
    /// the transaction (the binary's hidden `--abort-after-rows` kills the process there, to show
    /// that a killed import leaves the database as it was).
    pub fn add(
        &mut self,
        folder: &FolderToAdd,
        mut on_row: impl FnMut(usize),
    ) -> Result<Added, HistoryError> {
        let path = self.path.clone();
        let sqlite = |e| super::schema::classify(&path, e);
        let mut runs: BTreeMap<RunKey<'_>, Vec<&SummaryRow>> = BTreeMap::new();
        for row in &folder.rows {
            runs.entry((&row.run_id, &row.host, &row.git_commit)).or_default().push(row);
        }
        let source = folder.source.display().to_string();
        let transaction = self.connection.transaction().map_err(sqlite)?;
        let mut added = Added::default();
        let mut written = 0;
        for ((run_id, host, commit), rows) in runs {
            let meta = folder.meta.as_ref().filter(|(m, _)| {
                m.run_id == run_id && m.env.host == host && m.env.git_commit == commit
            });
            let first = rows[0];
            let started = match meta {
                Some((m, _)) if !m.started.is_empty() => m.started.clone(),
                _ => rows.iter().map(|r| r.timestamp.as_str()).min().unwrap_or("").to_owned(),
            };
            let inserted = transaction
                .execute(
                    "INSERT INTO runs (run_id, host, git_commit, started, finished, cpu_model,
                         logical_cpus, rustc, os, arch, kernel, syncbench_version, meta_json,
                         source, imported_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                         strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
                     ON CONFLICT (run_id, host, git_commit) DO NOTHING",
                    params![
                        run_id,
                        host,
                        commit,
                        started,
                        meta.and_then(|(m, _)| m.finished.clone()),
                        first.cpu_model,
                        first.logical_cpus as i64,
                        first.rustc,
                        meta.map(|(m, _)| m.env.os.clone()),
                        meta.map(|(m, _)| m.env.arch.clone()),
                        meta.map(|(m, _)| m.env.kernel.clone()),
                        meta.map(|(m, _)| m.syncbench_version.clone()),
                        meta.map(|(_, text)| text.clone()),
                        source,
                    ],
                )
                .map_err(sqlite)?;
            added.runs += inserted;
            let run: i64 = transaction
                .query_row(
                    "SELECT id FROM runs WHERE run_id = ?1 AND host = ?2 AND git_commit = ?3",
                    params![run_id, host, commit],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sqlite)?
                .ok_or_else(|| HistoryError::Unreadable(format!("run {run_id} vanished")))?;
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO results (run, workload, impl, impl_kind, params, threads, repeat,
                         timestamp, duration_s, ops, throughput_ops_s, p50_ns, p99_ns, max_ns,
                         timing, invariant, row_json, cores)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         ?16, ?17, ?18)
                     ON CONFLICT DO NOTHING",
                )
                .map_err(sqlite)?;
            for row in rows {
                let json = serde_json::to_string(row).map_err(|e| {
                    HistoryError::Unreadable(format!("cannot encode a row of {source}: {e}"))
                })?;
                let stored = insert
                    .execute(params![
                        run,
                        row.workload,
                        row.implementation,
                        row.impl_kind,
                        row.params,
                        row.threads as i64,
                        row.repeat as i64,
                        row.timestamp,
                        row.duration_s,
                        i64::try_from(row.ops).unwrap_or(i64::MAX),
                        row.throughput_ops_s,
                        row.p50_ns,
                        row.p99_ns,
                        row.max_ns,
                        row.timing,
                        row.invariant.to_string(),
                        json,
                        row.cores as i64,
                    ])
                    .map_err(sqlite)?;
                if stored == 1 {
                    added.rows += 1;
                } else {
                    added.known_rows += 1;
                }
                written += 1;
                on_row(written);
            }
        }
        transaction.commit().map_err(sqlite)?;
        Ok(added)
    }
}
