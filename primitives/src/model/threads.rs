//! Spawning a model's threads.

use crate::sync::{thread, Arc};

/// Spawns `threads` threads running `work(index)` and joins them, propagating a panic; returns
/// their results in index order.
pub fn on_threads<T: Send + 'static>(
    threads: usize,
    work: impl Fn(usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let work = Arc::new(work);
    let handles: Vec<_> = (0..threads)
        .map(|index| {
            let work = work.clone();
            thread::spawn(move || work(index))
        })
        .collect();
    handles.into_iter().map(|handle| handle.join().unwrap()).collect()
}
