//! Placement tests: each strategy sends jobs where its table row says.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use super::*;

/// Spins (yielding) until `done` holds; fails the test after 10 s rather than hanging it.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::yield_now();
    }
}

/// Occupies every worker of `pool` with a job that waits for the returned gate to open.
fn block_every_worker<S: Strategy>(pool: &DispatchPool<S>, threads: usize) -> Arc<AtomicBool> {
    let gate = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicUsize::new(0));
    for _ in 0..threads {
        let (gate, started) = (gate.clone(), started.clone());
        pool.execute(Box::new(move || {
            started.fetch_add(1, Ordering::SeqCst);
            wait_for("the gate", || gate.load(Ordering::SeqCst));
        }));
    }
    wait_for("every worker to hold a blocker", || started.load(Ordering::SeqCst) == threads);
    gate
}

/// With every worker busy, 30 jobs over 3 workers queue as 10 each.
fn spreads_evenly<S: Strategy>() {
    let pool = DispatchPool::<S>::new(3);
    let gate = block_every_worker(&pool, 3);
    (0..30).for_each(|_| pool.execute(Box::new(|| {})));
    assert_eq!(pool.queue_lengths(), [10, 10, 10], "{}", S::DISPATCH.name());
    gate.store(true, Ordering::SeqCst);
    pool.shutdown();
}

#[test]
fn round_robin_and_least_loaded_spread_evenly() {
    spreads_evenly::<RoundRobin>();
    spreads_evenly::<LeastLoaded>();
}

#[test]
fn least_loaded_avoids_the_long_queue() {
    let pool = DispatchPool::<LeastLoaded>::new(2);
    let gate = block_every_worker(&pool, 2);
    (0..5).for_each(|key| pool.execute_keyed(key, Box::new(|| {})));
    let lengths = pool.queue_lengths();
    assert!(lengths.iter().max().unwrap() - lengths.iter().min().unwrap() <= 1, "{lengths:?}");
    gate.store(true, Ordering::SeqCst);
    pool.shutdown();
}

/// Per key: the thread and sequence number of each run of its jobs.
type RunsPerKey = Vec<Mutex<Vec<(ThreadId, u32)>>>;

#[test]
fn key_hash_runs_each_key_in_order_on_one_thread() {
    let pool = DispatchPool::<KeyHash>::new(3);
    let runs: Arc<RunsPerKey> = Arc::new((0..8).map(|_| Mutex::new(Vec::new())).collect());
    for seq in 0..200 {
        for key in 0..8u64 {
            let runs = runs.clone();
            pool.execute_keyed(
                key,
                Box::new(move || {
                    runs[key as usize].lock().unwrap().push((std::thread::current().id(), seq));
                }),
            );
        }
    }
    pool.wait_idle();
    for (key, runs) in runs.iter().enumerate() {
        let runs = runs.lock().unwrap();
        assert!(runs.iter().map(|&(_, seq)| seq).eq(0..200), "key {key} ran out of order");
        assert!(runs.iter().all(|&(thread, _)| thread == runs[0].0), "key {key} moved worker");
    }
    pool.shutdown();
}

#[test]
fn work_stealing_takes_jobs_from_a_blocked_worker() {
    // Worker A blocks until 20 other jobs have run. Whatever A took into its own deque with its
    // batch from the injector, the other worker must steal, or this never finishes.
    for _ in 0..20 {
        let pool = DispatchPool::<WorkStealing>::new(2);
        let done = Arc::new(AtomicUsize::new(0));
        let waiter = done.clone();
        pool.execute(Box::new(move || {
            wait_for("the stolen jobs", || waiter.load(Ordering::SeqCst) == 20)
        }));
        for _ in 0..20 {
            let done = done.clone();
            pool.execute(Box::new(move || {
                done.fetch_add(1, Ordering::SeqCst);
            }));
        }
        pool.wait_idle();
        assert_eq!(done.load(Ordering::SeqCst), 20);
        pool.shutdown();
    }
}

#[test]
fn names_are_distinct_kebab_case() {
    let names: Vec<_> = Dispatch::ALL.iter().map(|d| d.name()).collect();
    assert!(names.iter().all(|n| n.starts_with("dispatch-") && !n.contains(['_', ' '])));
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    assert_eq!(SharedQueue::DISPATCH, Dispatch::ALL[0]);
}
