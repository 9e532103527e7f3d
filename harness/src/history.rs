//! `syncbench history ...`: the command-line side of [`reports::history`] — typed settings from
//! the arguments, the output, and the exit code (0 fine, 1 a regression found by `check`, 2 bad
//! input through the caller's error path).

use std::path::{Path, PathBuf};

use anyhow::Result;
use reports::compare::CompareSettings;
use reports::history::check::{check, CheckSettings};
use reports::history::import::FolderToAdd;
use reports::history::query::Filter;
use reports::history::series::points;
use reports::history::trend_page::{write_trend_page, TrendOptions};
use reports::history::{History, DEFAULT_DB};

use crate::app::EXIT_FINDING;
use crate::cli::{HistoryArgs, HistoryCommand, HistoryFilterArgs};
use crate::compare::{parse_alpha, parse_threshold};
use crate::options::OptionsError;

/// Runs one history subcommand. `default_out` names a fresh results folder from a prefix.
pub fn run(args: &HistoryArgs, default_out: fn(&str) -> PathBuf) -> Result<u8> {
    let db = args.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    match &args.command {
        HistoryCommand::Add { dirs, host, abort_after_rows } => {
            add(&db, dirs, host.as_deref(), *abort_after_rows)
        }
        HistoryCommand::List => list(&db),
        HistoryCommand::Report { filter, by_date, out } => {
            let history = History::open_existing(&db)?;
            let out = out.clone().unwrap_or_else(|| default_out("history-"));
            let options = TrendOptions { filter: filter_of(filter), by_date: *by_date };
            let charts = write_trend_page(&history, &options, &out)?;
            println!("wrote {} ({charts} trend chart(s))", out.join("report.html").display());
            Ok(0)
        }
        HistoryCommand::Check { filter, window, threshold, alpha, latency } => {
            let defaults = CheckSettings::default();
            let settings = CheckSettings {
                window: match window {
                    Some(text) => parse_window(text)?,
                    None => defaults.window,
                },
                compare: CompareSettings {
                    threshold: match threshold {
                        Some(text) => parse_threshold(text)?,
                        None => defaults.compare.threshold,
                    },
                    alpha: match alpha {
                        Some(text) => parse_alpha(text)?,
                        None => defaults.compare.alpha,
                    },
                    gate_latency: *latency,
                    ..defaults.compare
                },
            };
            settings.validate()?;
            let history = History::open_existing(&db)?;
            let runs = history.runs()?;
            let results = history.results(&filter_of(filter))?;
            let points = points(&runs, &results);
            if points.is_empty() {
                return Err(reports::history::HistoryError::NothingMatches {
                    path: db,
                    filter: filter_of(filter).describe(),
                }
                .into());
            }
            let outcome = check(&points, &settings);
            print!("{}", outcome.render());
            match outcome.failure() {
                Some(failure) => {
                    eprintln!("syncbench: {failure}");
                    Ok(EXIT_FINDING)
                }
                None => Ok(0),
            }
        }
    }
}

/// Reads every folder first, so that a bad one stops the command before the database is opened
/// (or created); then stores each in its own transaction.
fn add(
    db: &Path,
    dirs: &[PathBuf],
    host: Option<&str>,
    abort_after_rows: Option<usize>,
) -> Result<u8> {
    let folders = dirs
        .iter()
        .map(|dir| {
            let folder = FolderToAdd::read(dir)?;
            Ok(match host {
                Some(host) => folder.with_host(host),
                None => folder,
            })
        })
        .collect::<Result<Vec<_>, reports::history::HistoryError>>()?;
    let mut history = History::open_or_create(db)?;
    let mut written = 0;
    for folder in &folders {
        let added = history.add(folder, |_| {
            written += 1;
            if abort_after_rows.is_some_and(|limit| written >= limit) {
                // A kill, not an error: no destructor, no rollback code of ours runs.
                std::process::abort();
            }
        })?;
        if added.rows == 0 && added.runs == 0 {
            println!("{}: already in the history, nothing added", folder.source.display());
        } else {
            println!(
                "{}: added {} row(s) of {} new run(s){}",
                folder.source.display(),
                added.rows,
                added.runs,
                if added.known_rows > 0 {
                    format!(" ({} already stored)", added.known_rows)
                } else {
                    String::new()
                }
            );
        }
    }
    println!("{}: {} row(s) in all", db.display(), history.row_count()?);
    Ok(0)
}

fn list(db: &Path) -> Result<u8> {
    let history = History::open_existing(db)?;
    let runs = history.runs()?;
    let distinct = |field: fn(&reports::history::query::StoredRun) -> &str| {
        runs.iter().map(field).collect::<std::collections::BTreeSet<_>>().len()
    };
    println!(
        "{} (schema version {}): {} run(s), {} row(s), {} host(s), {} commit(s)",
        db.display(),
        history.schema_version()?,
        runs.len(),
        history.row_count()?,
        distinct(|r| &r.host),
        distinct(|r| &r.git_commit),
    );
    let header = ["started", "host", "commit", "run id", "rows", "source"];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
    for run in &runs {
        lines.push(vec![
            run.started.clone(),
            run.host.clone(),
            run.git_commit.chars().take(12).collect(),
            run.run_id.clone(),
            run.rows.to_string(),
            run.source.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0))
        .collect();
    for line in lines {
        let text: String =
            line.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}  ")).collect();
        println!("{}", text.trim_end());
    }
    Ok(0)
}

fn filter_of(args: &HistoryFilterArgs) -> Filter {
    Filter {
        workload: args.workload.clone(),
        implementation: args.implementation.clone(),
        host: args.host.clone(),
    }
}

fn parse_window(text: &str) -> Result<usize, OptionsError> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(OptionsError::Invalid {
            what: "--window",
            value: text.to_owned(),
            why: "expected a number of runs, at least 1".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn window_is_a_positive_count() {
        assert_eq!(super::parse_window("3").unwrap(), 3);
        for bad in ["0", "-1", "x", ""] {
            assert!(super::parse_window(bad).unwrap_err().to_string().contains("--window"));
        }
    }
}
