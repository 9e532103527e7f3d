//! Fidelity suite: does each family's figure agree with a bare loop doing the same operations on
//! the same rival? Each point pairs a bare timed loop (no runner, no ledger, no trait objects; one
//! file per family here) with the suite's figure for the same point, run through the library API
//! as `syncbench run` runs it, interleaved and repeated (see `point.rs`). It prints a table of
//! suite/bare throughput ratios with intervals and exits 1 when any median ratio leaves its
//! tolerance.
//!
//! `--unpinned` leaves both sides' threads to the scheduler (the pairs still alternate).
//! `--slow FAMILY` is the broken twin: every worker call of that family's suite side is padded by
//! its own time (twice as slow), and the suite must fail.
//!
//! ```text
//! cargo run --release -p harness --example fidelity -- [--rounds N] [--only FAMILY,..] [--point TEXT] [--slow FAMILY] [--unpinned]
//! ```

mod buffer;
mod counter;
mod lazy_init;
mod lru;
mod map;
mod point;
mod pool;
mod rwcache;
mod semaphore;
mod suite;
mod timed;

use std::process::ExitCode;

use harness::affinity::allowed_cpus;
use workloads::Registry;

use point::Point;

/// Every point of the suite, in table order.
fn points() -> Vec<Point> {
    let mut points = Vec::new();
    points.extend(counter::points());
    points.extend(buffer::points());
    points.extend(rwcache::points());
    points.extend(map::points());
    points.extend(lru::points());
    points.extend(semaphore::points());
    points.extend(pool::points());
    points.extend(lazy_init::points());
    points
}

struct Options {
    rounds: usize,
    only: Option<Vec<String>>,
    /// Only points whose label contains this.
    point: Option<String>,
    slow: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options { rounds: 5, only: None, point: None, slow: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--rounds" => {
                options.rounds = value()?.parse().map_err(|_| "--rounds: a whole number")?;
            }
            "--only" => options.only = Some(value()?.split(',').map(str::to_owned).collect()),
            "--point" => options.point = Some(value()?),
            "--unpinned" => timed::PIN.store(false, std::sync::atomic::Ordering::Relaxed),
            "--slow" => options.slow = Some(value()?),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if options.rounds == 0 {
        return Err("--rounds: at least 1".into());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("fidelity: {problem}");
            return ExitCode::from(2);
        }
    };
    let registry = Registry::standard();
    let cpus = allowed_cpus();
    let mut points = points();
    let families: Vec<&str> = points.iter().map(|p| p.family).collect();
    for named in options.only.iter().flatten().chain(&options.slow) {
        if !families.contains(&named.as_str()) {
            eprintln!("fidelity: no family '{named}' (families: {})", families.join(", "));
            return ExitCode::from(2);
        }
    }
    points.retain(|p| options.only.as_ref().is_none_or(|only| only.iter().any(|f| f == p.family)));
    points.retain(|p| options.point.as_ref().is_none_or(|part| p.label.contains(part.as_str())));
    for point in &mut points {
        if options.slow.as_deref() == Some(point.family) {
            point.suite.slow = 1.0;
        }
    }
    println!(
        "{:<10} {:<40} {:>9} {:>9} {:>7} {:>15} {:>11}  verdict",
        "family", "point", "bare ns", "suite ns", "ratio", "interval", "tolerance"
    );
    let mut failed = 0;
    for point in &points {
        let outcome = point.measure(&registry, &cpus, options.rounds);
        let verdict = if outcome.passed() { "ok" } else { "OUT" };
        failed += usize::from(!outcome.passed());
        println!(
            "{:<10} {:<40} {:>9.1} {:>9.1} {:>7.2} {:>15} {:>11}  {verdict}",
            point.family,
            point.label,
            outcome.bare_ns,
            outcome.suite_ns,
            outcome.ratio,
            format!("{:.2}–{:.2}", outcome.interval.0, outcome.interval.1),
            format!("{:.2}–{:.2}", outcome.tolerance.low, outcome.tolerance.high),
        );
    }
    let placement = if timed::pinning() { format!("CPUs {cpus:?}") } else { "unpinned".into() };
    println!(
        "ratio: suite throughput / bare throughput, median of {} interleaved pairs ({placement}); \
         interval: order statistics, >= 90 % where the rounds allow",
        options.rounds
    );
    if options.slow.is_some() {
        println!(
            "broken twin: the suite side of '{}' is padded to twice its time",
            options.slow.as_deref().unwrap_or("")
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        println!("{failed} point(s) out of tolerance");
        ExitCode::FAILURE
    }
}
