//! What sampled single-operation timing costs: throughput with `--latency sampled` against
//! `--latency batch-mean` (batches only, no operation timed alone), for `atomic-counter` and
//! `spin-lock` at 1 and 2 threads.
//!
//! Each round runs both methods on the same point back to back, in ABBA order across rounds, so
//! each pair meets the same machine (on a 2-vCPU VM the cache-transfer regime flips only every
//! tens of seconds); the cost is the median of the pairs' throughput ratios, with a
//! distribution-free 95 % interval (order statistics of the binomial). Exit 1 if any point's
//! median cost reaches 2 %.
//!
//! ```text
//! cargo run --release -p harness --example sampling_cost [-- ROUNDS DURATION_MS]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use harness::runner::{measure, LatencyMethod, Settings, Stop, Timing};
use workloads::counter::CounterWorkload;
use workloads::{Params, TrialSetup, Workload};

const LIMIT_PERCENT: f64 = 2.0;

fn throughput(
    workload: &CounterWorkload,
    params: &Params,
    name: &str,
    threads: usize,
    timing: Timing,
    method: LatencyMethod,
) -> f64 {
    let setup = TrialSetup { threads, seed: 42, params };
    let trial = workload.prepare(name, &setup).expect("a counter implementation");
    let m = measure(trial, threads, Settings::from(timing).latency(method).seed(42));
    assert!(matches!(m.check, workloads::Check::Held(_)), "{name}: {:?}", m.check);
    m.throughput()
}

/// The 1-based rank `k` such that [x(k), x(n+1-k)] of `n` sorted values covers the median with
/// at least 95 % confidence (for n >= 6).
fn median_interval_rank(n: usize) -> usize {
    let binomial_cdf = |k: usize| -> f64 {
        let mut term = 0.5f64.powi(n as i32);
        let mut sum = 0.0;
        for i in 0..=k {
            if i > 0 {
                term *= (n + 1 - i) as f64 / i as f64;
            }
            sum += term;
        }
        sum
    };
    (1..=n / 2).rev().find(|&k| 2.0 * binomial_cdf(k - 1) <= 0.05).unwrap_or(1)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map_or(16, |a| a.parse().expect("ROUNDS: a whole number"));
    let millis: u64 = args.next().map_or(200, |a| a.parse().expect("DURATION_MS: a whole number"));
    let timing = Timing {
        stop: Stop::After(Duration::from_millis(millis)),
        warmup: Duration::from_millis(50),
    };
    let workload = CounterWorkload::standard();
    let params = Params::resolve("counter", workload.params(), &[]).expect("defaults are valid");
    println!("sampling cost: throughput with --latency sampled against batch-mean, {rounds} ABBA rounds of {millis} ms");
    println!(
        "{:<16} {:>7} {:>12} {:>20} {:>8}",
        "impl", "threads", "cost", "95% interval", "verdict"
    );
    let mut all_hold = true;
    for name in ["atomic-counter", "spin-lock"] {
        for threads in [1, 2] {
            let mut ratios: Vec<f64> = (0..rounds)
                .map(|round| {
                    let run =
                        |method| throughput(&workload, &params, name, threads, timing, method);
                    let (sampled, batch) = if round % 2 == 0 {
                        let sampled = run(LatencyMethod::Sampled);
                        (sampled, run(LatencyMethod::BatchMean))
                    } else {
                        let batch = run(LatencyMethod::BatchMean);
                        (run(LatencyMethod::Sampled), batch)
                    };
                    sampled / batch
                })
                .collect();
            ratios.sort_by(f64::total_cmp);
            let cost = |ratio: f64| 100.0 * (1.0 - ratio);
            let median = cost(ratios[ratios.len() / 2]);
            let k = median_interval_rank(ratios.len());
            let (low, high) = (cost(ratios[ratios.len() - k]), cost(ratios[k - 1]));
            let holds = median < LIMIT_PERCENT;
            all_hold &= holds;
            println!(
                "{name:<16} {threads:>7} {median:>+11.2}% {:>20} {:>8}",
                format!("[{low:+.2}%, {high:+.2}%]"),
                if holds { "< 2 %" } else { "TOO DEAR" }
            );
        }
    }
    if all_hold {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_median_interval_covers_95_percent() {
        assert_eq!(super::median_interval_rank(16), 4);
        assert_eq!(super::median_interval_rank(10), 2);
    }
}
