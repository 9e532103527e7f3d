//! Who is inside a critical section, checked where a data-race detector cannot look.

use crate::sync::{yield_now, AtomicUsize, Ordering::SeqCst};

/// Counts who is inside a critical section and panics on an overlap the primitive should have
/// prevented. Each entry is an atomic followed by a yield, so a scheduler may run another thread
/// while this one is inside (shuttle does not switch at plain memory accesses, so without them two
/// threads could never be seen inside at once).
///
/// Under loom the models check exclusion by loom's data-race detection on
/// [`crate::sync::UnsafeCell`] instead, and these counters would only multiply the interleavings
/// to explore, so there an `Occupancy` runs the work and counts nothing.
#[derive(Default)]
pub struct Occupancy {
    readers: AtomicUsize,
    writers: AtomicUsize,
}

impl Occupancy {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `work` as the only thread inside.
    pub fn exclusive<R>(&self, work: impl FnOnce() -> R) -> R {
        if cfg!(loom) {
            return work();
        }
        assert_eq!(self.writers.fetch_add(1, SeqCst), 0, "two threads inside the critical section");
        assert_eq!(self.readers.load(SeqCst), 0, "a writer overlapped a reader");
        yield_now();
        let result = work();
        self.writers.fetch_sub(1, SeqCst);
        result
    }

    /// Runs `work` as one of any number of readers, with no writer inside.
    pub fn shared<R>(&self, work: impl FnOnce() -> R) -> R {
        if cfg!(loom) {
            return work();
        }
        self.readers.fetch_add(1, SeqCst);
        assert_eq!(self.writers.load(SeqCst), 0, "a reader overlapped a writer");
        yield_now();
        let result = work();
        self.readers.fetch_sub(1, SeqCst);
        result
    }

    /// Runs `work` as one of at most `limit` threads inside.
    pub fn at_most<R>(&self, limit: usize, work: impl FnOnce() -> R) -> R {
        if cfg!(loom) {
            return work();
        }
        let inside = self.readers.fetch_add(1, SeqCst) + 1;
        assert!(inside <= limit, "{inside} threads inside, at most {limit} allowed");
        yield_now();
        let result = work();
        self.readers.fetch_sub(1, SeqCst);
        result
    }
}
