//! The command line, as clap sees it. Values stay strings here: [`crate::options`] turns them into
//! typed, validated options, so every rejection is one line naming the problem.

use clap::{Args, Parser, Subcommand};

/// Benchmarks and stress-tests concurrency primitives: hand-rolled vs std, parking_lot and crossbeam.
#[derive(Debug, Parser)]
#[command(name = "syncbench", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every workload with its implementations and parameters.
    List {
        /// Only the workload names, one per line (for scripts).
        #[arg(long)]
        names: bool,
    },
    /// Run workloads over a sweep of thread counts and write a results folder.
    Run(Box<RunArgs>),
    /// Long invariant-checking runs of every implementation (demonstrations too) at random thread
    /// counts and parameters, under a deadlock/livelock watchdog: exit 0 when every correct
    /// implementation held and every demonstration showed its hazard, 1 otherwise.
    Stress(StressArgs),
    /// Redraw the charts, hgrm/ and report.html of a results folder from its CSV files; or, given
    /// several folders (other hosts, commits), draw them together as one report.
    Report {
        /// Results folders (each holding summary.csv, histograms.csv, meta.json).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<std::path::PathBuf>,
        /// Where a merged report goes (default `results/merged-<timestamp>`); with one DIR and no
        /// --out, that folder is redrawn in place.
        #[arg(long, value_name = "DIR")]
        out: Option<std::path::PathBuf>,
    },
    /// Compare two results folders (or summary.csv files) point by point: exit 1 on a significant
    /// throughput regression beyond the threshold.
    Compare(CompareArgs),
    /// Internal: copy stdin to stdout until end of input (the spawn workload's process).
    #[command(name = "__child", hide = true)]
    Child,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Workloads to run (default: all).
    pub workloads: Vec<String>,
    /// Comma-separated implementations to run (default: all of each workload).
    #[arg(long, value_name = "A,B")]
    pub impls: Option<String>,
    /// Comma-separated thread counts (default: powers of two up to 4x the logical CPUs).
    #[arg(long, value_name = "1,2,4")]
    pub threads: Option<String>,
    /// Measured time per run, e.g. 250ms, 1s (default 250ms; 100ms with --quick or no workload).
    #[arg(long, value_name = "D", conflicts_with = "ops")]
    pub duration: Option<String>,
    /// Run a fixed number of operations per thread instead of a fixed time.
    #[arg(long, value_name = "N")]
    pub ops: Option<String>,
    /// Runs of every (workload, implementation, threads) point (default 5; 2 with --quick or no
    /// workload named).
    #[arg(long, value_name = "N")]
    pub repeats: Option<String>,
    /// Unmeasured warm-up before each run (default 50ms; 25ms with --quick or no workload).
    #[arg(long, value_name = "D")]
    pub warmup: Option<String>,
    /// Workload parameter, e.g. --set inside_ns=100 (repeatable; see `syncbench list`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Seed for workloads that draw random numbers (default 42).
    #[arg(long, value_name = "N")]
    pub seed: Option<String>,
    /// Results folder (default `results/<timestamp>`); must not already hold results.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
    /// Fewer repeats and shorter runs, for a first look (the default when no workload is named).
    #[arg(long)]
    pub quick: bool,
    /// Test-only: slow IMPL down by PCT percent (each timed batch is padded with busy-waiting
    /// for PCT% of its own time), to check that the regression gate catches a known slowdown.
    #[arg(long, value_name = "IMPL=PCT", hide = true)]
    pub slowdown: Option<String>,
    /// Report a stall when no thread completes an operation for this long (default 400ms): a
    /// deadlock or livelock, a finding unless the implementation is a demonstration.
    #[arg(long, value_name = "D")]
    pub watchdog: Option<String>,
}

#[derive(Debug, Args)]
pub struct StressArgs {
    /// Workloads to stress (default: all).
    pub workloads: Vec<String>,
    /// Total time, shared evenly by the workloads and then their implementations (default 60s).
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,
    /// Report a stall when no thread completes an operation for this long (default 1s).
    #[arg(long, value_name = "D")]
    pub watchdog: Option<String>,
    /// Seed of the random thread counts and parameters (default: from the clock, printed).
    #[arg(long, value_name = "N")]
    pub seed: Option<String>,
    /// Inject random yields and short sleeps at the hand-rolled primitives' synchronisation
    /// points (needs a build with `--features chaos`).
    #[arg(long)]
    pub chaos: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The results folder (or summary.csv) to compare against.
    pub baseline: std::path::PathBuf,
    /// The results folder (or summary.csv) under test.
    pub current: std::path::PathBuf,
    /// Smallest change of a median that counts, in percent (default 5).
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    pub threshold: Option<String>,
    /// Significance level of the Mann-Whitney U test (default 0.05).
    #[arg(long, value_name = "A", allow_negative_numbers = true)]
    pub alpha: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
    pub format: CompareFormat,
    /// Shorthand for --format markdown.
    #[arg(long, conflicts_with = "format")]
    pub markdown: bool,
    /// Let p99 latency regressions fail the comparison too (by default they are only reported).
    #[arg(long)]
    pub latency: bool,
}

/// How `syncbench compare` prints its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    /// Aligned columns for a terminal.
    Text,
    /// GitHub-flavoured markdown, for a pull-request comment.
    Markdown,
}

/// The clap command, for tests and completions.
pub fn build_command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_is_well_formed() {
        super::build_command().debug_assert();
    }
}
