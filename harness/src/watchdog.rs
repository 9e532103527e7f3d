//! The runner's watchdog: notices when a trial's workers stop making progress, and tells a
//! deadlock (threads blocked, their CPU clocks still) from a livelock (threads busy, nothing done).
//!
//! Why progress is counted per batch, by the runner: a deadlocked worker never returns from
//! `Worker::run`, so only what it published before it got stuck is visible. The runner already
//! times every worker in batches of a few microseconds, so one relaxed store per completed batch
//! into the thread's own cache line ([`ThreadProgress`]) shows progress within microseconds, costs
//! nothing measurable, and needs no change to any workload: a workload whose operations can block
//! for good simply has operations that do not complete. The watchdog reads the sum of all
//! counters; only when *no* thread has advanced for the watchdog period does it report a stall, so
//! a thread starved by an unfair lock (whose neighbours advance) is starvation, not a stall.
//!
//! Threads stuck for good cannot be joined: the runner abandons them (they stay parked or spinning
//! until the process exits) and records the stall as the row's finding.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use crate::runner::phase::Phase;

/// The watchdog period of `syncbench run` and of [`crate::runner::measure`]: short, since every
/// deadlock demonstration costs one period, and far above one operation of most workloads; a
/// trial whose operations can take longer (a batch of sleeping tasks) says so through
/// `Trial::slowest_op`, and the runner waits at least twice that.
pub const DEFAULT_WATCHDOG: Duration = Duration::from_millis(400);

/// Below this many CPU-seconds per second (summed over the stuck threads) the threads are taken
/// to be blocked: parked threads use next to none (measured: under 0.1%), spinning ones on a
/// loaded machine still several percent. A runnable thread that gets no CPU at all (a machine
/// overloaded for the whole period) would look blocked too.
const BUSY_CORES: f64 = 0.005;

/// What one worker thread publishes for the watchdog, on a cache line of its own.
#[derive(Debug, Default)]
pub struct ThreadProgress {
    /// Operations completed so far, warm-up included; stored after every batch.
    ops: AtomicU64,
    /// `ops` when the measured phase began, or `u64::MAX` before.
    measured_from: AtomicU64,
    /// Whether the thread has left its worker for good (returned or panicked).
    exited: AtomicBool,
    /// Whether the worker is a side worker (its ops are not the workload's unit).
    side: AtomicBool,
    /// The thread's CPU-time clock, once the thread has started.
    cpu_clock: OnceLock<CpuClock>,
}

impl ThreadProgress {
    /// Called on the worker's own thread before it starts.
    pub fn started(&self, side: bool) {
        self.side.store(side, Ordering::Relaxed);
        self.measured_from.store(u64::MAX, Ordering::Relaxed);
        if let Some(clock) = CpuClock::of_current_thread() {
            let _ = self.cpu_clock.set(clock);
        }
    }

    /// Publishes the thread's running total of completed operations.
    #[inline]
    pub fn publish(&self, ops: u64) {
        self.ops.store(ops, Ordering::Relaxed);
    }

    /// Marks the start of the measured phase.
    pub fn measuring(&self) {
        self.measured_from.store(self.ops.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// Marks the thread as gone (also on a panic, through [`ExitGuard`]).
    pub fn exited(&self) {
        self.exited.store(true, Ordering::Release);
    }

    pub fn has_exited(&self) -> bool {
        self.exited.load(Ordering::Acquire)
    }

    pub fn is_side(&self) -> bool {
        self.side.load(Ordering::Relaxed)
    }

    /// Operations completed in the measured phase so far (0 if it never began).
    pub fn measured_ops(&self) -> u64 {
        let from = self.measured_from.load(Ordering::Relaxed);
        self.ops.load(Ordering::Relaxed).saturating_sub(from)
    }

    fn cpu_time(&self) -> Option<Duration> {
        self.cpu_clock.get().and_then(CpuClock::read)
    }
}

/// Marks its thread as exited when dropped, so a panicking worker counts as gone.
pub struct ExitGuard<'a>(pub &'a ThreadProgress);

impl Drop for ExitGuard<'_> {
    fn drop(&mut self) {
        self.0.exited();
    }
}

/// Every worker thread's [`ThreadProgress`].
#[derive(Debug)]
pub struct ProgressBoard {
    threads: Vec<CachePadded<ThreadProgress>>,
}

impl ProgressBoard {
    pub fn new(threads: usize) -> Self {
        Self { threads: (0..threads).map(|_| CachePadded::default()).collect() }
    }

    pub fn thread(&self, index: usize) -> &ThreadProgress {
        &self.threads[index]
    }

    pub fn len(&self) -> usize {
        self.threads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }

    /// A number that grows whenever any thread completes an operation or exits.
    fn total(&self) -> u64 {
        self.threads.iter().map(|t| t.ops.load(Ordering::Relaxed) + u64::from(t.has_exited())).sum()
    }

    /// Threads still inside their worker.
    fn running(&self) -> Vec<usize> {
        (0..self.threads.len()).filter(|&i| !self.threads[i].has_exited()).collect()
    }

    fn cpu_times(&self, threads: &[usize]) -> Vec<Option<Duration>> {
        threads.iter().map(|&i| self.threads[i].cpu_time()).collect()
    }
}

/// How the stuck threads spent the stall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StallKind {
    /// No progress, threads blocked: their CPU clocks barely moved.
    Deadlock,
    /// No progress, threads busy: they burned CPU all along.
    Livelock,
    /// No progress; this platform gives no per-thread CPU time to tell which.
    Unknown,
    /// A call the runner bounds (the trial's stop, check or drop) did not return.
    Stuck,
}

/// The workers stopped making progress.
#[derive(Debug, Clone)]
pub struct Stall {
    pub kind: StallKind,
    /// When the last progress was seen.
    pub since: Instant,
    /// How long nothing happened before the watchdog spoke.
    pub quiet: Duration,
    /// The threads still inside their workers.
    pub stuck: Vec<usize>,
    /// CPU time the stuck threads used per second of the stall, in cores (`None` if unknown).
    pub busy_cores: Option<f64>,
}

impl Stall {
    /// One line for the invariant column: the hazard, what the threads did, and (from the
    /// workload, when it knows) what they wait for.
    pub fn describe(&self, phase: Phase, waits: Option<String>) -> String {
        let threads = self.stuck.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let quiet = humantime::format_duration(round_ms(self.quiet));
        let cpu = self.busy_cores.map_or(String::new(), |cores| {
            format!(", {:.0}% of a core between them", cores * 100.0)
        });
        let head = match self.kind {
            StallKind::Deadlock => {
                format!("deadlock: no operation completed for {quiet} in {phase}, threads {threads} blocked{cpu}")
            }
            StallKind::Livelock => format!(
                "livelock: no operation completed for {quiet} in {phase} while threads {threads} stayed busy{cpu}"
            ),
            StallKind::Unknown | StallKind::Stuck => format!(
                "stall: no operation completed for {quiet} in {phase}, threads {threads} stuck (no per-thread CPU time here to tell a deadlock from a livelock)"
            ),
        };
        match waits {
            Some(waits) => format!("{head}; {waits}"),
            None => head,
        }
    }
}

fn round_ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

/// Watches a [`ProgressBoard`]: call [`Watchdog::check`] every few milliseconds.
#[derive(Debug)]
pub struct Watchdog {
    period: Duration,
    last_total: u64,
    /// Since when nothing moved, with the running threads' CPU times then.
    quiet: Option<(Instant, Vec<usize>, Vec<Option<Duration>>)>,
}

impl Watchdog {
    pub fn new(period: Duration) -> Self {
        Self { period, last_total: u64::MAX, quiet: None }
    }

    /// No progress for this long is a stall.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// How often to call [`Watchdog::check`]: often enough to report a stall close to one period
    /// after it began, rarely enough to take nothing from the workers.
    pub fn tick(&self) -> Duration {
        (self.period / 50).clamp(Duration::from_millis(1), Duration::from_millis(10))
    }

    /// `Some` once no thread of `board` has made progress for the period while some still run.
    pub fn check(&mut self, board: &ProgressBoard) -> Option<Stall> {
        let total = board.total();
        let running = board.running();
        if total != self.last_total || running.is_empty() {
            self.last_total = total;
            self.quiet = None;
            return None;
        }
        let now = Instant::now();
        let Some((since, threads, cpu_then)) = &self.quiet else {
            let cpu = board.cpu_times(&running);
            self.quiet = Some((now, running, cpu));
            return None;
        };
        let quiet = now - *since;
        if quiet < self.period {
            return None;
        }
        let cpu_now = board.cpu_times(threads);
        let used: Option<Duration> = cpu_then
            .iter()
            .zip(&cpu_now)
            .map(|(then, now)| Some(now.as_ref()?.saturating_sub((*then)?)))
            .sum();
        let busy_cores = used.map(|used| used.as_secs_f64() / quiet.as_secs_f64());
        let kind = match busy_cores {
            None => StallKind::Unknown,
            Some(cores) if cores < BUSY_CORES => StallKind::Deadlock,
            Some(_) => StallKind::Livelock,
        };
        Some(Stall { kind, since: *since, quiet, stuck: threads.clone(), busy_cores })
    }
}

/// A thread's CPU-time clock, readable from any thread while that thread lives.
#[derive(Debug, Clone, Copy)]
struct CpuClock {
    #[cfg(target_os = "linux")]
    id: libc::clockid_t,
}

impl CpuClock {
    #[cfg(target_os = "linux")]
    fn of_current_thread() -> Option<Self> {
        let mut id: libc::clockid_t = 0;
        // SAFETY: `pthread_self` is always valid for the calling thread, and `id` is a valid
        // place for the result.
        let status = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
        (status == 0).then_some(Self { id })
    }

    #[cfg(not(target_os = "linux"))]
    fn of_current_thread() -> Option<Self> {
        None
    }

    #[cfg(target_os = "linux")]
    fn read(&self) -> Option<Duration> {
        let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `now` is a valid place for the result; a clock of a thread that has exited
        // makes the call fail (EINVAL), which is handled.
        let status = unsafe { libc::clock_gettime(self.id, &mut now) };
        (status == 0).then(|| Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
    }

    #[cfg(not(target_os = "linux"))]
    fn read(&self) -> Option<Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::{Arc, Barrier, Mutex};

    /// Runs `body` on two threads registered on a board, and watches them.
    fn watch(body: impl Fn(&ThreadProgress, &AtomicBool) + Send + Sync + 'static) -> Stall {
        let board = Arc::new(ProgressBoard::new(2));
        let release = Arc::new(AtomicBool::new(false));
        let body = Arc::new(body);
        let ready = Arc::new(Barrier::new(3));
        for index in 0..2 {
            let (board, release, body, ready) =
                (board.clone(), release.clone(), body.clone(), ready.clone());
            std::thread::spawn(move || {
                let progress = board.thread(index);
                progress.started(false);
                ready.wait();
                body(progress, &release);
                progress.exited();
            });
        }
        ready.wait();
        let mut watchdog = Watchdog::new(Duration::from_millis(150));
        let stall = loop {
            if let Some(stall) = watchdog.check(&board) {
                break stall;
            }
            std::thread::sleep(watchdog.tick());
        };
        release.store(true, Ordering::Relaxed);
        stall
    }

    #[test]
    fn blocked_threads_are_a_deadlock() {
        let lock = Arc::new(Mutex::new(()));
        let held = lock.lock().unwrap();
        let waiters = lock.clone();
        let stall = watch(move |_, _| drop(waiters.lock()));
        assert_eq!(stall.kind, StallKind::Deadlock, "{stall:?}");
        assert_eq!(stall.stuck, [0, 1]);
        drop(held);
    }

    #[test]
    fn spinning_threads_without_progress_are_a_livelock() {
        let stall = watch(|_, release| {
            while !release.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        });
        assert_eq!(stall.kind, StallKind::Livelock, "{stall:?}");
        assert!(stall.describe(Phase::Measure, Some("x".into())).starts_with("livelock: "));
    }

    #[test]
    fn progress_of_any_thread_is_not_a_stall() {
        let board = ProgressBoard::new(2);
        board.thread(0).started(false);
        board.thread(1).started(false);
        let mut watchdog = Watchdog::new(Duration::from_millis(20));
        let began = Instant::now();
        let mut ops = 0;
        while began.elapsed() < Duration::from_millis(100) {
            ops += 1;
            board.thread(0).publish(ops);
            assert!(watchdog.check(&board).is_none(), "thread 0 kept going");
            std::thread::sleep(Duration::from_millis(2));
        }
        board.thread(0).exited();
        board.thread(1).exited();
        assert!(watchdog.check(&board).is_none(), "every thread left");
    }
}
