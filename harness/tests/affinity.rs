//! `--cores` and `--pin` as the kernel sees them: worker threads read their own affinity
//! (`sched_getaffinity`) and the CPU they are on (`sched_getcpu`) while the trial runs.
//!
//! Restricting the process changes every thread of this test binary, so the tests hold one
//! lock and restore the affinity before they assert.

#![cfg(target_os = "linux")]

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use harness::affinity::{self, Pin, Placement};
use harness::runner::{measure, measure_pinned, Stop, Timing};
use workloads::{Check, Role, Trial, Worker};

static PROCESS_AFFINITY: Mutex<()> = Mutex::new(());

fn exclusive() -> MutexGuard<'static, ()> {
    PROCESS_AFFINITY.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the kernel told each worker, by worker index: its allowed CPUs and the CPUs it ran on.
#[derive(Default)]
struct Observed {
    masks: Mutex<Vec<(usize, Vec<usize>)>>,
    ran_on: Mutex<BTreeSet<(usize, usize)>>,
}

struct Observer<'a> {
    observed: &'a Observed,
    index: usize,
}

impl Trial for Observed {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(Observer { observed: self, index })
    }

    fn check(&self, _ops: u64) -> Check {
        Check::Held("observed".into())
    }
}

impl Worker for Observer<'_> {
    fn run(&mut self, n: u64) -> u64 {
        let mask = affinity::thread_cpus().expect("sched_getaffinity");
        let cpu = affinity::current_cpu().expect("sched_getcpu");
        let mut masks = self.observed.masks.lock().unwrap();
        if !masks.iter().any(|(i, m)| *i == self.index && *m == mask) {
            masks.push((self.index, mask));
        }
        drop(masks);
        self.observed.ran_on.lock().unwrap().insert((self.index, cpu));
        // Some work between two looks, so the scheduler has the chance to move the thread.
        for _ in 0..2_000 {
            std::hint::spin_loop();
        }
        n
    }

    fn role(&self) -> Role {
        Role::Main
    }
}

fn short() -> Timing {
    Timing { stop: Stop::After(Duration::from_millis(60)), warmup: Duration::from_millis(10) }
}

/// The process's CPUs and the placement of `cores` (0: all) pinned by `pin`, with the lock held;
/// `None` (and a note) where only one CPU is allowed: nothing to restrict.
fn placed(cores: usize, pin: Pin) -> Option<(MutexGuard<'static, ()>, Vec<usize>, Placement)> {
    let lock = exclusive();
    let allowed = affinity::allowed_cpus();
    if allowed.len() < 2 {
        eprintln!("only CPU {allowed:?} allowed: nothing to restrict, test skipped");
        return None;
    }
    let placement = Placement::new(&harness::topology::detect().cpus, &allowed, cores, pin);
    Some((lock, allowed, placement))
}

#[test]
fn with_one_core_every_worker_runs_on_that_one_cpu() {
    let Some((_lock, allowed, placement)) = placed(1, Pin::None) else { return };
    assert_eq!(placement.cpus.len(), 1);

    affinity::restrict_process(&placement.cpus).unwrap();
    let observed = std::sync::Arc::new(Observed::default());
    let measurement = measure(observed.clone() as std::sync::Arc<dyn Trial>, 4, short());
    affinity::restrict_process(&allowed).unwrap();

    assert!(matches!(measurement.check, Check::Held(_)), "{:?}", measurement.check);
    let masks = observed.masks.lock().unwrap();
    let workers: BTreeSet<usize> = masks.iter().map(|(i, _)| *i).collect();
    assert_eq!(workers, (0..4).collect(), "every worker looked");
    for (index, mask) in masks.iter() {
        assert_eq!(mask, &placement.cpus, "worker {index} was allowed {mask:?}");
    }
    let ran_on: BTreeSet<usize> = observed.ran_on.lock().unwrap().iter().map(|(_, c)| *c).collect();
    assert_eq!(ran_on, placement.cpus.iter().copied().collect(), "the workers ran on {ran_on:?}");
    assert_eq!(affinity::thread_cpus().unwrap(), allowed, "the restriction is undone");
}

#[test]
fn pinned_workers_each_hold_one_cpu_in_the_pinning_order() {
    let Some((_lock, allowed, placement)) = placed(0, Pin::Spread) else { return };
    let threads = placement.pins.len() + 1;

    let observed = std::sync::Arc::new(Observed::default());
    let trial = observed.clone() as std::sync::Arc<dyn Trial>;
    let measurement = measure_pinned(trial, threads, short(), &placement.pins);

    assert!(matches!(measurement.check, Check::Held(_)), "{:?}", measurement.check);
    for (index, mask) in observed.masks.lock().unwrap().iter() {
        let pinned = placement.pins[index % placement.pins.len()];
        assert_eq!(mask, &vec![pinned], "worker {index}");
    }
    for (index, cpu) in observed.ran_on.lock().unwrap().iter() {
        assert_eq!(*cpu, placement.pins[index % placement.pins.len()], "worker {index}");
    }
    assert_eq!(affinity::thread_cpus().unwrap(), allowed, "pinning a worker leaves the rest");
}
