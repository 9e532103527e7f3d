//! What every workload's tests do: resolve a few parameters, prepare a trial, drive each thread's
//! worker to the end on its own thread, and check the invariant.

use crate::params::Params;
use crate::workload::{Check, TrialSetup, Worker, Workload};

/// A trial of `implementation` of `workload` with the parameters `sets` on `threads` threads
/// (seed `seed`): each thread gets its worker and runs `drive(thread index, worker)`, then the
/// worker's `finish`. Returns the invariant's check, given the operations `drive` reported.
pub(crate) fn run_trial(
    workload: &dyn Workload,
    implementation: &str,
    threads: usize,
    seed: u64,
    sets: &[(&str, &str)],
    drive: impl Fn(usize, &mut dyn Worker) -> u64 + Sync,
) -> Check {
    let overrides: Vec<_> = sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let params = Params::resolve(workload.name(), workload.params(), &overrides).unwrap();
    let setup = TrialSetup { threads, seed, params: &params };
    let trial = workload.prepare(implementation, &setup).unwrap();
    let ops: u64 = std::thread::scope(|scope| {
        let spawned: Vec<_> = (0..threads)
            .map(|index| {
                let (trial, drive) = (&trial, &drive);
                scope.spawn(move || {
                    let mut worker = trial.worker(index);
                    let ops = drive(index, worker.as_mut());
                    ops + worker.finish()
                })
            })
            .collect();
        spawned.into_iter().map(|thread| thread.join().unwrap()).sum()
    });
    trial.check(ops)
}
