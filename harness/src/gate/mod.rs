//! `syncbench gate`: the base and the head binary measured side by side, pair by pair.
//!
//! Both binaries run at once as long-lived `__serve` processes ([`side`]) and take turns one
//! trial at a time (tens to a hundred milliseconds each), base-head then head-base, so the two
//! trials of a pair meet the same machine — the same neighbours, the same cache-transfer regime —
//! and the idle side blocks on its input. Each point takes pairs until its paired interval
//! ([`reports::compare::paired`]) places the change against the threshold, or its share of the
//! budget runs out ("noise", reported with what would decide it); the looks follow a fixed
//! schedule ([`looks`]) so that stopping early keeps the false-alarm rate at alpha. The rows go to
//! `OUT/base/summary.csv` and `OUT/head/summary.csv` with their pair numbers, so
//! `syncbench compare OUT/base OUT/head --looks K` gives the same verdict again.

pub mod looks;
pub mod protocol;
pub mod serve;
pub mod side;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use reports::compare::{self, CompareSettings, Metric, MetricComparison, PointVerdict, RunSide};
use reports::csv_files::SummaryWriter;
use reports::SummaryRow;
use workloads::Registry;

use crate::app::EXIT_FINDING;
use crate::cli::GateArgs;
use crate::options::{parse_duration, OptionsError};
use crate::sweep::PointSpec;
use side::{Measured, Side, SideError};

/// The gate's threshold unless `--threshold` says otherwise: a paired point is slower only when
/// its whole interval lies beyond it, so a 5% regression is caught once the interval is 2% wide.
pub const DEFAULT_THRESHOLD: f64 = 0.03;
/// Measuring time of a whole gate run unless `--budget` says otherwise.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(7 * 60);

/// Validated `gate` arguments.
struct GateSettings {
    base: PathBuf,
    head: PathBuf,
    out: PathBuf,
    budget: Duration,
    /// `--pairs N`: exactly N pairs per point, looked at once (a measurement of the true change,
    /// not a gate); `None`: the sequential schedule of [`looks`].
    fixed_pairs: Option<usize>,
    compare: CompareSettings,
}

impl GateSettings {
    fn from_args(args: &GateArgs) -> Result<Self, OptionsError> {
        let invalid = |what, value: &str, why: &str| OptionsError::Invalid {
            what,
            value: value.to_owned(),
            why: why.to_owned(),
        };
        let head = match &args.head {
            Some(head) => head.clone(),
            None => std::env::current_exe()
                .map_err(|e| invalid("--head", "", &format!("cannot find this binary: {e}")))?,
        };
        for (what, binary) in [("--base", &args.base), ("--head", &head)] {
            if !binary.is_file() {
                return Err(invalid(what, &binary.display().to_string(), "no such file"));
            }
        }
        for forbidden in ["--repeats", "--out", "--quick"] {
            if args.run.iter().any(|a| a == forbidden || a.starts_with(&format!("{forbidden}="))) {
                return Err(invalid(
                    "run argument",
                    forbidden,
                    "a paired run takes pairs until each point is decided and writes to the gate's --out",
                ));
            }
        }
        let threshold = match &args.threshold {
            Some(text) => crate::compare::parse_threshold(text)?,
            None => DEFAULT_THRESHOLD,
        };
        let alpha = match &args.alpha {
            Some(text) => crate::compare::parse_alpha(text)?,
            None => CompareSettings::default().alpha,
        };
        let budget = match &args.budget {
            Some(text) => parse_duration("--budget", text, false)?,
            None => DEFAULT_BUDGET,
        };
        let fixed_pairs = match &args.pairs {
            None => None,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(pairs) if pairs >= 2 => Some(pairs),
                _ => return Err(invalid("--pairs", text, "expected a whole number of pairs ≥ 2")),
            },
        };
        if args.out.join("base").exists() || args.out.join("head").exists() {
            return Err(OptionsError::Output {
                path: args.out.display().to_string(),
                why: "it already holds a paired run; choose another --out".into(),
            });
        }
        Ok(Self {
            base: args.base.clone(),
            head,
            out: args.out.clone(),
            budget,
            fixed_pairs,
            compare: CompareSettings {
                threshold,
                alpha,
                gate_latency: args.latency,
                looks: if fixed_pairs.is_some() { 1 } else { looks::count() },
                ..CompareSettings::default()
            },
        })
    }
}

/// Both sides' writers and rows.
struct Sides {
    base: Side,
    head: Side,
    writers: [SummaryWriter; 2],
    rows: [Vec<SummaryRow>; 2],
}

/// How one point ended.
enum PointEnd {
    Decided {
        verdict: PointVerdict,
        pairs: usize,
    },
    /// One side has no such point: it is listed by the comparison, not compared.
    Missing(String),
    /// The head broke the point's invariant: a finding; the gate stops.
    HeadFinding(String),
}

/// Runs the gate; the exit code is the comparison's (0 pass, 1 regression or a head finding).
pub fn run(args: &GateArgs, registry: &Registry) -> Result<u8> {
    let settings = GateSettings::from_args(args)?;
    let env = crate::environment::detect();
    let options = serve::run_options(&args.run, registry, env.logical_cpus).map_err(|why| {
        OptionsError::Invalid { what: "run arguments", value: args.run.join(" "), why }
    })?;
    let points = crate::sweep::points(&options);
    drop(options);
    // Each side's run arguments: the shared ones, then its own (`--base-arg`, `--head-arg`).
    let side_args: [Vec<String>; 2] = [&args.base_args, &args.head_args]
        .map(|own| args.run.iter().chain(own.iter()).cloned().collect());
    for (own, name) in side_args.iter().zip(["--base-arg", "--head-arg"]) {
        serve::run_options(own, registry, env.logical_cpus)
            .map_err(|why| OptionsError::Invalid { what: name, value: own.join(" "), why })?;
    }

    let existed = settings.out.exists();
    std::fs::create_dir_all(&settings.out)
        .with_context(|| format!("cannot create {}", settings.out.display()))?;
    let mut sides = match start_sides(&settings) {
        Ok(sides) => sides,
        Err(error) => {
            // Nothing half-written: a gate that could not start leaves no folder behind.
            if !existed {
                let _ = std::fs::remove_dir_all(&settings.out);
            }
            return Err(error);
        }
    };
    eprintln!(
        "gate: {} points, pair by pair (base {}, head {}); budget {}, threshold {}%",
        points.len(),
        sides.base.commit,
        sides.head.commit,
        humantime::format_duration(settings.budget),
        settings.compare.threshold * 100.0
    );

    let started = Instant::now();
    let mut head_finding = None;
    for (index, point) in points.iter().enumerate() {
        let share =
            settings.budget.saturating_sub(started.elapsed()) / (points.len() - index) as u32;
        let point_started = Instant::now();
        let end = pair_point(&mut sides, &side_args, point, share, &settings)?;
        let took = humantime::format_duration(Duration::from_millis(
            point_started.elapsed().as_millis() as u64,
        ));
        match end {
            PointEnd::Decided { verdict, pairs } => {
                eprintln!(
                    "gate: [{}/{}] {point}: {} after {pairs} pairs ({took})",
                    index + 1,
                    points.len(),
                    verdict.label()
                );
            }
            PointEnd::Missing(why) => {
                eprintln!("gate: [{}/{}] {point}: not compared: {why}", index + 1, points.len())
            }
            PointEnd::HeadFinding(finding) => {
                head_finding = Some(format!("the head broke an invariant at {point}: {finding}"));
                break;
            }
        }
    }
    eprintln!(
        "gate: measured in {}",
        humantime::format_duration(Duration::from_secs(started.elapsed().as_secs()))
    );
    let Sides { base, head, rows: [base_rows, head_rows], .. } = sides;
    drop((base, head));

    if let Some(finding) = head_finding {
        eprintln!("syncbench: {finding}");
        return Ok(EXIT_FINDING);
    }
    let comparison = compare::compare_sides(
        RunSide::from_rows(settings.out.join("base/summary.csv"), base_rows)?,
        RunSide::from_rows(settings.out.join("head/summary.csv"), head_rows)?,
        &settings.compare,
    )?;
    reports::write_atomically(
        &settings.out.join("verdicts.csv"),
        verdicts_csv(&comparison).as_bytes(),
    )?;
    let text = compare::text::render(&comparison);
    reports::write_atomically(&settings.out.join("comparison.txt"), text.as_bytes())?;
    reports::write_atomically(
        &settings.out.join("comparison.md"),
        compare::markdown::render(&comparison).as_bytes(),
    )?;
    print!("{text}");
    println!(
        "again: syncbench compare {0}/base {0}/head --threshold {1} --alpha {2} --looks {3}",
        settings.out.display(),
        settings.compare.threshold * 100.0,
        settings.compare.alpha,
        settings.compare.looks
    );
    match comparison.gate_failure() {
        Some(failure) => {
            eprintln!("syncbench: {failure}");
            Ok(EXIT_FINDING)
        }
        None => Ok(0),
    }
}

/// Starts both sides and their writers under the gate's folder.
fn start_sides(settings: &GateSettings) -> Result<Sides> {
    let start = |name, binary: &Path| -> Result<Side> {
        Ok(Side::start(name, binary, &settings.out.join(format!("{name}.log")))?)
    };
    let (base, head) = (start("base", &settings.base)?, start("head", &settings.head)?);
    let writer = |side: &str| -> Result<SummaryWriter> {
        let folder = settings.out.join(side);
        std::fs::create_dir_all(&folder)?;
        SummaryWriter::create(&folder.join("summary.csv"))
    };
    Ok(Sides {
        base,
        head,
        writers: [writer("base")?, writer("head")?],
        rows: [Vec::new(), Vec::new()],
    })
}

/// Takes pairs of `point` until a look decides it, its `share` of the budget is spent, or it
/// reaches the schedule's last look.
fn pair_point(
    sides: &mut Sides,
    args: &[Vec<String>; 2],
    point: &PointSpec,
    share: Duration,
    gate: &GateSettings,
) -> Result<PointEnd> {
    let settings = &gate.compare;
    let started = Instant::now();
    let mut pairs: Vec<(f64, f64)> = Vec::new();
    loop {
        let number = pairs.len() as u64 + 1;
        let mut pair = [0.0; 2];
        // Base first in odd pairs, head first in even ones: ABBA, so neither side always
        // follows the other's cache footprint.
        let order = if number % 2 == 1 { [0, 1] } else { [1, 0] };
        for slot in order {
            let side = if slot == 0 { &mut sides.base } else { &mut sides.head };
            let measured = match side.measure(&args[slot], point, number as usize, number) {
                // A head that dies or gets stuck mid-trial (its own deadline ends it) is a
                // finding about the head, not bad input.
                Err(error @ SideError::Ended { .. }) if slot == 1 => {
                    return Ok(PointEnd::HeadFinding(format!("{error}: {}", side.last_words())))
                }
                other => other?,
            };
            let row = match measured {
                Measured::Row(row) => *row,
                Measured::Missing(why) => {
                    return Ok(PointEnd::Missing(format!("{} side: {why}", side.name)))
                }
                Measured::Refused(message) => {
                    anyhow::bail!("the {} side refused {point}: {message}", side.name)
                }
            };
            pair[slot] = row.throughput_ops_s;
            sides.writers[slot].append(std::slice::from_ref(&row))?;
            let finding = row.invariant.outcome.is_finding().then(|| row.invariant.to_string());
            sides.rows[slot].push(row);
            match finding {
                Some(finding) if slot == 1 => return Ok(PointEnd::HeadFinding(finding)),
                Some(finding) => eprintln!("gate: warning: the base broke an invariant at {point}: {finding}"),
                None => {}
            }
        }
        pairs.push((pair[0], pair[1]));
        let n = pairs.len();
        let per_pair = started.elapsed() / n as u32;
        let out_of_time = started.elapsed() + per_pair > share;
        if let Some(fixed) = gate.fixed_pairs {
            if n < fixed {
                continue;
            }
            let (base, head): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
            let verdict =
                MetricComparison::of(Metric::Throughput, &base, &head, Some(&pairs), settings)
                    .verdict;
            return Ok(PointEnd::Decided { verdict, pairs: n });
        }
        if looks::is_look(n, out_of_time) || n >= looks::last() {
            let (base, head): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
            let verdict =
                MetricComparison::of(Metric::Throughput, &base, &head, Some(&pairs), settings)
                    .verdict;
            let decided = !matches!(verdict, PointVerdict::Noise(_));
            if decided || out_of_time || n >= looks::last() {
                return Ok(PointEnd::Decided { verdict, pairs: n });
            }
        }
    }
}

/// One line per compared point and curve, for scripts: `workload,impl,params,cores,threads,
/// pairs,change,low,high,verdict` (changes as fractions; a curve's threads are `1+2+...`).
fn verdicts_csv(comparison: &compare::Comparison) -> String {
    let mut out =
        String::from("workload,impl,params,cores,threads,pairs,change,low,high,verdict\n");
    let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.5}"));
    for point in &comparison.points {
        let (key, t) = (&point.key, &point.throughput);
        let (low, high) = t.change_interval.unzip();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            key.workload,
            key.implementation,
            key.params.replace(',', ";"),
            key.cores,
            key.threads,
            t.paired.as_ref().map_or(0, |p| p.pairs()),
            number(t.change),
            number(low),
            number(high),
            t.verdict.label()
        ));
    }
    for curve in &comparison.curves {
        let key = &curve.key;
        let threads: Vec<String> = curve.threads.iter().map(ToString::to_string).collect();
        out.push_str(&format!(
            "{},{},{},{},{},,{:.5},{:.5},{:.5},{}\n",
            key.workload,
            key.implementation,
            key.params.replace(',', ";"),
            key.cores,
            threads.join("+"),
            curve.change,
            curve.interval.0,
            curve.interval.1,
            curve.verdict.label()
        ));
    }
    out
}
