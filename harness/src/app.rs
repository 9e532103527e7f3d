//! From command-line arguments to an exit code.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use workloads::Registry;

use crate::cli::{Cli, Command};
use crate::options::{RunOptions, StressOptions};

/// Exit code of a run that found something: an unexpected invariant violation, or a regression
/// found by `compare`.
pub const EXIT_FINDING: u8 = 1;
/// Exit code of bad input or usage, and of any error that stopped the run.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Runs the binary on the project's own workloads, the spawn workload re-executing this binary
/// as its child process.
pub fn main() -> ExitCode {
    run_with_registry(&crate::child::standard_registry(), std::env::args_os())
}

/// Runs the command line `args` over the workloads of `registry`: the entry point for a user
/// who adds implementations of their own. Errors are printed as one line.
pub fn run_with_registry(
    registry: &Registry,
    args: impl IntoIterator<Item = OsString>,
) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = Cli::parse_from(&args);
    match execute(registry, cli, &args) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("syncbench: error: {error:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn execute(registry: &Registry, cli: Cli, args: &[OsString]) -> Result<u8> {
    match cli.command {
        Command::Serve => {
            crate::gate::serve::serve(registry)?;
            Ok(0)
        }
        Command::Gate(gate_args) => crate::gate::run(&gate_args, registry),
        Command::Child => {
            crate::child::echo()?;
            Ok(0)
        }
        Command::List { names: true } => {
            registry.names().iter().for_each(|name| println!("{name}"));
            Ok(0)
        }
        Command::List { names: false } => {
            print!("{}", crate::list::render(registry));
            Ok(0)
        }
        Command::Report { dirs, out: None } if dirs.len() == 1 => {
            let folder = reports::ResultsFolder::new(&dirs[0]);
            folder.render()?;
            println!("wrote {}", folder.report_html().display());
            Ok(0)
        }
        Command::Report { dirs, out } => {
            let out = out.unwrap_or_else(|| default_out_named("merged-"));
            reports::merge::merge_folders(&dirs, &out)?;
            println!("wrote {}", out.join("report.html").display());
            Ok(0)
        }
        Command::Compare(compare_args) => {
            let comparison = crate::compare::run(&compare_args)?;
            match comparison.gate_failure() {
                Some(failure) => {
                    eprintln!("syncbench: {failure}");
                    Ok(EXIT_FINDING)
                }
                None => Ok(0),
            }
        }
        Command::History(history_args) => crate::history::run(&history_args, default_out_named),
        Command::Homes => {
            for home in workloads::homes::HOMES {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    home.workload,
                    home.implementation,
                    home.rivals.join(","),
                    home.axis.label(),
                    home.set.join(" "),
                    home.claim
                );
            }
            Ok(0)
        }
        Command::Scoreboard { dirs } => {
            let mut rows = Vec::new();
            for dir in &dirs {
                let folder = reports::ResultsFolder::new(dir);
                rows.extend(reports::csv_files::read_rows::<reports::SummaryRow>(
                    &folder.summary_csv(),
                )?);
            }
            let mut scored = Vec::new();
            for home in workloads::homes::HOMES {
                for rival in home.rivals {
                    let pairing = reports::scoreboard::Pairing {
                        workload: home.workload.to_owned(),
                        implementation: home.implementation.to_owned(),
                        rival: (*rival).to_owned(),
                        axis: home.axis.label().to_owned(),
                        claim: home.claim.to_owned(),
                    };
                    let scores = reports::scoreboard::score(&rows, &pairing);
                    // Only the pairs these folders ran: a partial scoreboard is still useful.
                    if !scores.is_empty() {
                        scored.push((pairing, scores));
                    }
                }
            }
            print!("{}", reports::scoreboard::render(&scored));
            Ok(0)
        }
        Command::Export { dir, out } => {
            let document = reports::export::RunDocument::read(&dir)?;
            let json = document.to_json()?;
            match out {
                Some(path) => {
                    reports::write_atomically(&path, json.as_bytes())?;
                    eprintln!("wrote {}", path.display());
                }
                None => print!("{json}"),
            }
            Ok(0)
        }
        Command::Stress(stress_args) => {
            let env = crate::environment::detect();
            let options = StressOptions::from_cli(&stress_args, registry, clock_seed())?;
            #[cfg(feature = "chaos")]
            if options.chaos {
                primitives::chaos::enable(options.seed);
            }
            let outcome = crate::stress::run(&options, env.logical_cpus);
            #[cfg(feature = "chaos")]
            if options.chaos {
                primitives::chaos::disable();
            }
            println!("stress: {} operations checked in {} trials", outcome.ops, outcome.trials);
            if outcome.failures.is_empty() {
                println!("stress: every correct implementation held; every demonstration showed its hazard");
                return Ok(0);
            }
            for failure in &outcome.failures {
                eprintln!("syncbench: {failure}");
            }
            Ok(EXIT_FINDING)
        }
        Command::Run(run_args) => {
            let env = crate::environment::detect();
            let options =
                RunOptions::from_cli(&run_args, registry, env.logical_cpus, default_out())?;
            if let Some(note) = &options.placement_note {
                eprintln!("syncbench: {note}");
            }
            let command = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
            let outcome = crate::sweep::run(&options, &env, command)?;
            // The verdicts come last, so the run ends with who wins where.
            println!("results: {}", options.out.display());
            if let Some(line) = reports::disturbance::summary_line(&outcome.rows) {
                print!("{}", crate::table::wrap(&format!("environment guard: {line}"), 80));
            }
            print!("{}", crate::table::render_run(&outcome.rows, options.table, env.logical_cpus));
            if outcome.violations > 0 {
                eprintln!(
                    "syncbench: {} run(s) broke their workload's invariant (see the invariant column)",
                    outcome.violations
                );
                return Ok(EXIT_FINDING);
            }
            Ok(0)
        }
    }
}

/// A seed from the clock, for a stress run not given one (it prints it, so it can be repeated).
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

/// `results/<UTC timestamp>`, e.g. `results/2026-11-23T01-54-00Z`.
fn default_out() -> PathBuf {
    default_out_named("")
}

/// `results/<prefix><UTC timestamp>`.
fn default_out_named(prefix: &str) -> PathBuf {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    PathBuf::from("results").join(format!("{prefix}{}", stamp.replace(':', "-")))
}
