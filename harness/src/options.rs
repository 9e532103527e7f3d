//! Parsed arguments become typed, validated [`RunOptions`] here, in one place: every rejection is
//! an [`OptionsError`] with a one-line message, raised before anything is run or written.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use workloads::{ImplInfo, ParamError, Params, Registry, Workload};

use crate::affinity::{self, Pin};
use crate::cli::{RunArgs, StressArgs};
use crate::runner::{LatencyMethod, Settings, Stop, Timing};
use crate::table::TableStyle;
use crate::watchdog::DEFAULT_WATCHDOG;

/// Bad input, with a message written for the user. The binary exits 2 on any of these.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error("unknown workload '{name}' (known: {known})")]
    UnknownWorkload { name: String, known: String },
    #[error("unknown implementation '{name}' for {workloads} (see `syncbench list`)")]
    UnknownImpl { name: String, workloads: String },
    #[error("invalid {what} '{value}': {why}")]
    Invalid { what: &'static str, value: String, why: String },
    #[error("no selected workload has a parameter '{name}' (they have: {known})")]
    UnknownParam { name: String, known: String },
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error("cannot use output folder {path}: {why}")]
    Output { path: String, why: String },
}

/// One workload of the run, with what it runs.
#[derive(Clone)]
pub struct WorkloadPlan<'r> {
    pub workload: &'r dyn Workload,
    /// The same workload, shared: what a bounded `prepare` takes to its own thread.
    pub shared: Arc<dyn Workload>,
    /// The selected implementations, as the workload describes them.
    pub impls: Vec<ImplInfo>,
    /// Every combination of parameter values to run (one unless a value is a list).
    pub params: Vec<Params>,
}

impl std::fmt::Debug for WorkloadPlan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkloadPlan")
            .field("workload", &self.name())
            .field("impls", &self.impls)
            .field("params", &self.params)
            .finish()
    }
}

impl WorkloadPlan<'_> {
    pub fn name(&self) -> &str {
        self.workload.name()
    }

    /// Whether `implementation` runs at `params`: always, unless it ignores a parameter whose
    /// value there differs from the first parameter set's (see [`ImplInfo::ignores`]).
    pub fn runs(&self, implementation: &ImplInfo, params: &Params) -> bool {
        let first = &self.params[0];
        self.workload.params().iter().all(|spec| {
            !implementation.ignores(spec.name) || params.value(spec.name) == first.value(spec.name)
        })
    }

    /// The runs of one repeat at every thread count: implementations × parameter sets, less
    /// those [`WorkloadPlan::runs`] skips.
    pub fn runs_per_thread_count(&self) -> usize {
        let runs = |params| self.impls.iter().filter(|i| self.runs(i, params)).count();
        self.params.iter().map(runs).sum()
    }
}

/// Everything `syncbench run` does, validated.
#[derive(Debug, Clone)]
pub struct RunOptions<'r> {
    pub workloads: Vec<WorkloadPlan<'r>>,
    pub threads: Vec<usize>,
    pub timing: Timing,
    pub repeats: usize,
    pub seed: u64,
    pub out: PathBuf,
    /// No operation completed by any thread for this long is a stall (see [`crate::watchdog`]).
    pub watchdog: Duration,
    /// Test-only (`--slowdown IMPL=PCT`): an implementation whose workers are padded by a share
    /// of their own time, to validate the regression gate.
    pub slowdown: Option<Slowdown>,
    /// `--latency`: how latencies are measured.
    pub latency: LatencyMethod,
    /// `--cores`: each core count with its thread counts; empty when the process is not
    /// restricted (and [`RunOptions::threads`] is the sweep).
    pub cores: Vec<CoreCount>,
    /// `--pin`: how worker threads are placed.
    pub pin: Pin,
    /// Said once before the run when `--cores`/`--pin` cannot apply on this platform.
    pub placement_note: Option<String>,
    /// `--table`: the shape of the table printed at the end (always followed by verdicts).
    pub table: TableStyle,
}

/// One core count of `--cores` and the thread counts run on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreCount {
    /// 0: not restricted.
    pub cores: usize,
    pub threads: Vec<usize>,
}

impl RunOptions<'_> {
    /// The sweep's core counts, each with its threads: `--cores`, or one unrestricted entry.
    pub fn core_counts(&self) -> Vec<CoreCount> {
        if self.cores.is_empty() {
            vec![CoreCount { cores: 0, threads: self.threads.clone() }]
        } else {
            self.cores.clone()
        }
    }

    /// What the runner is told for every trial of this run.
    pub fn settings(&self) -> Settings {
        Settings::from(self.timing).watchdog(self.watchdog).latency(self.latency).seed(self.seed)
    }
}

/// An implementation made slower on purpose by a known share (0.2 = 20 % more time per batch).
#[derive(Debug, Clone, PartialEq)]
pub struct Slowdown {
    pub implementation: String,
    pub share: f64,
}

impl Slowdown {
    /// The padding share for `implementation`: the slowdown's share if it is the one, else 0.
    pub fn share_for(slowdown: Option<&Self>, implementation: &str) -> f64 {
        slowdown.filter(|s| s.implementation == implementation).map_or(0.0, |s| s.share)
    }
}

const DEFAULT_DURATION: Duration = Duration::from_millis(250);
const QUICK_DURATION: Duration = Duration::from_millis(100);
const DEFAULT_WARMUP: Duration = Duration::from_millis(50);
const QUICK_WARMUP: Duration = Duration::from_millis(25);
const DEFAULT_REPEATS: usize = 5;
const QUICK_REPEATS: usize = 2;
const DEFAULT_SEED: u64 = 42;

impl<'r> RunOptions<'r> {
    /// Validates `args` against the workloads of `registry`. `logical_cpus` sets the default
    /// thread sweep; `now` names the default output folder.
    pub fn from_cli(
        args: &RunArgs,
        registry: &'r Registry,
        logical_cpus: usize,
        default_out: PathBuf,
    ) -> Result<Self, OptionsError> {
        // No workload named: a tour of them all (quick settings, first default values).
        let tour = args.workloads.is_empty();
        let names: Vec<String> = if tour {
            registry.names().into_iter().map(str::to_owned).collect()
        } else {
            args.workloads.clone()
        };
        let overrides =
            args.set.iter().map(|kv| parse_key_value(kv)).collect::<Result<Vec<_>, _>>()?;
        let wanted_impls = args.impls.as_deref().map(split_list);

        let mut workloads = Vec::new();
        for name in &names {
            let workload = registry.get(name).ok_or_else(|| OptionsError::UnknownWorkload {
                name: name.clone(),
                known: registry.names().join(", "),
            })?;
            let available = workload.implementations();
            let impls = match &wanted_impls {
                None => available,
                Some(wanted) => {
                    available.into_iter().filter(|i| wanted.contains(&i.name)).collect()
                }
            };
            // A --set key applies to every selected workload that declares it.
            let mut own: Vec<(String, String)> = overrides
                .iter()
                .filter(|(key, _)| workload.params().iter().any(|spec| spec.name == key))
                .cloned()
                .collect();
            // The tour looks at each workload once: a default list sweeps only when the workload
            // is named (`run map` sweeps every mix and distribution; `run` takes the first).
            if tour {
                for spec in workload.params() {
                    let overridden = own.iter().any(|(key, _)| key == spec.name);
                    if let (false, Some((first, _))) = (overridden, spec.default.split_once(',')) {
                        own.push((spec.name.to_owned(), first.to_owned()));
                    }
                }
            }
            let params = Params::sweep(name, workload.params(), &own)?;
            let shared = registry.get_shared(name).expect("found above");
            workloads.push(WorkloadPlan { workload, shared, impls, params });
        }
        if let Some(wanted) = &wanted_impls {
            let chosen: Vec<&dyn Workload> = workloads.iter().map(|w| w.workload).collect();
            check_wanted_impls(wanted, &chosen, &names)?;
        }
        for (key, _) in &overrides {
            if !workloads.iter().any(|w| w.workload.params().iter().any(|spec| spec.name == key)) {
                return Err(OptionsError::UnknownParam {
                    name: key.clone(),
                    known: declared_params(registry, &names),
                });
            }
        }
        // Workloads whose implementations were all filtered out run nothing.
        workloads.retain(|w| !w.impls.is_empty());

        let threads = match &args.threads {
            Some(list) => parse_threads(list)?,
            None => default_threads(logical_cpus),
        };
        // The tour takes quick settings unless told otherwise, so that the main command on its
        // defaults stays a first look of a couple of minutes.
        let quick = args.quick || tour;
        let stop = match (&args.ops, &args.duration) {
            (Some(ops), _) => Stop::OpsPerThread(parse_positive("--ops", ops)?),
            (None, Some(d)) => Stop::After(parse_duration("--duration", d, false)?),
            (None, None) if quick => Stop::After(QUICK_DURATION),
            (None, None) => Stop::After(DEFAULT_DURATION),
        };
        let warmup = match &args.warmup {
            Some(d) => parse_duration("--warmup", d, true)?,
            None if quick => QUICK_WARMUP,
            None => DEFAULT_WARMUP,
        };
        let repeats = match &args.repeats {
            Some(n) => parse_positive("--repeats", n)? as usize,
            None if quick => QUICK_REPEATS,
            None => DEFAULT_REPEATS,
        };
        let seed = match &args.seed {
            Some(s) => s.parse().map_err(|_| invalid("--seed", s, "expected a whole number"))?,
            None => DEFAULT_SEED,
        };
        let out = args.out.clone().unwrap_or(default_out);
        let watchdog = match &args.watchdog {
            Some(d) => parse_duration("--watchdog", d, false)?,
            None => DEFAULT_WATCHDOG,
        };
        let timing = Timing { stop, warmup };
        let slowdown = args.slowdown.as_deref().map(parse_slowdown).transpose()?;
        let latency = match args.latency.as_deref() {
            None | Some("sampled") => LatencyMethod::Sampled,
            Some("batch-mean") => LatencyMethod::BatchMean,
            Some(other) => {
                return Err(invalid("--latency", other, "expected sampled or batch-mean"))
            }
        };
        let wanted_cores = match &args.cores {
            Some(list) => parse_cores(list, logical_cpus)?,
            None => Vec::new(),
        };
        let pin = match args.pin.as_deref() {
            None => Pin::None,
            Some(text) => Pin::parse(text)
                .ok_or_else(|| invalid("--pin", text, "expected none, compact or spread"))?,
        };
        let table = match args.table.as_deref() {
            None => TableStyle::default(),
            Some(text) => TableStyle::parse(text)
                .ok_or_else(|| invalid("--table", text, "expected compact, full or verdicts"))?,
        };
        let asked = !wanted_cores.is_empty() || pin != Pin::None;
        let placement_note = (asked && !affinity::SUPPORTED).then(|| {
            "note: --cores and --pin need CPU affinity, which this platform does not offer; \
             running unrestricted"
                .to_owned()
        });
        let (cores, pin) =
            if affinity::SUPPORTED { (wanted_cores, pin) } else { (vec![], Pin::None) };
        // Oversubscription stays a dimension of its own: 1x, 2x and 4x each core count.
        let cores = cores
            .into_iter()
            .map(|cores| CoreCount {
                cores,
                threads: match &args.threads {
                    Some(_) => threads.clone(),
                    None => vec![cores, 2 * cores, 4 * cores],
                },
            })
            .collect();
        Ok(Self {
            workloads,
            threads,
            timing,
            repeats,
            seed,
            out,
            watchdog,
            slowdown,
            latency,
            cores,
            pin,
            placement_note,
            table,
        })
    }
}

/// Everything `syncbench stress` does, validated.
#[derive(Clone)]
pub struct StressOptions<'r> {
    /// The workloads, in the registry's order when none was named; with `--impls`, only those
    /// that have one of them.
    pub workloads: Vec<&'r dyn Workload>,
    /// The implementations named by `--impls`; `None` for all.
    pub impls: Option<Vec<String>>,
    /// The whole run's time, shared evenly by the workloads and then their implementations.
    pub duration: Duration,
    pub watchdog: Duration,
    pub seed: u64,
    pub chaos: bool,
}

const STRESS_DURATION: Duration = Duration::from_secs(60);
const STRESS_WATCHDOG: Duration = Duration::from_secs(1);

impl std::fmt::Debug for StressOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.workloads.iter().map(|w| w.name()).collect();
        f.debug_struct("StressOptions")
            .field("workloads", &names)
            .field("impls", &self.impls)
            .field("duration", &self.duration)
            .field("watchdog", &self.watchdog)
            .field("seed", &self.seed)
            .field("chaos", &self.chaos)
            .finish()
    }
}

impl<'r> StressOptions<'r> {
    /// Validates `args` against the workloads of `registry`; `clock_seed` is the seed when none
    /// is given.
    pub fn from_cli(
        args: &StressArgs,
        registry: &'r Registry,
        clock_seed: u64,
    ) -> Result<Self, OptionsError> {
        let mut workloads: Vec<&dyn Workload> = if args.workloads.is_empty() {
            registry.iter().collect()
        } else {
            let find = |name: &String| {
                registry.get(name).ok_or_else(|| OptionsError::UnknownWorkload {
                    name: name.clone(),
                    known: registry.names().join(", "),
                })
            };
            args.workloads.iter().map(find).collect::<Result<_, _>>()?
        };
        let impls = args.impls.as_deref().map(split_list);
        if let Some(wanted) = &impls {
            let names: Vec<String> = workloads.iter().map(|w| w.name().to_owned()).collect();
            check_wanted_impls(wanted, &workloads, &names)?;
            workloads.retain(|w| w.implementations().iter().any(|i| wanted.contains(&i.name)));
        }
        let duration = match &args.duration {
            Some(d) => parse_duration("--duration", d, false)?,
            None => STRESS_DURATION,
        };
        let watchdog = match &args.watchdog {
            Some(d) => parse_duration("--watchdog", d, false)?,
            None => STRESS_WATCHDOG,
        };
        let seed = match &args.seed {
            Some(s) => s.parse().map_err(|_| invalid("--seed", s, "expected a whole number"))?,
            None => clock_seed,
        };
        if args.chaos && !cfg!(feature = "chaos") {
            return Err(invalid(
                "--chaos",
                "on",
                "this build has no chaos hooks: rebuild with --features chaos",
            ));
        }
        Ok(Self { workloads, impls, duration, watchdog, seed, chaos: args.chaos })
    }
}

fn declared_params(registry: &Registry, workloads: &[String]) -> String {
    let mut keys: Vec<&str> = workloads
        .iter()
        .filter_map(|name| registry.get(name))
        .flat_map(|w| w.params().iter().map(|spec| spec.name))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.join(", ")
}

fn invalid(what: &'static str, value: &str, why: &str) -> OptionsError {
    OptionsError::Invalid { what, value: value.to_owned(), why: why.to_owned() }
}

/// Fails on the first name in `wanted` that is no implementation of any of `workloads`.
fn check_wanted_impls(
    wanted: &[String],
    workloads: &[&dyn Workload],
    names: &[String],
) -> Result<(), OptionsError> {
    let known = |want: &String| {
        workloads.iter().any(|w| w.implementations().iter().any(|i| &i.name == want))
    };
    match wanted.iter().find(|want| !known(want)) {
        Some(want) => {
            Err(OptionsError::UnknownImpl { name: want.clone(), workloads: names.join(", ") })
        }
        None => Ok(()),
    }
}

fn split_list(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn parse_key_value(kv: &str) -> Result<(String, String), OptionsError> {
    match kv.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(invalid("--set", kv, "expected KEY=VALUE")),
    }
}

/// `IMPL=PCT`, PCT a positive percentage.
fn parse_slowdown(value: &str) -> Result<Slowdown, OptionsError> {
    let (implementation, percent) = value
        .split_once('=')
        .ok_or_else(|| invalid("--slowdown", value, "expected IMPL=PERCENT"))?;
    let percent: f64 = percent
        .trim()
        .parse()
        .ok()
        .filter(|p: &f64| p.is_finite() && *p > 0.0)
        .ok_or_else(|| invalid("--slowdown", value, "expected a positive percentage"))?;
    Ok(Slowdown { implementation: implementation.trim().to_owned(), share: percent / 100.0 })
}

/// `1,2`: core counts from 1 up to the `allowed` CPUs; duplicates removed, ascending.
pub fn parse_cores(list: &str, allowed: usize) -> Result<Vec<usize>, OptionsError> {
    let cores = parse_counts("--cores", list, "core counts", "1,2")?;
    if cores.last().is_some_and(|&most| most > allowed) {
        let why = format!("this process may run on {allowed} CPU(s) only");
        return Err(invalid("--cores", list, &why));
    }
    Ok(cores)
}

/// `1,2,4,8`: each a whole number of at least 1; duplicates removed, order kept ascending.
pub fn parse_threads(list: &str) -> Result<Vec<usize>, OptionsError> {
    parse_counts("--threads", list, "thread counts", "1,2,4")
}

/// A list of whole numbers of at least 1 for option `what` (`noun` and `example` for the
/// messages), ascending without duplicates.
fn parse_counts(
    what: &'static str,
    list: &str,
    noun: &str,
    example: &str,
) -> Result<Vec<usize>, OptionsError> {
    let mut counts = Vec::new();
    for item in list.split(',').map(str::trim) {
        let n: usize = item
            .parse()
            .map_err(|_| invalid(what, list, &format!("expected numbers like {example}")))?;
        if n == 0 {
            return Err(invalid(what, list, &format!("{noun} must be at least 1")));
        }
        counts.push(n);
    }
    counts.sort_unstable();
    counts.dedup();
    Ok(counts)
}

/// Powers of two from 1 up to 4x the logical CPUs: the last two counts oversubscribe the cores,
/// which is where spinning and FIFO-fair locks show their cost.
pub fn default_threads(logical_cpus: usize) -> Vec<usize> {
    let limit = 4 * logical_cpus.max(1);
    std::iter::successors(Some(1usize), |n| Some(n * 2)).take_while(|&n| n <= limit).collect()
}

fn parse_positive(what: &'static str, value: &str) -> Result<u64, OptionsError> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(invalid(what, value, "expected a whole number of at least 1")),
    }
}

/// `250ms`, `1s`, `1m 30s`, as humantime reads them.
pub fn parse_duration(
    what: &'static str,
    value: &str,
    zero_ok: bool,
) -> Result<Duration, OptionsError> {
    let duration = humantime::parse_duration(value)
        .map_err(|e| invalid(what, value, &format!("{e} (examples: 250ms, 1s, 2m)")))?;
    if duration.is_zero() && !zero_ok {
        return Err(invalid(what, value, "must be longer than zero"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn options(line: &str) -> Result<RunOptions<'static>, OptionsError> {
        static REGISTRY: std::sync::LazyLock<Registry> =
            std::sync::LazyLock::new(Registry::standard);
        let cli = crate::cli::Cli::try_parse_from(line.split_whitespace()).unwrap();
        let crate::cli::Command::Run(args) = cli.command else { panic!("not a run") };
        RunOptions::from_cli(&args, &REGISTRY, 2, PathBuf::from("out"))
    }

    #[test]
    fn defaults_sweep_to_four_times_the_cores() {
        let o = options("syncbench run counter").unwrap();
        assert_eq!(o.threads, vec![1, 2, 4, 8]);
        assert_eq!(o.repeats, 5);
        assert_eq!(o.timing.stop, Stop::After(Duration::from_millis(250)));
        assert_eq!(o.workloads[0].name(), "counter");
    }

    #[test]
    fn no_workload_named_tours_them_all_at_quick_settings_unless_told_otherwise() {
        let o = options("syncbench run").unwrap();
        assert_eq!(o.workloads.len(), Registry::standard().names().len());
        assert_eq!((o.repeats, o.timing.stop), (2, Stop::After(Duration::from_millis(100))));
        let map = o.workloads.iter().find(|w| w.name() == "map").unwrap();
        assert_eq!(map.params.len(), 1, "the tour takes the first of each default list");
        let o = options("syncbench run map").unwrap();
        assert!(o.workloads[0].params.len() > 1, "a named workload sweeps its default lists");
        let o = options("syncbench run --repeats 5 --duration 1s").unwrap();
        assert_eq!((o.repeats, o.timing.stop), (5, Stop::After(Duration::from_secs(1))));
    }

    #[test]
    fn an_implementation_runs_once_across_a_sweep_of_a_parameter_it_ignores() {
        let o = options("syncbench run map --set mix=read-heavy --set distribution=uniform --set stripes=64,4,1").unwrap();
        let plan = &o.workloads[0];
        let stripes: Vec<&str> = plan.params.iter().map(|p| p.value("stripes").unwrap()).collect();
        assert_eq!(stripes, ["64", "4", "1"]);
        let info = |name: &str| plan.impls.iter().find(|i| i.name == name).unwrap();
        let runs = |name: &str| plan.params.iter().filter(|p| plan.runs(info(name), p)).count();
        assert_eq!((runs("striped"), runs("dashmap")), (3, 1));
        let striped = plan.impls.iter().filter(|i| i.name.starts_with("striped")).count();
        let others = plan.impls.len() - striped;
        assert_eq!(plan.runs_per_thread_count(), 3 * striped + others);
    }

    #[test]
    fn explicit_values_are_typed() {
        let o = options("syncbench run counter --threads 4,1,2,2 --duration 1s --repeats 3 --impls spin-lock,std-mutex --set depth=3").unwrap();
        assert_eq!(o.threads, vec![1, 2, 4]);
        assert_eq!(o.repeats, 3);
        assert_eq!(o.timing.stop, Stop::After(Duration::from_secs(1)));
        let impls: Vec<&str> = o.workloads[0].impls.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(impls, ["spin-lock", "std-mutex"]);
        assert_eq!(o.workloads[0].params[0].number("depth"), 3);
    }

    #[test]
    fn the_table_is_compact_unless_told() {
        assert_eq!(options("syncbench run counter").unwrap().table, TableStyle::Compact);
        assert_eq!(options("syncbench run counter --table full").unwrap().table, TableStyle::Full);
        let verdicts = options("syncbench run counter --table verdicts").unwrap();
        assert_eq!(verdicts.table, TableStyle::Verdicts);
        assert!(options("syncbench run counter --table wide").is_err());
    }

    #[test]
    fn latency_is_sampled_unless_told() {
        assert_eq!(options("syncbench run counter").unwrap().latency, LatencyMethod::Sampled);
        let batch = options("syncbench run counter --latency batch-mean").unwrap();
        assert_eq!(batch.latency, LatencyMethod::BatchMean);
        assert_eq!(batch.settings().latency, LatencyMethod::BatchMean);
    }

    #[test]
    fn a_slowdown_applies_to_its_implementation_only() {
        let slowdown =
            options("syncbench run counter --slowdown atomic-counter=20").unwrap().slowdown;
        assert_eq!(Slowdown::share_for(slowdown.as_ref(), "atomic-counter"), 0.2);
        assert_eq!(Slowdown::share_for(slowdown.as_ref(), "std-mutex"), 0.0);
        assert_eq!(Slowdown::share_for(None, "atomic-counter"), 0.0);
    }

    #[test]
    fn cores_sweep_one_two_and_four_threads_per_core_unless_threads_are_given() {
        let o = options("syncbench run counter --cores 2,1").unwrap();
        let sweep: Vec<(usize, Vec<usize>)> =
            o.core_counts().into_iter().map(|c| (c.cores, c.threads)).collect();
        if affinity::SUPPORTED {
            assert_eq!(sweep, [(1, vec![1, 2, 4]), (2, vec![2, 4, 8])]);
        } else {
            assert_eq!(sweep, [(0, vec![1, 2, 4, 8])]);
            assert!(o.placement_note.is_some());
        }
        let o = options("syncbench run counter --cores 1 --threads 3 --pin spread").unwrap();
        if affinity::SUPPORTED {
            assert_eq!(o.core_counts(), [CoreCount { cores: 1, threads: vec![3] }]);
            assert_eq!(o.pin, Pin::Spread);
        }
        let o = options("syncbench run counter").unwrap();
        assert_eq!(o.core_counts(), [CoreCount { cores: 0, threads: vec![1, 2, 4, 8] }]);
        assert_eq!((o.pin, o.placement_note), (Pin::None, None));
    }

    #[test]
    fn bad_input_is_one_line_naming_the_problem() {
        for (line, needle) in [
            ("syncbench run nosuch", "unknown workload 'nosuch'"),
            ("syncbench run --threads 0", "thread counts must be at least 1"),
            ("syncbench run --threads 1,x", "invalid --threads '1,x'"),
            ("syncbench run --duration xyz", "invalid --duration 'xyz'"),
            ("syncbench run --duration 0s", "must be longer than zero"),
            ("syncbench run --impls nope", "unknown implementation 'nope'"),
            ("syncbench run --set nope=1", "a parameter 'nope'"),
            ("syncbench run --set depth=x", "parameter 'depth' must be"),
            (
                "syncbench run buffer --set capacity=0",
                "parameter 'capacity' must be a whole number from 1 to 1048576, not '0'",
            ),
            ("syncbench run map --set read=50", "apply only with mix=custom"),
            ("syncbench run --repeats 0", "invalid --repeats '0'"),
            ("syncbench run --slowdown atomic-counter", "expected IMPL=PERCENT"),
            ("syncbench run --slowdown atomic-counter=-5", "expected a positive percentage"),
            ("syncbench run --latency exact", "expected sampled or batch-mean"),
            ("syncbench run --cores 0", "core counts must be at least 1"),
            ("syncbench run --cores 1,3", "may run on 2 CPU(s) only"),
            ("syncbench run --cores one", "invalid --cores 'one'"),
            ("syncbench run --cores 1,,2", "invalid --cores '1,,2'"),
            ("syncbench run --pin tight", "expected none, compact or spread"),
        ] {
            let message = options(line).unwrap_err().to_string();
            assert!(message.contains(needle), "{line}: {message}");
            assert!(!message.contains('\n'), "{line}: {message}");
        }
    }
}
