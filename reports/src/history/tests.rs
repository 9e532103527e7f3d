use std::path::{Path, PathBuf};

use super::check::{check, CheckSettings};
use super::import::FolderToAdd;
use super::query::Filter;
use super::series::points;
use super::*;
use crate::charts::tests::summary_row;
use crate::compare::PointVerdict;
use crate::SummaryRow;

/// A run of one host at one commit: two implementations at 1 and 2 threads, five repeats, the
/// throughput of `slow` scaled by `factor`.
fn run(host: &str, commit: &str, day: u32, slow: &str, factor: f64) -> FolderToAdd {
    let mut rows = Vec::new();
    for implementation in ["spin-lock", "parking-lot"] {
        for threads in [1, 2] {
            for repeat in 1..=5 {
                let mut row: SummaryRow =
                    summary_row("counter", implementation, "hand-rolled", threads, repeat);
                row.run_id = format!("run-{commit}");
                row.host = host.to_owned();
                row.git_commit = commit.to_owned();
                row.timestamp = format!("2025-01-{day:02}T00:00:0{repeat}Z");
                // Repeats 1 % apart: tight enough that the window test can call a point unchanged.
                row.throughput_ops_s = 40e6 / threads as f64 * (1.0 + 0.01 * repeat as f64);
                if implementation == slow {
                    row.throughput_ops_s *= factor;
                }
                rows.push(row);
            }
        }
    }
    FolderToAdd { source: PathBuf::from(format!("{host}-{commit}")), rows, meta: None }
}

fn db(dir: &Path) -> PathBuf {
    dir.join("h.sqlite")
}

#[test]
fn a_new_history_is_marked_and_versioned() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_or_create(&db(dir.path())).unwrap();
    assert_eq!(history.schema_version().unwrap(), schema::current_version());
    let id: i32 = history.connection.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
    assert_eq!(id, schema::APPLICATION_ID);
    drop(history);
    History::open_existing(&db(dir.path())).unwrap();
}

#[test]
fn adding_a_folder_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open_or_create(&db(dir.path())).unwrap();
    let folder = run("hostA", "c1", 1, "", 1.0);
    let first = history.add(&folder, |_| {}).unwrap();
    assert_eq!((first.runs, first.rows, first.known_rows), (1, 20, 0));
    let again = history.add(&folder, |_| {}).unwrap();
    assert_eq!((again.runs, again.rows, again.known_rows), (0, 0, 20));
    assert_eq!(history.row_count().unwrap(), 20);
    assert_eq!(history.runs().unwrap().len(), 1);
}

#[test]
fn an_interrupted_import_leaves_the_history_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open_or_create(&db(dir.path())).unwrap();
    history.add(&run("hostA", "c1", 1, "", 1.0), |_| {}).unwrap();
    let second = run("hostA", "c2", 2, "", 1.0);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        history.add(&second, |written| assert!(written < 7, "interrupted"))
    }));
    assert!(outcome.is_err());
    assert_eq!(history.row_count().unwrap(), 20);
    assert_eq!(history.runs().unwrap().len(), 1);
}

#[test]
fn newer_foreign_and_corrupt_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.sqlite");
    History::open_or_create(&newer).unwrap();
    {
        let c = rusqlite::Connection::open(&newer).unwrap();
        c.execute_batch("PRAGMA user_version = 99;").unwrap();
    }
    let foreign = dir.path().join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER);")
        .unwrap();
    let corrupt = dir.path().join("corrupt.sqlite");
    std::fs::write(&corrupt, b"this is not a database, it is a text file. ".repeat(200)).unwrap();

    for (path, expected) in [
        (&newer, "newer than this syncbench reads"),
        (&foreign, "database of another program (its tables: invoices)"),
        (&corrupt, "is not a syncbench history"),
    ] {
        let before = std::fs::read(path).unwrap();
        let error = History::open_or_create(path).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
        assert!(!error.contains('\n'), "{error}");
        assert_eq!(std::fs::read(path).unwrap(), before, "{} was written", path.display());
    }
    let missing = History::open_existing(&dir.path().join("none.sqlite")).unwrap_err();
    assert!(missing.to_string().contains("no history at"), "{missing}");
    assert!(!dir.path().join("none.sqlite").exists());
}

#[test]
fn a_folder_without_summary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = FolderToAdd::read(dir.path()).unwrap_err().to_string();
    assert!(error.contains("has no summary.csv"), "{error}");
    let error = FolderToAdd::read(&dir.path().join("nope")).unwrap_err().to_string();
    assert!(error.contains("no results folder"), "{error}");
}

/// Three commits on two hosts; in the newest run of hostA, `spin-lock` is `factor` as fast.
fn three_commits(factor: f64) -> (tempfile::TempDir, History) {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open_or_create(&db(dir.path())).unwrap();
    for (day, commit) in [(1, "c1"), (2, "c2"), (3, "c3")] {
        for host in ["hostA", "hostB"] {
            let slowed = if commit == "c3" && host == "hostA" { factor } else { 1.0 };
            history.add(&run(host, commit, day, "spin-lock", slowed), |_| {}).unwrap();
        }
    }
    (dir, history)
}

#[test]
fn the_check_flags_a_slowed_point_and_passes_the_rest() {
    let (_dir, history) = three_commits(0.8);
    let runs = history.runs().unwrap();
    let results = history.results(&Filter::default()).unwrap();
    let points = points(&runs, &results);
    assert_eq!(points.len(), 4);
    assert!(points.iter().all(|p| p.hosts.len() == 2 && p.hosts.iter().all(|h| h.runs.len() == 3)));
    let outcome = check(&points, &CheckSettings::default());
    assert_eq!(outcome.checks.len(), 8);
    let slower: Vec<String> = outcome
        .regressions()
        .iter()
        .map(|(c, _)| format!("{}/{}/{}", c.key.implementation, c.key.threads, c.host))
        .collect();
    assert_eq!(slower, ["spin-lock/1/hostA", "spin-lock/2/hostA"]);
    for c in &outcome.checks {
        if c.key.implementation != "spin-lock" || c.host != "hostA" {
            assert_eq!(c.throughput.verdict, PointVerdict::Unchanged, "{c:?}");
        }
        assert_eq!(c.window_runs, 2);
    }
    let failure = outcome.failure().unwrap();
    assert!(failure.contains("counter/spin-lock/1 threads on hostA throughput"), "{failure}");
    assert!(outcome.render().contains("slower"));
}

#[test]
fn the_check_passes_the_same_history_without_the_slowdown() {
    let (_dir, history) = three_commits(1.0);
    let runs = history.runs().unwrap();
    let results = history.results(&Filter::default()).unwrap();
    let outcome = check(&points(&runs, &results), &CheckSettings::default());
    assert_eq!(outcome.checks.len(), 8);
    assert!(outcome.failure().is_none(), "{}", outcome.render());
}

#[test]
fn the_window_holds_only_the_runs_just_before_the_newest() {
    let (_dir, history) = three_commits(0.8);
    let runs = history.runs().unwrap();
    let results =
        history.results(&Filter { host: Some("hostA".into()), ..Filter::default() }).unwrap();
    let settings = CheckSettings { window: 1, ..CheckSettings::default() };
    let outcome = check(&points(&runs, &results), &settings);
    assert!(outcome.checks.iter().all(|c| c.window_runs == 1 && c.host == "hostA"));
    assert_eq!(outcome.checks[0].throughput.baseline.n, 5);
}

#[test]
fn the_trend_page_has_every_point_with_a_series_per_host() {
    let (dir, history) = three_commits(0.8);
    let out = dir.path().join("trend");
    let drawn = trend_page::write_trend_page(&history, &Default::default(), &out).unwrap();
    assert_eq!(drawn, 4);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(page.matches("<figure class=\"trend\"").count(), 4);
    assert_eq!(page.matches("data-hosts=\"hostA hostB\"").count(), 4);
    assert_eq!(page.matches("<svg").count(), 4, "every chart inline");
    assert!(
        !page.contains("http://")
            || page.matches("http://").count() == page.matches("xmlns").count()
    );
    for figure in page.split("<figure class=\"trend\"").skip(1) {
        let svg = &figure[figure.find("<svg").unwrap()..figure.find("</svg>").unwrap()];
        for host in ["hostA", "hostB"] {
            assert!(svg.lines().any(|l| l.trim() == host), "a legend lacks {host}");
        }
    }
    assert_eq!(std::fs::read_dir(out.join("charts")).unwrap().count(), 4);
    let again = trend_page::write_trend_page(&history, &Default::default(), &out).unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
    let none = trend_page::TrendOptions {
        filter: Filter { workload: Some("nope".into()), ..Filter::default() },
        by_date: true,
    };
    let error = trend_page::write_trend_page(&history, &none, &dir.path().join("n")).unwrap_err();
    assert!(error.to_string().contains("nothing in the history"), "{error}");
    assert!(!dir.path().join("n").exists());
}

#[test]
fn the_trend_page_can_be_drawn_against_dates() {
    let (dir, history) = three_commits(1.0);
    let options = trend_page::TrendOptions { by_date: true, ..Default::default() };
    let out = dir.path().join("by-date");
    trend_page::write_trend_page(&history, &options, &out).unwrap();
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("2025-01-02"), "a date label is missing");
}

#[test]
fn one_thread_count_at_two_core_counts_is_two_points() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open_or_create(&db(dir.path())).unwrap();
    let mut folder = run("hostA", "c1", 1, "", 1.0);
    let restricted: Vec<SummaryRow> = folder
        .rows
        .iter()
        .flat_map(|r| [1, 2].map(|cores| SummaryRow { cores, ..r.clone() }))
        .collect();
    folder.rows = restricted;
    let added = history.add(&folder, |_| {}).unwrap();
    assert_eq!((added.rows, added.known_rows), (40, 0), "no row lost to the other core count");
    let runs = history.runs().unwrap();
    let results = history.results(&Filter::default()).unwrap();
    let keys: std::collections::BTreeSet<(usize, usize)> =
        points(&runs, &results).iter().map(|p| (p.key.cores, p.key.threads)).collect();
    assert_eq!(keys, [(1, 1), (1, 2), (2, 1), (2, 2)].into_iter().collect());
}

#[test]
fn a_version_1_history_keeps_its_rows_and_their_core_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection.execute_batch(schema::MIGRATIONS[0]).unwrap();
        connection
            .execute_batch(&format!(
                "PRAGMA application_id = {}; PRAGMA user_version = 1;
                 INSERT INTO runs (run_id, host, git_commit, started, cpu_model, logical_cpus,
                     rustc, source, imported_at)
                 VALUES ('r', 'h', 'c', 's', 'cpu', 2, 'rustc', 'src', 'now');
                 INSERT INTO results VALUES (1, 'counter', 'spin', 'hand-rolled', '', 2, 1, 't',
                     0.1, 10, 100.0, 1.0, 2.0, 3.0, 'per-op', 'ok', '{{\"cores\":1}}');
                 INSERT INTO results VALUES (1, 'counter', 'spin', 'hand-rolled', '', 4, 1, 't',
                     0.1, 10, 100.0, 1.0, 2.0, 3.0, 'per-op', 'ok', '{{}}');",
                schema::APPLICATION_ID
            ))
            .unwrap();
    }
    let history = History::open_existing(&path).unwrap();
    assert_eq!(history.schema_version().unwrap(), schema::current_version());
    let results = history.results(&Filter::default()).unwrap();
    let cores: Vec<(usize, usize)> = results.iter().map(|r| (r.threads, r.cores)).collect();
    assert_eq!(cores, [(2, 1), (4, 0)]);
}
