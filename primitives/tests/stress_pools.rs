//! Stress tests of every executor, hand-rolled and library, on real threads: every job runs
//! exactly once (a per-job flag that must flip exactly once), shutdown under load loses no job
//! (finishing runs them all; cancelling reports the rest), a panicking job is counted and leaves
//! every worker alive, and after shutdown no thread the executor started is still alive (a
//! thread-local guard, registered by the first job a thread runs, counts live threads down as it
//! is dropped at thread exit — before `join` returns).
#![cfg(not(loom))]

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use primitives::adapters::executors::{
    ChannelPool, RayonGlobal, RayonPool, RayonScope, ThreadPerTask,
};
use primitives::dispatch::{
    DispatchPool, KeyHash, LeastLoaded, RoundRobin, SharedQueue, Strategy, WorkStealing,
};
use primitives::executor::{Executor, Job};
use primitives::thread_pool::{JoinError, Shutdown, ThreadPool};

/// More workers than the 2 cores of the test machines.
const THREADS: usize = 3;
/// Jobs per run; debug builds are about 10x slower.
const JOBS: usize = if cfg!(debug_assertions) { 20_000 } else { 100_000 };
/// Thread-per-task pays about 47 µs per job.
const THREAD_PER_TASK_JOBS: usize = 500;

/// One flag per job; running a job twice, or not at all, fails the check.
struct Flags(Vec<AtomicBool>);

impl Flags {
    fn new(jobs: usize) -> Arc<Self> {
        Arc::new(Self((0..jobs).map(|_| AtomicBool::new(false)).collect()))
    }

    fn job(self: &Arc<Self>, index: usize, live: &Arc<AtomicUsize>) -> Job {
        let (flags, live) = (self.clone(), live.clone());
        Box::new(move || {
            register_thread(&live);
            assert!(!flags.0[index].swap(true, Ordering::Relaxed), "job {index} ran twice");
            (0..50).for_each(|_| std::hint::spin_loop()); // a little work, so queues fill
        })
    }

    fn ran(&self) -> usize {
        self.0.iter().filter(|flag| flag.load(Ordering::Relaxed)).count()
    }
}

/// Decrements the live-thread count when its thread exits.
struct LiveThread(Arc<AtomicUsize>);

impl Drop for LiveThread {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

thread_local! {
    static LIVE: RefCell<Option<LiveThread>> = const { RefCell::new(None) };
}

/// Counts the current thread in `live` until it exits (once per thread).
fn register_thread(live: &Arc<AtomicUsize>) {
    LIVE.with(|slot| {
        slot.borrow_mut().get_or_insert_with(|| {
            live.fetch_add(1, Ordering::SeqCst);
            LiveThread(live.clone())
        });
    });
}

/// Submits `jobs` jobs from two threads (singly, keyed, and in batches) and checks that each ran
/// exactly once; then shuts down and checks that no executor thread is left.
fn exactly_once<E: Executor>(jobs: usize, joins_threads: bool) {
    let executor = E::with_threads(THREADS);
    let (flags, live) = (Flags::new(jobs), Arc::new(AtomicUsize::new(0)));
    std::thread::scope(|s| {
        let (executor, flags, live) = (&executor, &flags, &live);
        s.spawn(move || (0..jobs / 2).for_each(|i| executor.execute(flags.job(i, live))));
        s.spawn(move || {
            let half: Vec<usize> = (jobs / 2..jobs).collect();
            for chunk in half.chunks(64) {
                let (keyed, batched) = chunk.split_at(chunk.len() / 2);
                for &i in keyed {
                    executor.execute_keyed(i as u64 % 7, flags.job(i, live));
                }
                executor.execute_batch(batched.iter().map(|&i| flags.job(i, live)));
            }
        });
    });
    executor.wait_idle();
    assert_eq!(flags.ran(), jobs, "wait_idle returned before every job ran");
    assert_eq!(executor.panicked_jobs(), 0);
    executor.shutdown();
    if joins_threads {
        assert_eq!(live.load(Ordering::SeqCst), 0, "a thread outlived shutdown");
    }
}

/// Shutdown right after submitting, with a panicking job among the others: no job is lost.
fn finish_under_load<E: Executor>(jobs: usize, joins_threads: bool) {
    let executor = E::with_threads(THREADS);
    let (flags, live) = (Flags::new(jobs), Arc::new(AtomicUsize::new(0)));
    for i in 0..jobs {
        executor.execute(flags.job(i, &live));
        if i == jobs / 2 {
            executor.execute(Box::new(|| panic!("a job panics (expected by the test)")));
        }
    }
    let panicked = {
        executor.wait_idle(); // the panic count is exact once the jobs are done
        executor.panicked_jobs()
    };
    executor.shutdown();
    assert_eq!(flags.ran(), jobs, "shutdown lost jobs");
    assert_eq!(panicked, 1, "the panicking job went unreported");
    if joins_threads {
        assert_eq!(live.load(Ordering::SeqCst), 0, "a thread outlived shutdown");
    }
}

/// Finishing shutdown straight after submitting (no `wait_idle`) still runs every job.
fn finish_without_waiting<E: Executor>(jobs: usize) {
    let executor = E::with_threads(THREADS);
    let (flags, live) = (Flags::new(jobs), Arc::new(AtomicUsize::new(0)));
    (0..jobs).for_each(|i| executor.execute(flags.job(i, &live)));
    executor.shutdown();
    assert_eq!(flags.ran(), jobs, "shutdown lost jobs");
}

/// After a panic, every worker still runs jobs: jobs that sleep a little spread over all of them.
fn survives_panics<E: Executor>() {
    let executor = E::with_threads(THREADS);
    for _ in 0..THREADS * 2 {
        executor.execute(Box::new(|| panic!("a job panics (expected by the test)")));
    }
    executor.wait_idle();
    assert_eq!(executor.panicked_jobs(), THREADS * 2);
    let seen = Arc::new(Mutex::new(HashSet::new()));
    for _ in 0..THREADS * 10 {
        let seen = seen.clone();
        executor.execute(Box::new(move || {
            seen.lock().unwrap().insert(std::thread::current().id());
            std::thread::sleep(Duration::from_millis(2));
        }));
    }
    executor.wait_idle();
    assert_eq!(seen.lock().unwrap().len(), THREADS, "a worker died or never ran a job");
    executor.shutdown();
}

/// Cancelling shutdown under load: jobs run plus jobs reported cancelled equals jobs submitted.
fn cancel_accounts_for_every_job(stop: impl FnOnce(Arc<Flags>, Arc<AtomicUsize>) -> usize) {
    let (flags, live) = (Flags::new(JOBS), Arc::new(AtomicUsize::new(0)));
    let cancelled = stop(flags.clone(), live.clone());
    assert_eq!(flags.ran() + cancelled, JOBS, "a job was neither run nor reported cancelled");
    assert_eq!(live.load(Ordering::SeqCst), 0, "a thread outlived shutdown");
}

fn cancel_dispatch<S: Strategy>() {
    cancel_accounts_for_every_job(|flags, live| {
        let pool = DispatchPool::<S>::new(THREADS);
        (0..JOBS).for_each(|i| pool.execute_keyed(i as u64, flags.job(i, &live)));
        pool.shutdown_with(Shutdown::Cancel)
    });
}

macro_rules! executor_tests {
    ($(
        $module:ident: $executor:ty, jobs = $jobs:expr, joins = $joins:expr $(, $survive:ident)?;
    )*) => {$(
        mod $module {
            use super::*;

            #[test]
            fn every_job_runs_exactly_once() {
                exactly_once::<$executor>($jobs, $joins);
            }

            #[test]
            fn shutdown_under_load_with_a_panic_loses_nothing() {
                finish_under_load::<$executor>($jobs, $joins);
                finish_without_waiting::<$executor>($jobs);
            }

            $(
                #[test]
                fn $survive() {
                    super::$survive::<$executor>();
                }
            )?
        }
    )*};
}

executor_tests! {
    thread_pool: ThreadPool, jobs = JOBS, joins = true, survives_panics;
    dispatch_shared: DispatchPool<SharedQueue>, jobs = JOBS, joins = true, survives_panics;
    dispatch_round_robin: DispatchPool<RoundRobin>, jobs = JOBS, joins = true, survives_panics;
    dispatch_key_hash: DispatchPool<KeyHash>, jobs = JOBS, joins = true, survives_panics;
    dispatch_least_loaded: DispatchPool<LeastLoaded>, jobs = JOBS, joins = true, survives_panics;
    dispatch_work_stealing: DispatchPool<WorkStealing>, jobs = JOBS, joins = true, survives_panics;
    rayon_pool: RayonPool, jobs = JOBS, joins = true, survives_panics;
    rayon_scope: RayonScope, jobs = JOBS, joins = true, survives_panics;
    channel_pool: ChannelPool, jobs = JOBS, joins = true, survives_panics;
    // The global pool's threads live as long as the process, and its size is whoever set it first.
    rayon_global: RayonGlobal, jobs = JOBS, joins = false;
    // Every job has its own thread, so there is no worker to survive.
    thread_per_task: ThreadPerTask, jobs = THREAD_PER_TASK_JOBS, joins = true;
}

#[test]
fn thread_pool_cancel_accounts_for_every_job() {
    cancel_accounts_for_every_job(|flags, live| {
        let pool = ThreadPool::new(THREADS);
        (0..JOBS).for_each(|i| pool.execute(flags.job(i, &live)));
        pool.shutdown_with(Shutdown::Cancel)
    });
}

#[test]
fn dispatch_cancel_accounts_for_every_job() {
    cancel_dispatch::<SharedQueue>();
    cancel_dispatch::<RoundRobin>();
    cancel_dispatch::<KeyHash>();
    cancel_dispatch::<LeastLoaded>();
    cancel_dispatch::<WorkStealing>();
}

/// One spawned job in 10 000 panics: its handle says so, every other handle has its value.
#[test]
fn thread_pool_join_handles_report_the_panic() {
    let pool = ThreadPool::new(THREADS);
    let handles: Vec<_> = (0..10_000usize)
        .map(|i| {
            pool.spawn(move || {
                assert_ne!(i, 4_321, "job 4321 panics (expected by the test)");
                i
            })
        })
        .collect();
    let mut failed = Vec::new();
    for (i, handle) in handles.into_iter().enumerate() {
        match handle.join() {
            Ok(value) => assert_eq!(value, i),
            Err(JoinError::Panicked(_)) => failed.push(i),
            Err(JoinError::Cancelled) => panic!("nothing was cancelled"),
        }
    }
    assert_eq!(failed, [4_321]);
    assert_eq!(pool.panicked_jobs(), 1);
    assert_eq!(pool.shutdown_now(), 0);
}

/// The hand-rolled pool shut down under load, with a panicking job queued among the others: every
/// worker is first held at a barrier inside a job (so each one is counted as a live thread), then
/// the queue fills and a finishing shutdown starts at once. No job is lost, the panic reaches its
/// join handle, and every worker thread has exited when `shutdown_with` returns.
#[test]
fn thread_pool_shutdown_under_load_with_a_panic_loses_nothing_and_leaves_no_thread() {
    let pool = ThreadPool::new(THREADS);
    let (flags, live) = (Flags::new(JOBS), Arc::new(AtomicUsize::new(0)));
    let gate = Arc::new(std::sync::Barrier::new(THREADS + 1));
    for _ in 0..THREADS {
        let (gate, live) = (gate.clone(), live.clone());
        pool.execute(Box::new(move || {
            register_thread(&live);
            gate.wait();
        }));
    }
    gate.wait(); // every worker is now inside a job, registered
    assert_eq!(live.load(Ordering::SeqCst), THREADS);
    let mut panicking = None;
    for i in 0..JOBS {
        pool.execute(flags.job(i, &live));
        if i == JOBS / 2 {
            panicking = Some(pool.spawn(|| panic!("a job panics (expected by the test)")));
        }
    }
    assert_eq!(pool.shutdown_with(Shutdown::Finish), 0, "a finishing shutdown cancels nothing");
    assert_eq!(flags.ran(), JOBS, "shutdown lost jobs");
    assert!(matches!(panicking.unwrap().join(), Err(JoinError::Panicked(_))));
    assert_eq!(live.load(Ordering::SeqCst), 0, "a worker thread outlived shutdown");
}

/// Holds every worker inside a job at a gate while 200 sleeping jobs queue up behind, then opens
/// the gate and shuts down at once: the queue is full when the workers learn of the shutdown, so
/// a pool that stops there loses nearly all of it. (Sleeping jobs make that certain without
/// asserting any timing: a worker that takes one more job before seeing the shutdown flag is
/// busy for a millisecond, while the flag is set microseconds after the gate opens.)
fn shutdown_runs_queued_sleepers<E: Executor>() {
    const SLEEPERS: usize = 200;
    let executor = E::with_threads(THREADS);
    let gate = Arc::new(std::sync::Barrier::new(THREADS + 1));
    for _ in 0..THREADS {
        let gate = gate.clone();
        executor.execute(Box::new(move || {
            gate.wait();
        }));
    }
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..SLEEPERS {
        let ran = ran.clone();
        executor.execute(Box::new(move || {
            std::thread::sleep(Duration::from_millis(1));
            ran.fetch_add(1, Ordering::Relaxed);
        }));
    }
    gate.wait(); // every worker holds a gate job, so all the sleepers are still queued
    executor.shutdown();
    assert_eq!(ran.load(Ordering::Relaxed), SLEEPERS, "shutdown lost jobs");
}

#[test]
fn thread_pool_shutdown_runs_queued_sleepers() {
    shutdown_runs_queued_sleepers::<ThreadPool>();
}

/// Broken: a pool whose workers look at the shutdown flag before the queue, so a finishing
/// shutdown drops every job still queued.
struct ClosedFirstPool {
    shared: Arc<ClosedFirstShared>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

struct ClosedFirstShared {
    /// The queued jobs, and whether the pool is shutting down.
    state: Mutex<(std::collections::VecDeque<Job>, bool)>,
    work: std::sync::Condvar,
    tracker: primitives::JobTracker,
}

impl Executor for ClosedFirstPool {
    fn with_threads(threads: usize) -> Self {
        let shared = Arc::new(ClosedFirstShared {
            state: Mutex::new((Default::default(), false)),
            work: std::sync::Condvar::new(),
            tracker: primitives::JobTracker::new(),
        });
        let workers = (0..threads)
            .map(|_| {
                let shared = shared.clone();
                std::thread::spawn(move || loop {
                    let mut state = shared.state.lock().unwrap();
                    let job = loop {
                        if state.1 {
                            return; // the bug: drain the queue first
                        }
                        if let Some(job) = state.0.pop_front() {
                            break job;
                        }
                        state = shared.work.wait(state).unwrap();
                    };
                    drop(state);
                    shared.tracker.run(job);
                })
            })
            .collect();
        Self { shared, workers }
    }

    fn execute(&self, job: Job) {
        self.shared.tracker.submitted(1);
        self.shared.state.lock().unwrap().0.push_back(job);
        self.shared.work.notify_one();
    }

    fn wait_idle(&self) {
        self.shared.tracker.wait_idle();
    }

    fn panicked_jobs(&self) -> usize {
        self.shared.tracker.panicked()
    }

    fn shutdown(self) {
        self.shared.state.lock().unwrap().1 = true;
        self.shared.work.notify_all();
        self.workers.into_iter().for_each(|worker| worker.join().unwrap());
    }
}

#[test]
#[should_panic(expected = "shutdown lost jobs")]
fn shutdown_check_catches_a_pool_that_drops_queued_jobs() {
    shutdown_runs_queued_sleepers::<ClosedFirstPool>();
}
