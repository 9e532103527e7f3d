//! The model of a shared counter: no increment is lost.

use super::check::check;
use crate::counters::Counter;
use crate::sync::{thread, yield_now, Arc};

/// Two threads increment a counter built by `new` twice each, yielding inside each increment's
/// critical section (so a scheduler can switch between a racy load and its store); the value is
/// then 4.
pub fn counter<C: Counter + 'static>(new: fn() -> C) {
    check(move || {
        let shared = Arc::new(new());
        let increment_twice = |counter: &C| {
            for _ in 0..2 {
                counter.increment(yield_now);
            }
        };
        let other = thread::spawn({
            let shared = shared.clone();
            move || increment_twice(&shared)
        });
        increment_twice(&shared);
        other.join().unwrap();
        assert_eq!(shared.value(), 4, "an increment lost");
    });
}
