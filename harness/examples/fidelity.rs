//! Fidelity check: does the suite's figure for an uncontended atomic counter agree with a plain
//! timed loop doing the same increments? If the runner's batching, dynamic dispatch or stop-flag
//! checks added real overhead, the two would part.
//!
//! The two measurements are interleaved (plain, suite, plain, suite ...), each pair on one CPU
//! (the plain loop on a thread pinned there, the suite's worker pinned there), the CPUs taken in
//! turn: two vCPUs of one VM can run at different speeds (a busy SMT sibling on the host), and a
//! plain loop on one beside a suite on the other compares the CPUs, not the code. The median of the
//! paired differences is the verdict: exit 0 when it is within the tolerance (default 25 %), 1
//! otherwise.
//!
//! ```text
//! cargo run --release -p harness --example fidelity [-- ROUNDS TOLERANCE_PERCENT]
//! ```

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use harness::affinity::{allowed_cpus, pin_current_thread};
use harness::runner::{measure_pinned, Stop, Timing};
use harness::table::median;
use workloads::counter::CounterWorkload;
use workloads::{Params, TrialSetup, Workload};

const INCREMENTS: u64 = 20_000_000;

/// Nanoseconds per increment of a bare `fetch_add` loop, on a thread pinned to `cpu`.
fn plain_loop_on(cpu: usize) -> f64 {
    std::thread::spawn(move || {
        let _ = pin_current_thread(&[cpu]);
        plain_loop()
    })
    .join()
    .expect("the plain loop")
}

/// Nanoseconds per increment of a bare `fetch_add` loop.
fn plain_loop() -> f64 {
    // On the heap, as the suite's counter is: a counter on the stack shares its cache line with
    // the loop's spilled values, and a locked add on a line with pending stores costs more.
    let counter = black_box(Box::new(AtomicU64::new(0)));
    let start = Instant::now();
    for _ in 0..INCREMENTS {
        // Compilers do not merge atomic read-modify-writes, so each iteration is one `lock xadd`.
        counter.fetch_add(1, Ordering::Relaxed);
    }
    let elapsed = start.elapsed();
    assert_eq!(counter.load(Ordering::Relaxed), INCREMENTS);
    elapsed.as_nanos() as f64 / INCREMENTS as f64
}

/// Nanoseconds per increment as the suite measures `atomic-counter` at one thread, on `cpu`.
fn suite_on(cpu: usize, workload: &CounterWorkload, params: &Params) -> f64 {
    let trial = workload
        .prepare("atomic-counter", &TrialSetup { threads: 1, seed: 0, params })
        .expect("atomic-counter exists");
    let timing = Timing { stop: Stop::OpsPerThread(INCREMENTS), warmup: Duration::from_millis(20) };
    let measurement = measure_pinned(trial, 1, timing, &[cpu]);
    1e9 / measurement.throughput()
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map_or(7, |a| a.parse().expect("ROUNDS: a whole number"));
    let tolerance: f64 = args.next().map_or(25.0, |a| a.parse().expect("TOLERANCE: a number"));

    let workload = CounterWorkload::standard();
    let params = Params::resolve("counter", workload.params(), &[]).expect("defaults are valid");
    let cpus = allowed_cpus();
    let (mut plain, mut measured, mut differences) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let cpu = cpus[round % cpus.len()];
        let (p, m) = (plain_loop_on(cpu), suite_on(cpu, &workload, &params));
        plain.push(p);
        measured.push(m);
        differences.push(100.0 * (m - p) / p);
    }
    let difference = median(&differences);
    let (plain, measured) = (median(&plain), median(&measured));
    println!("plain fetch_add loop:            {plain:.2} ns/increment (median of {rounds})");
    println!("suite, atomic-counter, 1 thread: {measured:.2} ns/increment (median of {rounds})");
    println!(
        "difference: {difference:+.1}% (median of {rounds} pairs on one CPU each, CPUs {cpus:?} in turn; tolerance ±{tolerance}%)"
    );
    if difference.abs() <= tolerance {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
