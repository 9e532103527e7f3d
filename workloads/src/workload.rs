//! What a workload is, as the runner sees it.
//!
//! A [`Workload`] names its implementations and parameters; for one measured run it prepares a
//! fresh [`Trial`] (new shared state), which hands each thread a [`Worker`]. The runner times
//! `Worker::run` in batches and, after joining the threads, asks the trial to check its invariant
//! against the number of operations the threads reported. A workload never knows which
//! implementation it runs beyond the generic type it was built with.

use crate::claims::Claim;
use crate::metrics::Metrics;
use crate::params::{ParamSpec, Params};

/// Where an implementation comes from, which decides how a violated invariant is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImplKind {
    /// Written in this project, on purpose.
    HandRolled,
    /// From std or a well-kept crate.
    Library,
    /// Deliberately broken: a violated invariant is the expected demonstration, not a finding.
    Demonstration,
    /// Plugged in by a user of the library API.
    User,
}

impl ImplKind {
    /// The kebab-case label used in `summary.csv` and `syncbench list`.
    pub fn label(self) -> &'static str {
        match self {
            ImplKind::HandRolled => "hand-rolled",
            ImplKind::Library => "library",
            ImplKind::Demonstration => "demonstration",
            ImplKind::User => "user",
        }
    }
}

/// One implementation a workload can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplInfo {
    /// Stable kebab-case name, used on the command line and in the CSV.
    pub name: String,
    pub kind: ImplKind,
    /// One line: what it is and how it works.
    pub about: String,
    /// The parameters it takes no notice of (a map without stripes and `stripes`): a sweep of one
    /// of them runs it once, at the sweep's first value, instead of measuring the same thing again.
    pub ignores: Vec<&'static str>,
    /// What it claims beyond its trait's contract; the workloads that can see a claim check it.
    pub claims: Vec<Claim>,
}

impl ImplInfo {
    /// An implementation that reads every parameter.
    pub fn new(name: &str, kind: ImplKind, about: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            about: about.to_owned(),
            ignores: Vec::new(),
            claims: Vec::new(),
        }
    }

    /// The same, taking no notice of `params`.
    pub fn ignoring(mut self, params: &[&'static str]) -> Self {
        self.ignores.extend_from_slice(params);
        self
    }

    /// The same, claiming `claims`.
    pub fn claiming(mut self, claims: &[Claim]) -> Self {
        self.claims.extend_from_slice(claims);
        self
    }

    /// Whether it claims `claim`.
    pub fn claims(&self, claim: Claim) -> bool {
        self.claims.contains(&claim)
    }

    /// Whether it takes no notice of the parameter `param`.
    pub fn ignores(&self, param: &str) -> bool {
        self.ignores.contains(&param)
    }
}

/// What a trial is prepared for.
#[derive(Debug, Clone, Copy)]
pub struct TrialSetup<'a> {
    pub threads: usize,
    /// Seed for anything random; recorded with the run, so a run can be repeated exactly.
    pub seed: u64,
    pub params: &'a Params,
}

/// The result of checking a workload's invariant after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The invariant held; the text says what was checked (e.g. "count 1234 = 1234 increments").
    Held(String),
    /// The invariant broke; the text says how (e.g. "lost 12 of 1234 updates").
    Violated(String),
}

/// A family of runs with one invariant: counter contention, a bounded buffer, a map...
pub trait Workload: Send + Sync {
    /// Stable kebab-case name, used on the command line and in the CSV.
    fn name(&self) -> &str;

    /// One line for `syncbench list`.
    fn about(&self) -> &str;

    /// One line: the invariant checked on every run.
    fn invariant(&self) -> &str;

    /// The parameters `--set key=value` accepts, with defaults and valid ranges: every rule a
    /// parameter has is declared there, so [`Workload::prepare`] reads a [`Params`] that already
    /// passed them all.
    fn params(&self) -> &[ParamSpec];

    /// Every implementation, in the order they are run and listed.
    fn implementations(&self) -> Vec<ImplInfo>;

    /// Fresh shared state for one measured run of `implementation` (a name from
    /// [`Workload::implementations`]). Returns `None` for an unknown name.
    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>>;
}

/// The shared state of one measured run.
pub trait Trial: Send + Sync {
    /// The worker of thread `index` (0-based, below `TrialSetup::threads`). Called on that thread.
    fn worker(&self, index: usize) -> Box<dyn Worker + '_>;

    /// Called once when the measured phase is over (the duration passed, or every main worker
    /// finished its count) and the stop flag is set, before joining the threads: a trial whose
    /// workers can block where the flag cannot reach them wakes them here.
    fn stop(&self) {}

    /// What the workers wait for, asked by the runner's watchdog when none of them has completed
    /// an operation for a while: a wait-for table or cycle ("philosopher 2 waits for fork 3, held
    /// by philosopher 3"), and the hazard in one line. `None` when the workload cannot tell. It is
    /// called while the workers are stuck, so it must only read, never block.
    fn diagnose_stall(&self) -> Option<String> {
        None
    }

    /// A bound on one call of `Worker::run` where it can legitimately take long (a batch of
    /// sleeping tasks, a batch of thread spawns), so that the runner's watchdog waits at least
    /// twice this before it calls a slow operation a stall. `None`: operations are short.
    fn slowest_op(&self) -> Option<std::time::Duration> {
        None
    }

    /// Checks the invariant once every worker has returned. `ops` is the number of operations all
    /// workers reported, warm-up included.
    fn check(&self, ops: u64) -> Check;
}

/// How the runner accounts for a worker's operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Its operations are the workload's unit: they make the throughput, the fairness index and
    /// the op-latency histogram.
    Main,
    /// It serves the main workers (a producer feeding consumers, so that throughput counts each
    /// item once, when delivered). Its operations count only for the invariant; its batch
    /// latencies go to the histogram named here (e.g. `push`). It has no op count of its own: in
    /// fixed-count runs it runs until the main workers are done.
    Side(&'static str),
    /// It only keeps a runner thread occupied (an executor workload's runner threads beyond its one
    /// submitter): the runner records nothing of it, neither ops nor latencies, but still waits for
    /// it, so it must block until the trial's phase moves on rather than return at once.
    Idle,
}

/// One thread's part of a trial.
pub trait Worker {
    /// Performs up to `n` operations and returns how many completed. Returning fewer than `n`
    /// means this worker has no more work (a consumer of a closed queue, a finished task list).
    ///
    /// A worker whose natural step is a batch of several operations (a submitter handing a batch of
    /// tasks to a pool) may complete more than `n`: it finishes whole batches and returns every
    /// operation it completed, so that throughput counts tasks, not batches.
    fn run(&mut self, n: u64) -> u64;

    /// Whether this worker's operations are the workload's unit; see [`Role`].
    fn role(&self) -> Role {
        Role::Main
    }

    /// Called once on this thread when the measured phase is over, before the thread ends: a
    /// worker that must complete a protocol does it here (a producer closing the queue after the
    /// last producer is done, a consumer draining it). Returns the operations it performed, which
    /// count for the invariant but not for throughput.
    fn finish(&mut self) -> u64 {
        0
    }

    /// Hands over the figures recorded since the last call. The runner calls it once after the
    /// warm-up (and discards those) and once after [`Worker::finish`].
    fn take_metrics(&mut self) -> Metrics {
        Metrics::default()
    }
}
