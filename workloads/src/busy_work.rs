//! Busy work of a given length in nanoseconds, used to model the work a thread does inside and
//! outside a critical section without reading a clock (a clock read alone costs ~25 ns).

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Instant;

use crate::params::Range;

/// The range of every busy-work parameter (`hold_ns`, `think_ns`, ...), in nanoseconds: up to
/// 10 ms of work per operation, drawn by `stress` up to 10 µs so that a trial completes thousands
/// of operations.
pub const BUSY_NS: Range<u64> = Range::new(0, 10_000_000).drawn_to(10_000);

/// A calibrated spin of about `ns` nanoseconds. Zero costs a single branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyWork {
    iterations: u64,
}

impl BusyWork {
    /// Work lasting about `ns` nanoseconds on this machine, at its unloaded speed.
    pub fn from_nanos(ns: u64) -> Self {
        if ns == 0 {
            return Self { iterations: 0 };
        }
        Self { iterations: ((ns as f64) * iterations_per_ns()).round().max(1.0) as u64 }
    }

    /// Does the work.
    #[inline]
    pub fn run(self) {
        spin(self.iterations);
    }
}

/// Zero iterations touch no memory at all: a `black_box` store left in an empty loop would sit in
/// the store buffer and slow the next locked instruction (measured: +2 ns on a 5 ns `fetch_add`).
#[inline]
fn spin(iterations: u64) {
    for i in 0..iterations {
        black_box(i);
    }
}

/// Loop iterations per nanosecond, measured once per process: the fastest of a few timed runs,
/// since interruptions only ever make a run slower.
fn iterations_per_ns() -> f64 {
    static RATE: OnceLock<f64> = OnceLock::new();
    *RATE.get_or_init(|| {
        const ITERATIONS: u64 = 200_000;
        let fastest = (0..7)
            .map(|_| {
                let start = Instant::now();
                spin(ITERATIONS);
                start.elapsed().as_nanos().max(1)
            })
            .min()
            .unwrap_or(1);
        ITERATIONS as f64 / fastest as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_free_and_longer_work_spins_more() {
        assert_eq!(BusyWork::from_nanos(0).iterations, 0);
        assert!(BusyWork::from_nanos(10_000).iterations > BusyWork::from_nanos(100).iterations);
    }
}
