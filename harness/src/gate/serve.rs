//! `syncbench __serve`: one side of a paired run. It reads requests from stdin, one per line,
//! measures what each asks, and answers on stdout; between requests it blocks on its input, so
//! the idle side of a pair costs the measuring side nothing.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;
use workloads::Registry;

use super::protocol::{Answer, Request, PROTOCOL};
use crate::cli::{Cli, Command};
use crate::options::RunOptions;
use crate::sweep::OneRepeat;

/// Serves requests until end of input.
pub fn serve(registry: &Registry) -> Result<()> {
    let env = crate::environment::detect();
    let one_repeat = OneRepeat::new(&env);
    let mut output = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Request>(&line) {
            Err(error) => Answer::Error { message: format!("unreadable request: {error}") },
            Ok(Request::Hello) => Answer::Ready {
                protocol: PROTOCOL,
                version: env!("CARGO_PKG_VERSION").to_owned(),
                commit: env.git_commit.clone(),
            },
            Ok(Request::Measure { args, point, repeat, pair }) => {
                match run_options(&args, registry, env.logical_cpus) {
                    Err(message) => Answer::Error { message },
                    Ok(options) => match one_repeat.measure(&options, &point, repeat, Some(pair)) {
                        Ok(Some(row)) => Answer::Row(Box::new(row)),
                        Ok(None) => {
                            Answer::Missing { why: format!("this binary has no point {point}") }
                        }
                        Err(error) => Answer::Error { message: format!("{error:#}") },
                    },
                }
            }
        };
        serde_json::to_writer(&mut output, &answer)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(())
}

/// The options of `syncbench run ARGS`, or the one-line reason they are not valid.
pub fn run_options<'r>(
    args: &[String],
    registry: &'r Registry,
    logical_cpus: usize,
) -> Result<RunOptions<'r>, String> {
    let line = ["syncbench", "run"].into_iter().map(str::to_owned).chain(args.iter().cloned());
    let cli = Cli::try_parse_from(line).map_err(|e| {
        let text = e.to_string();
        text.lines()
            .next()
            .unwrap_or("invalid run arguments")
            .trim_start_matches("error: ")
            .to_owned()
    })?;
    let Command::Run(run_args) = cli.command else {
        return Err("not a run".into());
    };
    RunOptions::from_cli(&run_args, registry, logical_cpus, PathBuf::from("unused"))
        .map_err(|e| e.to_string())
}
