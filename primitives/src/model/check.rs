//! How a model is explored: by loom, by shuttle, or (without either) on real threads.

/// Loom's preemption bound when `LOOM_MAX_PREEMPTIONS` is not set: spin loops make the search
/// grow without bound otherwise.
#[cfg(loom)]
const DEFAULT_PREEMPTIONS: usize = 2;
/// Schedules per shuttle scheduler (random, then PCT).
#[cfg(shuttle)]
pub const SHUTTLE_SCHEDULES: usize = 10_000;
/// PCT's bug depth: the number of priority changes per schedule (shuttle's examples use 2–3).
#[cfg(shuttle)]
const PCT_DEPTH: usize = 3;
/// Fixed, so that a broken primitive is caught on every run, not on most.
#[cfg(shuttle)]
const SHUTTLE_SEED: u64 = 0x5eed_ba11;
/// Runs of a model on real threads, where no checker steers the schedule.
#[cfg(not(any(loom, shuttle)))]
const REAL_RUNS: usize = 100;

/// Runs `model` under this build's checker (see the [module docs](super)); panics on the first
/// schedule in which it panics.
pub fn check(model: impl Fn() + Send + Sync + 'static) {
    explore(None, model);
}

/// [`check`] with loom's preemption bound at most `preemptions`: models of three threads finish
/// in reasonable time only with 1 (loom issue 53). Shuttle and real threads ignore it.
pub fn check_bounded(preemptions: usize, model: impl Fn() + Send + Sync + 'static) {
    explore(Some(preemptions), model);
}

/// Loom: every interleaving within the bound.
#[cfg(loom)]
fn explore(preemptions: Option<usize>, model: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    let configured = builder.preemption_bound.unwrap_or(DEFAULT_PREEMPTIONS);
    builder.preemption_bound = Some(preemptions.map_or(configured, |p| p.min(configured)));
    builder.check(model);
}

/// Shuttle: [`SHUTTLE_SCHEDULES`] random schedules, then as many PCT schedules (which give each
/// thread a priority and switch them at a few random points: good at bugs that need a thread to
/// be pre-empted at one precise step).
#[cfg(shuttle)]
fn explore(_preemptions: Option<usize>, model: impl Fn() + Send + Sync + 'static) {
    use shuttle::scheduler::{PctScheduler, RandomScheduler};
    use shuttle::{Config, Runner};
    use std::sync::Arc;

    let model = Arc::new(model);
    let random = model.clone();
    let scheduler = RandomScheduler::new_from_seed(SHUTTLE_SEED, SHUTTLE_SCHEDULES);
    let ran = Runner::new(scheduler, Config::new()).run(move || random());
    assert_eq!(ran, SHUTTLE_SCHEDULES, "random schedules run");
    let scheduler = PctScheduler::new_from_seed(SHUTTLE_SEED, PCT_DEPTH, SHUTTLE_SCHEDULES);
    let ran = Runner::new(scheduler, Config::new()).run(move || model());
    assert_eq!(ran, SHUTTLE_SCHEDULES, "PCT schedules run");
}

#[cfg(not(any(loom, shuttle)))]
fn explore(_preemptions: Option<usize>, model: impl Fn() + Send + Sync + 'static) {
    (0..REAL_RUNS).for_each(|_| model());
}
