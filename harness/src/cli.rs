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
    /// Keep runs in an SQLite history (commit, host, point) and draw or check their trends:
    /// `history add DIR...`, `history list`, `history report`, `history check`.
    History(HistoryArgs),
    /// Write a results folder's meta.json and summary.csv rows as one JSON document.
    Export {
        /// The results folder.
        dir: std::path::PathBuf,
        /// Where the document goes (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Measure a base and a head binary side by side, pair by pair, until each point is decided
    /// or the budget is spent, and compare them: exit 1 on a regression (the regression gate;
    /// `scripts/ci-gate.sh` builds both sides and calls this).
    Gate(Box<GateArgs>),
    /// Internal: one side of a paired run (reads requests on stdin, answers rows on stdout).
    #[command(name = "__serve", hide = true)]
    Serve,
    /// Print each hand-rolled primitive's home: workload, implementation, rivals (comma
    /// separated), the axis it is meant to win on, the workload settings (space separated) and
    /// why, one tab-separated line each (what `scripts/scoreboard.sh` runs).
    Homes,
    /// Score each hand-rolled primitive against its home rivals in results folders that ran them:
    /// the median ratio of paired adjacent repeats, with a distribution-free interval.
    Scoreboard {
        /// Results folders (each holding summary.csv).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<std::path::PathBuf>,
    },
    /// Internal: copy stdin to stdout until end of input (the spawn workload's process).
    #[command(name = "__child", hide = true)]
    Child,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history database, one SQLite file (default `results/history.sqlite`).
    #[arg(long, value_name = "FILE", global = true)]
    pub db: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Import results folders (rows, environment, commit, host, run id). Idempotent: rows
    /// already stored are left as they are. Each folder is one transaction.
    Add {
        /// Results folders (each holding summary.csv; meta.json is stored when present).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<std::path::PathBuf>,
        /// File the runs under this host name instead of the one they name (a CI runner kind
        /// such as `linux-arm64`: runners' hostnames change from job to job).
        #[arg(long, value_name = "NAME")]
        host: Option<String>,
        /// Test-only: kill the process (abort) after writing N rows inside the transaction, to
        /// show that a killed import leaves the database as it was.
        #[arg(long, value_name = "N", hide = true)]
        abort_after_rows: Option<usize>,
    },
    /// List the stored runs, oldest first.
    List,
    /// Draw, per point, throughput and p99 against commit (or date), one series per host, into
    /// a self-contained page.
    Report {
        #[command(flatten)]
        filter: HistoryFilterArgs,
        /// Put the run's start date on the x axis instead of the commit.
        #[arg(long)]
        by_date: bool,
        /// Output folder (default `results/history-<timestamp>`); must not exist or be empty.
        #[arg(long, value_name = "DIR")]
        out: Option<std::path::PathBuf>,
    },
    /// Compare the newest run of each point and host with the runs just before it: exit 1 on a
    /// significant throughput regression beyond the threshold.
    Check {
        #[command(flatten)]
        filter: HistoryFilterArgs,
        /// How many runs before the newest form its baseline (default 5).
        #[arg(long, value_name = "N")]
        window: Option<String>,
        /// Smallest change of a median that counts, in percent (default 5).
        #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
        threshold: Option<String>,
        /// Significance level of the Mann-Whitney U test (default 0.05).
        #[arg(long, value_name = "A", allow_negative_numbers = true)]
        alpha: Option<String>,
        /// Let p99 latency regressions fail the check too.
        #[arg(long)]
        latency: bool,
    },
}

/// Which points a history command looks at.
#[derive(Debug, Args)]
pub struct HistoryFilterArgs {
    /// Only this workload.
    #[arg(long, value_name = "W")]
    pub workload: Option<String>,
    /// Only this implementation.
    #[arg(long = "impl", value_name = "I")]
    pub implementation: Option<String>,
    /// Only this host.
    #[arg(long, value_name = "H")]
    pub host: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Workloads to run (default: all).
    pub workloads: Vec<String>,
    /// Comma-separated implementations to run (default: all of each workload).
    #[arg(long, value_name = "A,B")]
    pub impls: Option<String>,
    /// Comma-separated thread counts (default: powers of two up to 4x the logical CPUs; with
    /// --cores, 1x, 2x and 4x each core count).
    #[arg(long, value_name = "1,2,4")]
    pub threads: Option<String>,
    /// Comma-separated core counts: each point runs with the process restricted to that many of
    /// the CPUs it may use (Linux; elsewhere a note, and the run is unrestricted).
    #[arg(long, value_name = "1,2")]
    pub cores: Option<String>,
    /// Pin each worker thread to one CPU: `none` (default), `compact` (SMT siblings of a core
    /// first) or `spread` (one CPU per core first).
    #[arg(long, value_name = "HOW")]
    pub pin: Option<String>,
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
    /// How latencies are measured: `sampled` (default: single operations timed alone at random,
    /// stalls in between bounded) or `batch-mean` (each batch's time / its size; no single-op
    /// figure, for measuring what sampling costs).
    #[arg(long, value_name = "METHOD")]
    pub latency: Option<String>,
    /// Test-only: slow IMPL down by PCT percent (each call of its workers is followed by
    /// busy-waiting for PCT% of its own time), to check that the regression gate catches it.
    #[arg(long, value_name = "IMPL=PCT", hide = true)]
    pub slowdown: Option<String>,
    /// Report a stall when no thread completes an operation for this long (default 400ms): a
    /// deadlock or livelock, a finding unless the implementation is a demonstration.
    #[arg(long, value_name = "D")]
    pub watchdog: Option<String>,
    /// The table printed at the end: `compact` (default, 80 columns), `full` (every column) or
    /// `verdicts` (none); each workload's is followed by lines ranking its implementations.
    #[arg(long, value_name = "SHAPE")]
    pub table: Option<String>,
}

#[derive(Debug, Args)]
pub struct StressArgs {
    /// Workloads to stress (default: all).
    pub workloads: Vec<String>,
    /// Comma-separated implementations to stress (default: all of each workload); the time goes
    /// to them alone, so one named implementation gets the whole duration of its workload.
    #[arg(long, value_name = "A,B")]
    pub impls: Option<String>,
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
    /// Leave out the repeats the environment guard flagged as measured on a disturbed machine
    /// (the `disturbed` column); the output says how many.
    #[arg(long)]
    pub skip_disturbed: bool,
    /// How many times paired samples were looked at as they came in (`syncbench gate` prints
    /// it): each look is tested at alpha / K (default 1).
    #[arg(long, value_name = "K")]
    pub looks: Option<String>,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// The base revision's `syncbench` binary.
    #[arg(long, value_name = "BIN")]
    pub base: std::path::PathBuf,
    /// The head's `syncbench` binary (default: this one).
    #[arg(long, value_name = "BIN")]
    pub head: Option<std::path::PathBuf>,
    /// Folder for both sides' rows (base/summary.csv, head/summary.csv), their logs and the
    /// comparison (comparison.txt, comparison.md).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// Smallest slowdown that fails, in percent (default 3): a point fails when the whole
    /// interval of its paired change lies beyond it.
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    pub threshold: Option<String>,
    /// False-alarm rate of each point, shared by its looks (default 0.05).
    #[arg(long, value_name = "A", allow_negative_numbers = true)]
    pub alpha: Option<String>,
    /// Measuring time of the whole gate, shared by the points (default 7m); a point that decides
    /// early leaves its time to the rest.
    #[arg(long, value_name = "D")]
    pub budget: Option<String>,
    /// Let p99 latency regressions fail the gate too.
    #[arg(long)]
    pub latency: bool,
    /// A `syncbench run` argument for the base side only (repeatable), e.g.
    /// `--base-arg=--latency=batch-mean` to measure what a setting costs, pair by pair.
    #[arg(long = "base-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub base_args: Vec<String>,
    /// A `syncbench run` argument for the head side only (repeatable).
    #[arg(long = "head-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub head_args: Vec<String>,
    /// Take exactly N pairs of every point and look once (a measurement of the true change,
    /// as `scripts/validate-gate.sh` makes; the budget does not apply).
    #[arg(long, value_name = "N")]
    pub pairs: Option<String>,
    /// The `syncbench run` arguments that choose the points and their timing, after `--`
    /// (e.g. `-- counter rwcache --threads 1,2 --duration 100ms --warmup 25ms`).
    #[arg(last = true, value_name = "RUN ARGS")]
    pub run: Vec<String>,
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
