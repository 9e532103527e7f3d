//! `syncbench stress`: long runs of every implementation of every workload — the correct ones and
//! the known-broken demonstrations — at random thread counts (oversubscribed ones included) and
//! random parameters, each invariant checked as the workloads always check it, under the runner's
//! watchdog.
//!
//! The duration is shared evenly by the workloads, then by their implementations (those named by
//! `--impls`, when given); each
//! implementation runs trials of a few hundred milliseconds until its share is spent. A correct
//! implementation must hold in every trial; a demonstration must show its hazard (a violated
//! invariant, a deadlock, a livelock) in some trial, after which it stops. A hazard is a matter of
//! chance in any one trial, so a demonstration that has not shown it when its share is spent goes
//! on for up to [`DEMONSTRATION_SHARES`] shares in all. Nothing is written to
//! disk: the verdicts are printed, each followed by the thread count and parameters of every
//! trial, and the exit code says whether every one was as expected.

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, RngCore, SeedableRng};
use reports::Outcome;
use workloads::{ImplInfo, ImplKind, TrialSetup, Workload};

use crate::deadline::Deadline;
use crate::options::StressOptions;
use crate::random_params::random_params;
use crate::runner::{measure, Settings, Stop, Timing};
use crate::sweep::invariant_of;

/// Trials are at least this long (less only if an implementation's share is shorter)...
const MIN_TRIAL: Duration = Duration::from_millis(100);
/// ...and at most this long, so that each implementation sees several thread counts.
const MAX_TRIAL: Duration = Duration::from_secs(2);
const WARMUP: Duration = Duration::from_millis(10);
/// A demonstration that has not shown its hazard may run for this many shares in all.
const DEMONSTRATION_SHARES: u32 = 4;

/// What a stress run found.
#[derive(Debug, Default)]
pub struct StressOutcome {
    /// Operations completed in all trials, the invariant checked over them.
    pub ops: u64,
    pub trials: usize,
    /// One line per unexpected outcome: a correct implementation that broke, or a demonstration
    /// that did not show its hazard.
    pub failures: Vec<String>,
}

/// Runs the stress test described by `options`, printing a verdict per implementation.
pub fn run(options: &StressOptions<'_>, logical_cpus: usize) -> StressOutcome {
    let mut rng = SmallRng::seed_from_u64(options.seed);
    let mut outcome = StressOutcome::default();
    let per_workload = options.duration / options.workloads.len().max(1) as u32;
    println!(
        "stress: {} workload(s), {} in all, watchdog {}, seed {} (repeat with --seed {})",
        options.workloads.len(),
        humantime::format_duration(options.duration),
        humantime::format_duration(options.watchdog),
        options.seed,
        options.seed
    );
    for &workload in &options.workloads {
        let name = workload.name();
        let implementations: Vec<ImplInfo> = workload
            .implementations()
            .into_iter()
            .filter(|info| options.impls.as_ref().is_none_or(|wanted| wanted.contains(&info.name)))
            .collect();
        let share = per_workload / implementations.len().max(1) as u32;
        let mut workload_ops = 0;
        let mut lines = Vec::new();
        for info in &implementations {
            let context =
                Context { workload, info, share, options, max_threads: 4 * logical_cpus.max(1) };
            let verdict = stress_implementation(&context, &mut rng);
            workload_ops += verdict.ops;
            outcome.trials += verdict.trials;
            if let Some(failure) = &verdict.failure {
                outcome.failures.push(format!("{name} {}: {failure}", info.name));
            }
            lines.push(verdict.line(info));
            lines.extend(verdict.draws.iter().map(|draw| format!("    {draw}")));
        }
        outcome.ops += workload_ops;
        println!("{name}: {} operations checked", thousands(workload_ops));
        lines.iter().for_each(|line| println!("  {line}"));
    }
    outcome
}

struct Context<'a> {
    workload: &'a dyn Workload,
    info: &'a ImplInfo,
    share: Duration,
    options: &'a StressOptions<'a>,
    max_threads: usize,
}

/// What the trials of one implementation came to.
#[derive(Debug, Default)]
struct Verdict {
    ops: u64,
    trials: usize,
    /// The thread counts tried, lowest and highest.
    threads: Option<(usize, usize)>,
    /// For a demonstration, the hazard it showed; for a correct one, what broke.
    shown: Option<String>,
    failure: Option<String>,
    /// What each trial ran: `threads=N key=value;...`.
    draws: Vec<String>,
}

impl Verdict {
    fn line(&self, info: &ImplInfo) -> String {
        let (low, high) = self.threads.unwrap_or((0, 0));
        let tried =
            format!("{} trials, {low}..{high} threads, {} ops", self.trials, thousands(self.ops));
        let status = match (&self.failure, &self.shown, info.kind) {
            (Some(failure), _, _) => format!("FAILED       {failure}"),
            (None, Some(shown), _) => format!("demonstrated {shown}"),
            (None, None, _) => format!("held         {tried}"),
        };
        format!("{:<28} {status}", info.name)
    }
}

fn stress_implementation(context: &Context<'_>, rng: &mut SmallRng) -> Verdict {
    let Context { workload, info, share, options, max_threads } = *context;
    let demonstration = info.kind == ImplKind::Demonstration;
    let mut verdict = Verdict::default();
    let began = Instant::now();
    let budget = if demonstration { share * DEMONSTRATION_SHARES } else { share };
    // A hazard needs company: demonstrations run on two threads or more.
    let fewest = if demonstration { 2 } else { 1 };
    loop {
        let left = budget.saturating_sub(began.elapsed());
        if verdict.trials > 0 && left < MIN_TRIAL / 2 {
            break;
        }
        let length = (share / 3).clamp(MIN_TRIAL, MAX_TRIAL).min(left.max(MIN_TRIAL));
        let threads = rng.random_range(fewest..=max_threads.max(fewest));
        let params = random_params(workload, rng);
        let seed = rng.next_u64();
        verdict.draws.push(format!("threads={threads} {params}"));
        let setup = TrialSetup { threads, seed, params: &params };
        let timing = Timing { stop: Stop::After(length), warmup: WARMUP };
        let settings = Settings::from(timing).watchdog(options.watchdog).seed(seed);
        let deadline = Deadline::arm(
            format!("{} {} threads={threads} {params}", workload.name(), info.name),
            Deadline::limit_for(&settings),
        );
        let trial = workload.prepare(&info.name, &setup).expect("a listed implementation");
        deadline.step("measuring");
        let measurement = measure(trial, threads, settings);
        drop(deadline);
        verdict.trials += 1;
        verdict.ops += measurement.total_ops();
        verdict.threads = Some(match verdict.threads {
            None => (threads, threads),
            Some((low, high)) => (low.min(threads), high.max(threads)),
        });
        let invariant = invariant_of(&measurement.check, measurement.stall.is_some(), info.kind);
        if invariant.outcome != Outcome::Held {
            let found =
                format!("{} (threads {threads}, {params}, trial seed {seed})", invariant.detail);
            if invariant.outcome.is_finding() {
                verdict.failure = Some(found);
            } else {
                verdict.shown = Some(found);
            }
            break;
        }
    }
    if demonstration && verdict.shown.is_none() {
        verdict.failure = Some(format!(
            "known-broken, but did not show its hazard in {} trials ({}..{} threads)",
            verdict.trials,
            verdict.threads.map_or(0, |t| t.0),
            verdict.threads.map_or(0, |t| t.1)
        ));
    }
    verdict
}

/// `1234567` as `1 234 567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1 234 567");
    }
}
