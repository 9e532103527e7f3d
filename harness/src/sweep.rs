//! `syncbench run`: the sweep over workloads, core counts (`--cores`), thread counts and repeats,
//! with the implementations
//! of each point interleaved (A B C A B C ...) so that drift — and these machines' jumps between
//! two cache-line-transfer regimes — hits every implementation alike.
//!
//! Each finished repeat is appended to `summary.csv` at once, and each finished point's merged
//! histograms to `histograms.csv`, so a run killed midway leaves every finished row readable.

use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use reports::csv_files::{HistogramWriter, SummaryWriter};
use reports::hgrm;
use reports::histogram::{histogram_rows, HistogramKey};
use reports::record::OP_METRIC;
use reports::{Invariant, Outcome, ResultsFolder, RunMeta, SummaryRow};
use workloads::{Check, ImplInfo, ImplKind, Metrics, Params};

use crate::affinity::{self, Placement};
use crate::deadline::Deadline;
use crate::environment::Environment;
use crate::guard::{DisturbanceRule, Guard, Reading};
use crate::options::{OptionsError, RunOptions, Slowdown, WorkloadPlan};
use crate::progress::Progress;
use crate::runner::prepare::{unprepared, Preparation};
use crate::runner::{jain_fairness, latency_config, measure_pinned, Measurement};
use crate::slowdown::slowed;

/// What a finished run found.
#[derive(Debug, Default)]
pub struct RunOutcome {
    pub rows: Vec<SummaryRow>,
    /// Unexpected invariant violations: findings, which make the binary exit 1.
    pub violations: usize,
}

/// Runs the sweep described by `options` and writes the results folder.
pub fn run(
    options: &RunOptions<'_>,
    env: &Environment,
    command: Vec<String>,
) -> Result<RunOutcome> {
    let folder = ResultsFolder::new(&options.out);
    let (mut summary, mut histograms) = create_folder(&folder)?;
    let run_id = run_id(&options.out);
    let allowed = affinity::allowed_cpus();
    let topology = crate::topology::detect();
    let guard = Guard::new(&allowed);
    let mut meta = RunMeta {
        run_id: run_id.clone(),
        started: now(),
        finished: None,
        env: env.clone(),
        syncbench_version: env!("CARGO_PKG_VERSION").to_owned(),
        command,
        config: config_json(options),
        topology: Some(topology.clone()),
    };
    meta.write(&folder.meta_json())?;

    let core_counts = options.core_counts();
    let thread_counts: usize = core_counts.iter().map(|c| c.threads.len()).sum();
    let total_runs: usize =
        options.workloads.iter().map(WorkloadPlan::runs_per_thread_count).sum::<usize>()
            * thread_counts
            * options.repeats;
    let progress = Progress::new(total_runs as u64);
    let mut outcome = RunOutcome::default();
    let context =
        RowContext { run_id: &run_id, env, options, hgrm_dir: folder.hgrm_dir(), guard: &guard };
    for plan in &options.workloads {
        for params in &plan.params {
            for core_count in &core_counts {
                let placement =
                    Placement::new(&topology.cpus, &allowed, core_count.cores, options.pin);
                restrict(&placement.cpus)?;
                for &threads in &core_count.threads {
                    let point = Point { plan, params, threads, placement: &placement };
                    run_point(
                        &point,
                        &context,
                        &progress,
                        &mut outcome,
                        &mut summary,
                        &mut histograms,
                    )?;
                }
            }
        }
    }
    if !options.cores.is_empty() {
        restrict(&allowed)?;
    }
    progress.done();

    meta.finished = Some(now());
    meta.write(&folder.meta_json())?;
    folder.render().context("cannot draw the charts and report")?;
    Ok(outcome)
}

/// Restricts the whole process to `cpus` (none: leaves it as it is).
fn restrict(cpus: &[usize]) -> Result<()> {
    if cpus.is_empty() {
        return Ok(());
    }
    affinity::restrict_process(cpus).with_context(|| {
        format!("cannot restrict the process to CPUs {}", crate::cpu_list::format(cpus))
    })
}

/// One (workload, params, cores, threads) point: every implementation of the plan, interleaved.
struct Point<'a> {
    plan: &'a WorkloadPlan<'a>,
    params: &'a Params,
    threads: usize,
    placement: &'a Placement,
}

/// What every row of the run shares.
struct RowContext<'a> {
    run_id: &'a str,
    env: &'a Environment,
    options: &'a RunOptions<'a>,
    /// Where each point's exact `.hgrm` file goes.
    hgrm_dir: std::path::PathBuf,
    /// Watches the machine during every repeat.
    guard: &'a Guard,
}

/// Runs every repeat of every implementation of `point` (A B C A B C ...), appending a summary
/// row per repeat, then the point's merged histograms.
fn run_point(
    point: &Point<'_>,
    context: &RowContext<'_>,
    progress: &Progress,
    outcome: &mut RunOutcome,
    summary: &mut SummaryWriter,
    histograms: &mut HistogramWriter,
) -> Result<()> {
    let Point { plan, params, threads, placement } = *point;
    let options = context.options;
    let mut merged: Vec<Option<(Histogram<u64>, Metrics)>> = vec![None; plan.impls.len()];
    // A demonstration that deadlocked or livelocked has shown its hazard: its further repeats
    // would each cost a watchdog period and show the same.
    let mut demonstrated = vec![false; plan.impls.len()];
    for repeat in 1..=options.repeats {
        let running = plan.impls.iter().enumerate().filter(|(_, i)| plan.runs(i, params));
        for (slot, info) in running {
            if demonstrated[slot] {
                progress.finished();
                continue;
            }
            let implementation = info.name.as_str();
            progress.starting(plan.name(), implementation, threads, repeat, options.repeats);
            let (row, measurement) = measure_repeat(point, context, info, repeat);
            demonstrated[slot] =
                info.kind == ImplKind::Demonstration && measurement.stall.is_some();
            if row.invariant.outcome.is_finding() {
                outcome.violations += 1;
                progress.println(&format!(
                    "FINDING {} {implementation} threads={threads} {params}: {}",
                    plan.name(),
                    row.invariant
                ));
            }
            summary.append(std::slice::from_ref(&row))?;
            outcome.rows.push(row);
            match &mut merged[slot] {
                Some((latency, metrics)) => {
                    latency.add(&measurement.latency)?;
                    metrics.merge(&measurement.metrics);
                }
                empty => *empty = Some((measurement.latency, measurement.metrics)),
            }
            progress.finished();
        }
    }
    let params = params.to_string();
    for (info, merged) in plan.impls.iter().zip(&merged) {
        let Some((latency, metrics)) = merged else { continue };
        let implementation = &info.name;
        let key = |metric| HistogramKey {
            host: &context.env.host,
            workload: plan.name(),
            params: &params,
            implementation,
            threads,
            metric,
            cores: placement.cores,
        };
        let mut rows = histogram_rows(&key(OP_METRIC), latency);
        hgrm::write_point(&context.hgrm_dir, &key(OP_METRIC), latency)?;
        for (metric, histogram) in metrics.histograms() {
            rows.extend(histogram_rows(&key(metric), histogram));
            hgrm::write_point(&context.hgrm_dir, &key(metric), histogram)?;
        }
        histograms.append(&rows)?;
    }
    Ok(())
}

/// One repeat of one implementation at `point`, under the repeat's deadline and the environment
/// guard: its summary row, and the measurement (whose histograms the point merges).
fn measure_repeat(
    point: &Point<'_>,
    context: &RowContext<'_>,
    info: &ImplInfo,
    repeat: usize,
) -> (SummaryRow, Measurement) {
    let Point { plan, params, threads, placement } = *point;
    let options = context.options;
    let implementation = info.name.as_str();
    let limit = Deadline::limit_for(&options.settings());
    let preparation = Preparation {
        workload: plan.shared.clone(),
        implementation: implementation.to_owned(),
        threads,
        seed: options.seed,
        params: params.clone(),
    };
    // A stuck prepare is this point's finding; its thread is abandoned, the run goes on.
    let (measurement, reading) = match preparation.run(limit) {
        Err(stuck) => (unprepared(&stuck, &options.settings()), None),
        Ok(trial) => {
            let deadline = Deadline::arm(
                format!("{} {implementation} threads={threads} {params}", plan.name()),
                limit,
            );
            deadline.step("measuring");
            let share = Slowdown::share_for(options.slowdown.as_ref(), implementation);
            let before = context.guard.sample();
            let settings = options.settings();
            let measurement =
                measure_pinned(slowed(trial, share), threads, settings, &placement.pins);
            drop(deadline);
            (measurement, before.zip(context.guard.sample()).map(|(b, a)| a.since(&b)))
        }
    };
    let row = summary_row(context, point, info, repeat, &measurement, reading);
    (row, measurement)
}

/// One point of a sweep, by name: what a paired run asks a `syncbench` process to measure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PointSpec {
    pub workload: String,
    /// As the `params` column shows them.
    pub params: String,
    /// `--cores` of the point (0: not restricted).
    pub cores: usize,
    pub threads: usize,
    pub implementation: String,
}

impl std::fmt::Display for PointSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let threads = reports::record::threads_phrase(self.threads, self.cores);
        write!(f, "{} {} {threads}", self.workload, self.implementation)?;
        if !self.params.is_empty() {
            write!(f, " {}", self.params)?;
        }
        Ok(())
    }
}

/// Every (workload, params, cores, threads, implementation) the sweep of `options` measures, in
/// the sweep's order.
pub fn points(options: &RunOptions<'_>) -> Vec<PointSpec> {
    let mut points = Vec::new();
    for plan in &options.workloads {
        for params in &plan.params {
            for core_count in options.core_counts() {
                for &threads in &core_count.threads {
                    for info in plan.impls.iter().filter(|i| plan.runs(i, params)) {
                        points.push(PointSpec {
                            workload: plan.name().to_owned(),
                            params: params.to_string(),
                            cores: core_count.cores,
                            threads,
                            implementation: info.name.clone(),
                        });
                    }
                }
            }
        }
    }
    points
}

/// Measures single repeats of named points, each as one repeat of a sweep would, without a
/// results folder: a paired run's side (see [`crate::gate`]).
pub struct OneRepeat<'a> {
    env: &'a Environment,
    topology: crate::topology::Topology,
    allowed: Vec<usize>,
    guard: Guard,
}

impl<'a> OneRepeat<'a> {
    pub fn new(env: &'a Environment) -> Self {
        let allowed = affinity::allowed_cpus();
        let guard = Guard::new(&allowed);
        Self { env, topology: crate::topology::detect(), allowed, guard }
    }

    /// One repeat of `spec` as `options` set it up (timing, seed, latency method), its row
    /// numbered `repeat` and `pair`. `Ok(None)` when `options` has no such point (the other
    /// side of a paired run knows a point this one does not).
    pub fn measure(
        &self,
        options: &RunOptions<'_>,
        spec: &PointSpec,
        repeat: usize,
        pair: Option<u64>,
    ) -> Result<Option<SummaryRow>> {
        let Some(plan) = options.workloads.iter().find(|p| p.name() == spec.workload) else {
            return Ok(None);
        };
        let Some(params) = plan.params.iter().find(|p| p.to_string() == spec.params) else {
            return Ok(None);
        };
        let known_threads = options
            .core_counts()
            .iter()
            .any(|c| c.cores == spec.cores && c.threads.contains(&spec.threads));
        let info = plan.impls.iter().find(|i| i.name == spec.implementation);
        let Some(info) = info.filter(|i| known_threads && plan.runs(i, params)) else {
            return Ok(None);
        };
        let placement = Placement::new(&self.topology.cpus, &self.allowed, spec.cores, options.pin);
        restrict(if placement.cpus.is_empty() { &self.allowed } else { &placement.cpus })?;
        let point = Point {
            plan,
            params,
            threads: spec.threads,
            placement: &placement,
        };
        let run_id = format!("paired-{}", std::process::id());
        let context = RowContext {
            run_id: &run_id,
            env: self.env,
            options,
            hgrm_dir: std::path::PathBuf::new(),
            guard: &self.guard,
        };
        let (row, _) = measure_repeat(&point, &context, info, repeat);
        Ok(Some(SummaryRow { pair, ..row }))
    }
}

/// Creates the results folder and its CSV files. Nothing is left behind if that fails, and a
/// folder that already holds results is refused rather than overwritten.
fn create_folder(folder: &ResultsFolder) -> Result<(SummaryWriter, HistogramWriter)> {
    let output_error =
        |why: String| OptionsError::Output { path: folder.root.display().to_string(), why };
    if folder.summary_csv().exists() {
        return Err(output_error(
            "it already holds results (summary.csv); choose another --out".into(),
        )
        .into());
    }
    let existed = folder.root.exists();
    let created = std::fs::create_dir_all(&folder.root)
        .map_err(|e| e.to_string())
        .and_then(|()| SummaryWriter::create(&folder.summary_csv()).map_err(|e| format!("{e:#}")))
        .and_then(|summary| {
            HistogramWriter::create(&folder.histograms_csv())
                .map(|histograms| (summary, histograms))
                .map_err(|e| format!("{e:#}"))
        });
    created.map_err(|why| {
        if !existed {
            let _ = std::fs::remove_dir_all(&folder.root);
        }
        output_error(why).into()
    })
}

fn summary_row(
    context: &RowContext<'_>,
    point: &Point<'_>,
    info: &ImplInfo,
    repeat: usize,
    m: &Measurement,
    reading: Option<Reading>,
) -> SummaryRow {
    let env = context.env;
    let total = m.total_ops().max(1) as f64;
    let share = |ops: Option<&u64>| ops.map_or(0.0, |&ops| ops as f64 / total);
    let quantile = |q: f64| m.latency.value_at_quantile(q) as f64;
    SummaryRow {
        run_id: context.run_id.to_owned(),
        timestamp: now(),
        host: env.host.clone(),
        cpu_model: env.cpu_model.clone(),
        logical_cpus: env.logical_cpus,
        rustc: env.rustc.clone(),
        git_commit: env.git_commit.clone(),
        workload: point.plan.name().to_owned(),
        implementation: info.name.clone(),
        impl_kind: info.kind.label().to_owned(),
        params: point.params.to_string(),
        threads: point.threads,
        repeat,
        duration_s: m.elapsed.as_secs_f64(),
        ops: m.total_ops(),
        throughput_ops_s: m.throughput(),
        mean_ns: m.mean_ns(),
        p50_ns: quantile(0.5),
        p90_ns: quantile(0.9),
        p99_ns: quantile(0.99),
        p999_ns: quantile(0.999),
        max_ns: m.latency.max() as f64,
        fairness: jain_fairness(&m.ops_per_thread),
        min_share: share(m.ops_per_thread.iter().min()),
        max_share: share(m.ops_per_thread.iter().max()),
        timing: m.timing().to_string(),
        extras: extras_label(&m.metrics),
        invariant: invariant_of(&m.check, m.stall.is_some(), info.kind),
        latency_samples: m.tally.timed_calls,
        stall_bounds: m.tally.stall_bounds,
        cores: point.placement.cores,
        cpu_list: point.placement.cpu_list(point.threads),
        pin: point.placement.pin.label().to_owned(),
        other_cpu_share: reading.map(|r| r.other_cpu_share),
        steal_share: reading.map(|r| r.steal_share),
        involuntary_switches: reading.and_then(|r| r.involuntary_switches),
        disturbed: reading.and_then(|r| DisturbanceRule::STANDARD.judge(&r)).unwrap_or_default(),
        pair: None,
    }
}

/// The `extras` column: counters, then a few percentiles of each latency the workload kept
/// apart, as `key=value;...` sorted by key.
fn extras_label(metrics: &Metrics) -> String {
    let mut pairs: Vec<(String, String)> =
        metrics.counters().iter().map(|(name, n)| ((*name).to_owned(), n.to_string())).collect();
    for (name, histogram) in metrics.histograms() {
        pairs.push((format!("{name}_count"), histogram.len().to_string()));
        pairs.push((format!("{name}_p50_ns"), histogram.value_at_quantile(0.5).to_string()));
        pairs.push((format!("{name}_p99_ns"), histogram.value_at_quantile(0.99).to_string()));
        pairs.push((format!("{name}_max_ns"), histogram.max().to_string()));
    }
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
}

/// The `invariant` column: a violation (or a stall) is a finding unless the implementation is a
/// demonstration, whose violation is the point.
pub fn invariant_of(check: &Check, stalled: bool, kind: ImplKind) -> Invariant {
    let outcome = match (check, kind) {
        (Check::Held(_), _) => Outcome::Held,
        (Check::Violated(_), ImplKind::Demonstration) => Outcome::ExpectedViolation,
        (Check::Violated(_), _) if stalled => Outcome::Stalled,
        (Check::Violated(_), _) => Outcome::Violated,
    };
    let (Check::Held(detail) | Check::Violated(detail)) = check;
    Invariant::new(outcome, detail.clone())
}

fn config_json(options: &RunOptions<'_>) -> serde_json::Value {
    let workloads: Vec<_> = options
        .workloads
        .iter()
        .map(|plan| {
            let kinds: serde_json::Map<_, _> = plan
                .impls
                .iter()
                .map(|i| (i.name.clone(), serde_json::Value::from(i.kind.label())))
                .collect();
            let params: Vec<String> = plan.params.iter().map(ToString::to_string).collect();
            let invariant = plan.workload.invariant();
            serde_json::json!({
                "name": plan.name(), "impls": kinds, "params": params, "invariant": invariant,
            })
        })
        .collect();
    serde_json::json!({
        "workloads": workloads,
        "threads": options.threads,
        "stop": format!("{:?}", options.timing.stop),
        "warmup": format!("{:?}", options.timing.warmup),
        "repeats": options.repeats,
        "seed": options.seed,
        "out": options.out.display().to_string(),
        "interleaving": "implementations of each (workload, params, threads) point run in turn, repeat by repeat",
        "latency": latency_config(options.latency),
        "slowdown": options.slowdown.as_ref().map(|s| format!("{} +{}%", s.implementation, s.share * 100.0)),
        "cores": options.core_counts().iter().map(|c| serde_json::json!({"cores": c.cores, "threads": c.threads})).collect::<Vec<_>>(),
        "pin": options.pin.label(),
        "guard": DisturbanceRule::STANDARD.describe(),
    })
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The run's id: its folder's name.
fn run_id(out: &Path) -> String {
    out.file_name().map_or_else(|| out.display().to_string(), |n| n.to_string_lossy().into_owned())
}
