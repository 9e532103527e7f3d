//! Runs `syncbench run` in-process over a user's registry, as the library API lets a user do.

// Each test binary uses part of what is here.
#![allow(dead_code)]

use std::process::ExitCode;

use reports::csv_files::read_rows;
use reports::{ResultsFolder, SummaryRow};
use workloads::Registry;

/// `syncbench run <args> --out <temporary folder>` over `registry`: its exit code and rows.
pub fn run_registry(registry: &Registry, args: &[&str]) -> (ExitCode, Vec<SummaryRow>) {
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("results");
    let mut argv: Vec<std::ffi::OsString> = ["syncbench", "run"].iter().map(Into::into).collect();
    argv.extend(args.iter().map(Into::into));
    argv.push("--out".into());
    argv.push(folder.clone().into());
    let code = harness::app::run_with_registry(registry, argv);
    (code, read_rows(&ResultsFolder::new(&folder).summary_csv()).unwrap())
}

pub mod user_queue;
