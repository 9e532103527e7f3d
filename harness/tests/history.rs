//! `syncbench history` and `syncbench export` on the real binary: three commits on two simulated
//! hosts, idempotent adds, the trend page, the window check (with a twin history that has no
//! slowdown), a killed import, bad input, and the CI matrix's merge step.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn syncbench() -> Command {
    Command::cargo_bin("syncbench").unwrap()
}

/// One short real run of two counter implementations at 1 thread, five repeats.
fn small_run(out: &Path) {
    syncbench()
        .args(["run", "counter", "--impls", "atomic-counter,std-mutex", "--threads", "1"])
        .args(["--repeats", "5", "--duration", "10ms", "--warmup", "2ms", "--out"])
        .arg(out)
        .assert()
        .success();
}

/// A copy of `base` as if `host` had run it at `commit` on day `day`: host, commit, run id and
/// timestamps rewritten in summary.csv (whatever its columns) and meta.json. The throughputs are
/// set to a fixed pattern (1 % apart by repeat) so that the check's outcome does not hang on this
/// machine's noise, and `slow`'s are multiplied by `factor`.
fn variant(base: &Path, to: &Path, host: &str, commit: &str, day: u32, slow: &str, factor: f64) {
    std::fs::create_dir_all(to).unwrap();
    let run_id = format!("{host}-{commit}");
    let mut reader = csv::Reader::from_path(base.join("summary.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut writer = csv::Writer::from_path(to.join("summary.csv")).unwrap();
    writer.write_record(&headers).unwrap();
    for record in reader.records() {
        let mut fields: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
        let repeat: f64 = fields[column("repeat")].parse().unwrap();
        let mut throughput = 1e6 * (1.0 + 0.01 * repeat);
        if fields[column("impl")] == slow {
            throughput *= factor;
        }
        fields[column("host")] = host.to_owned();
        fields[column("git_commit")] = commit.to_owned();
        fields[column("run_id")] = run_id.clone();
        fields[column("timestamp")] = format!("2025-01-{day:02}T00:00:{:02}Z", repeat as u32);
        fields[column("throughput_ops_s")] = throughput.to_string();
        writer.write_record(&fields).unwrap();
    }
    writer.flush().unwrap();
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("meta.json")).unwrap()).unwrap();
    meta["host"] = host.into();
    meta["git_commit"] = commit.into();
    meta["run_id"] = run_id.into();
    meta["started"] = format!("2025-01-{day:02}T00:00:00Z").into();
    std::fs::write(to.join("meta.json"), serde_json::to_string_pretty(&meta).unwrap()).unwrap();
    let histograms = std::fs::read_to_string(base.join("histograms.csv")).unwrap();
    let old = histograms.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    std::fs::write(
        to.join("histograms.csv"),
        histograms.replace(&format!("\n{old},"), &format!("\n{host},")),
    )
    .unwrap();
}

/// Six folders: commits c1, c2, c3 on hostA and hostB; `std-mutex` is `factor` as fast in the
/// newest run of hostA.
fn six_folders(root: &Path, base: &Path, factor: f64) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    for (day, commit) in [(1, "c1"), (2, "c2"), (3, "c3")] {
        for host in ["hostA", "hostB"] {
            let dir = root.join(format!("{host}-{commit}"));
            let slowed = if (commit, host) == ("c3", "hostA") { factor } else { 1.0 };
            variant(base, &dir, host, commit, day, "std-mutex", slowed);
            folders.push(dir);
        }
    }
    folders
}

fn history(db: &Path) -> Command {
    let mut command = syncbench();
    command.arg("history").arg("--db").arg(db);
    command
}

fn stdout_of(command: &mut Command) -> String {
    String::from_utf8(command.assert().get_output().stdout.clone()).unwrap()
}

#[test]
fn three_commits_on_two_hosts_trend_and_check() {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("base");
    small_run(&base);
    let folders = six_folders(&root.path().join("slowed"), &base, 0.8);
    let db = root.path().join("history.sqlite");

    history(&db).arg("add").args(&folders).assert().success();
    let listed = stdout_of(history(&db).arg("list"));
    assert!(listed.contains("6 run(s), 60 row(s), 2 host(s), 3 commit(s)"), "{listed}");

    // Adding everything again changes nothing: same counts, every folder "nothing added".
    let again = stdout_of(history(&db).arg("add").args(&folders));
    assert_eq!(again.matches("already in the history, nothing added").count(), 6, "{again}");
    let relisted = stdout_of(history(&db).arg("list"));
    assert_eq!(relisted, listed);

    let out = root.path().join("trend");
    history(&db).args(["report", "--out"]).arg(&out).assert().success();
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    for implementation in ["atomic-counter", "std-mutex"] {
        let figure = page
            .split("<figure class=\"trend\"")
            .find(|f| f.contains(&format!("data-point=\"counter/{implementation}/")))
            .unwrap_or_else(|| panic!("no trend of {implementation}"));
        assert!(figure.contains("data-hosts=\"hostA hostB\""), "{implementation}");
        let svg = &figure[figure.find("<svg").unwrap()..figure.find("</svg>").unwrap()];
        for host in ["hostA", "hostB"] {
            assert!(svg.lines().any(|l| l.trim() == host), "{implementation}: no {host} series");
        }
        for commit in ["c1", "c2", "c3"] {
            assert!(svg.lines().any(|l| l.trim() == commit), "{implementation}: no {commit} tick");
        }
    }
    assert_eq!(page.matches("<figure class=\"trend\"").count(), 2);

    // Only hostA's std-mutex is slower; the unchanged atomic-counter and hostB pass.
    let checked = history(&db).arg("check").assert().code(1);
    let output = checked.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("1 significant regression(s)"), "{stderr}");
    assert!(stderr.contains("counter/std-mutex/1 threads on hostA throughput"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let throughput_table = stdout.split("p99 latency").next().unwrap();
    let verdicts: Vec<&str> = throughput_table
        .lines()
        .filter(|l| l.starts_with("counter/"))
        .map(|l| l.rsplit("  ").next().unwrap())
        .collect();
    assert_eq!(verdicts.len(), 4, "{stdout}");
    assert_eq!(verdicts.iter().filter(|v| **v == "slower").count(), 1, "{stdout}");
    assert_eq!(verdicts.iter().filter(|v| **v == "~").count(), 3, "{stdout}");

    // The same point on hostB alone passes.
    history(&db).args(["check", "--host", "hostB"]).assert().success();

    // --host files a folder under a stable name (a CI runner kind) whatever host it names.
    let other = root.path().join("other.sqlite");
    history(&other).args(["add", "--host", "linux-arm64"]).args(&folders[..2]).assert().success();
    let listed = stdout_of(history(&other).arg("list"));
    assert!(listed.contains("2 run(s), 20 row(s), 1 host(s)") && listed.contains("linux-arm64"));

    // The CI matrix's last job: merge the hosts' newest folders into one report.
    let merged = root.path().join("merged");
    syncbench()
        .arg("report")
        .arg(&folders[4])
        .arg(&folders[5])
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    let page = std::fs::read_to_string(merged.join("report.html")).unwrap();
    assert!(page.contains("std-mutex @ hostA") && page.contains("std-mutex @ hostB"));
}

#[test]
fn the_twin_history_without_the_slowdown_passes() {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("base");
    small_run(&base);
    let folders = six_folders(&root.path().join("same"), &base, 1.0);
    let db = root.path().join("history.sqlite");
    history(&db).arg("add").args(&folders).assert().success();
    history(&db)
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("4 series checked, 0 regression(s)"));
}

#[test]
fn a_killed_import_leaves_the_history_as_it_was() {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("base");
    small_run(&base);
    let folders = six_folders(&root.path().join("f"), &base, 1.0);
    let db = root.path().join("history.sqlite");
    history(&db).arg("add").arg(&folders[0]).assert().success();
    let before = stdout_of(history(&db).arg("list"));

    let killed = history(&db)
        .arg("add")
        .arg(&folders[1])
        .args(["--abort-after-rows", "4"])
        .assert()
        .failure();
    assert_eq!(killed.get_output().status.code(), None, "the import was not killed");
    assert_eq!(stdout_of(history(&db).arg("list")), before);
    // And the next import goes through whole.
    history(&db).arg("add").arg(&folders[1]).assert().success();
    assert!(stdout_of(history(&db).arg("list")).contains("2 run(s), 20 row(s)"));
}

#[test]
fn export_round_trips_to_the_same_rows() {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("base");
    small_run(&base);
    let file = root.path().join("run.json");
    syncbench().arg("export").arg(&base).arg("--out").arg(&file).assert().success();
    let text = std::fs::read_to_string(&file).unwrap();
    let document = reports::export::RunDocument::from_json(&text).unwrap();
    let rows: Vec<reports::SummaryRow> =
        reports::csv_files::read_rows(&base.join("summary.csv")).unwrap();
    assert_eq!(document.rows, rows);
    assert_eq!(document.meta, reports::RunMeta::read(&base.join("meta.json")).unwrap());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["format"], "syncbench-run");
    assert_eq!(value["rows"].as_array().unwrap().len(), 10);
    assert!(value["rows"][0]["throughput_ops_s"].is_number());
    // Standard output by default: the same document.
    assert_eq!(stdout_of(syncbench().arg("export").arg(&base)), text);
    syncbench()
        .arg("export")
        .arg(root.path().join("none"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no results folder"));
}

/// Runs `history ARGS` and expects exit 2 with one line on stderr containing `message`.
fn refused(db: &Path, args: &[&std::ffi::OsStr], message: &str) {
    let assert = history(db).args(args).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains(message), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("base");
    small_run(&base);
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    let add = |dir: &Path| vec![os("add"), dir.as_os_str().to_owned().leak()];

    // A folder without summary.csv, a missing folder: no database is created.
    let db = root.path().join("new.sqlite");
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(&db, &add(&empty), "has no summary.csv");
    refused(&db, &[os("add"), base.as_os_str(), os("/nonexistent/folder")], "no results folder");
    assert!(!db.exists(), "a database was created");
    for command in ["list", "check"] {
        refused(&db, &[os(command)], "no history at");
    }
    refused(&db, &[os("report"), os("--out"), root.path().join("t").as_os_str()], "no history at");
    assert!(!db.exists() && !root.path().join("t").exists());

    // A corrupt file, another program's database, a newer schema: each refused untouched.
    let corrupt = root.path().join("corrupt.sqlite");
    std::fs::write(&corrupt, "not a database at all\n".repeat(100)).unwrap();
    let foreign = root.path().join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');")
        .unwrap();
    let newer = root.path().join("newer.sqlite");
    history(&newer).arg("add").arg(&base).assert().success();
    rusqlite::Connection::open(&newer).unwrap().execute_batch("PRAGMA user_version = 7;").unwrap();
    for (db, message) in [
        (&corrupt, "is not a syncbench history"),
        (&foreign, "database of another program"),
        (&newer, "schema version 7, newer than this syncbench reads"),
    ] {
        let before = std::fs::read(db).unwrap();
        refused(db, &add(&base), message);
        refused(db, &[os("list")], message);
        refused(db, &[os("check")], message);
        assert_eq!(std::fs::read(db).unwrap(), before, "{} was written", db.display());
    }

    // Bad settings and a filter that matches nothing.
    let good = root.path().join("good.sqlite");
    history(&good).arg("add").arg(&base).assert().success();
    refused(&good, &[os("check"), os("--window"), os("0")], "invalid --window '0'");
    refused(&good, &[os("check"), os("--threshold"), os("200")], "invalid --threshold");
    refused(&good, &[os("check"), os("--workload"), os("nope")], "nothing in the history");
}
