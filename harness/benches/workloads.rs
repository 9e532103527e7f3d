//! `cargo bench`: every workload and implementation through criterion, at 1 and 2 threads and one
//! oversubscribed count (demonstrations, whose deadlocks would only stall a benchmark, at 1
//! thread), each workload's parameters at the first of their defaults.
//!
//! Benchmark ids are `<workload>/<impl>/t<threads>`, so `cargo bench -- counter` runs the counter
//! benchmarks and `cargo bench -- 'rwcache/seqlock'` one implementation. `cargo test --benches`
//! runs each once, as a smoke test. The measuring is `syncbench`'s own runner
//! ([`harness::bench::time_ops`]); `syncbench run` remains the tool for sweeps, histograms and
//! charts, and `syncbench compare` the gate (criterion's regression report never fails a build).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use harness::bench::{default_params, thread_counts, time_ops};
use workloads::{ImplKind, Registry};

fn every_workload(c: &mut Criterion) {
    // The bench binary is not `syncbench`: the spawn workload's child is the real binary.
    let registry =
        harness::child::with_processes(Registry::standard(), env!("CARGO_BIN_EXE_syncbench"));
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    for workload in registry.iter() {
        let params = default_params(workload);
        let mut group = c.benchmark_group(workload.name());
        group.throughput(Throughput::Elements(1));
        for implementation in workload.implementations() {
            // A demonstration's flaw (a deadlock, a livelock) needs company: alone it is just
            // fast or slow code, which is what a benchmark can measure.
            let counts = match implementation.kind {
                ImplKind::Demonstration => vec![1],
                _ => thread_counts(cpus),
            };
            for threads in counts {
                let id = BenchmarkId::new(&implementation.name, format!("t{threads}"));
                group.bench_function(id, |b| {
                    b.iter_custom(|iters| {
                        time_ops(workload, &implementation, &params, threads, iters)
                    })
                });
            }
        }
        group.finish();
    }
}

/// Shorter than criterion's defaults (3 s + 5 s, 100 samples): there are a few hundred points.
/// Override on the command line: `cargo bench -- --measurement-time 5 --sample-size 50`.
///
/// Criterion draws its HTML report with plotters, which this workspace builds without system
/// fonts; the font embedded in `reports` serves it too.
fn config() -> Criterion {
    reports::charts::register_embedded_font().expect("the embedded font loads");
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = every_workload
}
criterion_main!(benches);
