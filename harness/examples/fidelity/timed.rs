//! What every bare loop shares: threads pinned like the suite's workers, released together, and
//! the time from the release to the last thread's end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::Instant;

use harness::affinity::pin_current_thread;

/// Whether both sides pin their threads (the default); `--unpinned` leaves them to the scheduler,
/// to see how much of a gap pinning makes.
pub static PIN: AtomicBool = AtomicBool::new(true);

/// Whether threads are pinned this run.
pub fn pinning() -> bool {
    PIN.load(Ordering::Relaxed)
}

/// Runs `body(i)` on `threads` threads, thread `i` on `cpus[i % cpus.len()]`, released together;
/// returns the nanoseconds from the release to the last thread's end and the bodies' results.
pub fn on_threads<R: Send>(
    threads: usize,
    cpus: &[usize],
    body: impl Fn(usize) -> R + Sync,
) -> (f64, Vec<R>) {
    let start = Barrier::new(threads + 1);
    let released = Mutex::new(None::<Instant>);
    let results: Vec<(R, Instant)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|index| {
                let (start, body, cpu) = (&start, &body, cpus[index % cpus.len()]);
                scope.spawn(move || {
                    if pinning() {
                        let _ = pin_current_thread(&[cpu]);
                    }
                    start.wait();
                    let result = body(index);
                    (result, Instant::now())
                })
            })
            .collect();
        start.wait();
        *released.lock().unwrap() = Some(Instant::now());
        handles.into_iter().map(|h| h.join().expect("a bare thread")).collect()
    });
    let released = released.into_inner().unwrap().expect("released");
    let last = results.iter().map(|(_, end)| *end).max().expect("a thread");
    let elapsed = last.saturating_duration_since(released).as_nanos() as f64;
    (elapsed, results.into_iter().map(|(r, _)| r).collect())
}
