//! Chaos hooks: random yields and short sleeps at the synchronisation points of the hand-rolled
//! primitives, so that a stress run on 2 cores sees interleavings that plain scheduling rarely
//! produces (a lock holder descheduled between two steps, a waiter late to its re-check).
//!
//! The primitives call `point()` around acquire attempts, in spin loops, before waits and
//! notifies, and around queue pushes and pops. Without the cargo feature `chaos` it is an empty
//! inline function, so the hooks cost nothing in benchmarks; with it, and after [`enable`], each
//! point does nothing (7 times in 8), yields the time slice, or sleeps tens of microseconds, as a
//! per-thread random number generator decides. Under `--cfg loom` and `--cfg shuttle` the points
//! stay empty: the model checker chooses the interleavings there.
//!
//! ```
//! primitives::chaos::enable(42); // a no-op unless built with `--features chaos`
//! let lock = primitives::SpinLock::new(0);
//! *lock.lock() += 1;
//! primitives::chaos::disable();
//! ```

#[cfg(all(feature = "chaos", not(any(loom, shuttle))))]
mod active {
    use std::cell::Cell;
    use std::sync::atomic::{
        AtomicBool, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
    };
    use std::time::Duration;

    /// Whether points perturb. Relaxed: chaos orders nothing of the primitives, it only decides.
    static ENABLED: AtomicBool = AtomicBool::new(false);
    static SEED: AtomicU64 = AtomicU64::new(0);
    /// Bumped by every `enable` (Release, after the seed is stored), so that each thread reseeds
    /// its generator from the new seed (Acquire).
    static EPOCH: AtomicU64 = AtomicU64::new(0);
    /// Numbers the threads as they first reach a point after an `enable`.
    static THREADS: AtomicU64 = AtomicU64::new(0);

    thread_local! {
        /// This thread's generator state, and the epoch it was seeded in (0: never).
        static RNG: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }

    pub(super) fn enable(seed: u64) {
        SEED.store(seed, Relaxed);
        THREADS.store(0, Relaxed);
        EPOCH.fetch_add(1, Release);
        ENABLED.store(true, Relaxed);
    }

    pub(super) fn disable() {
        ENABLED.store(false, Relaxed);
    }

    #[inline(always)]
    pub(super) fn point() {
        if ENABLED.load(Relaxed) {
            perturb();
        }
    }

    /// What one point does.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) enum Action {
        Pass,
        Yield,
        Sleep(Duration),
    }

    /// One in 64 points sleeps 10–49 µs (plus the timer's slack), 7 in 64 yield, the rest pass.
    pub(super) fn decide(random: u64) -> Action {
        match random % 64 {
            0 => Action::Sleep(Duration::from_micros(10 + (random >> 8) % 40)),
            1..=7 => Action::Yield,
            _ => Action::Pass,
        }
    }

    #[cold]
    fn perturb() {
        match decide(next_random()) {
            Action::Pass => {}
            Action::Yield => std::thread::yield_now(),
            Action::Sleep(duration) => std::thread::sleep(duration),
        }
    }

    /// xorshift64*, seeded per thread from the seed and the thread's number (splitmix64): each
    /// thread has its own stream, and a seed gives the same streams again to threads that reach
    /// their first point in the same order. A thread exiting during TLS teardown passes.
    pub(super) fn next_random() -> u64 {
        RNG.try_with(|rng| {
            let (mut state, seeded_in) = rng.get();
            let epoch = EPOCH.load(Acquire);
            if seeded_in != epoch {
                let thread = THREADS.fetch_add(1, Relaxed);
                state = crate::splitmix::next(
                    SEED.load(Relaxed) ^ thread.wrapping_mul(crate::splitmix::GAMMA),
                ) | 1;
            }
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            rng.set((state, epoch));
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        })
        .unwrap_or(1)
    }
}

/// Starts perturbing every chaos point, with per-thread random streams derived from `seed`.
/// Does nothing unless the crate is built with the `chaos` feature (and not under loom/shuttle).
pub fn enable(seed: u64) {
    #[cfg(all(feature = "chaos", not(any(loom, shuttle))))]
    active::enable(seed);
    #[cfg(not(all(feature = "chaos", not(any(loom, shuttle)))))]
    let _ = seed;
}

/// Stops perturbing; the points pass straight through again.
pub fn disable() {
    #[cfg(all(feature = "chaos", not(any(loom, shuttle))))]
    active::disable();
}

/// Whether this build has working chaos points (the `chaos` feature, no model checker).
pub const AVAILABLE: bool = cfg!(all(feature = "chaos", not(any(loom, shuttle))));

/// A synchronisation point: when chaos is enabled, maybe yields or sleeps a little.
#[inline(always)]
pub(crate) fn point() {
    #[cfg(all(feature = "chaos", not(any(loom, shuttle))))]
    active::point();
}

#[cfg(all(test, feature = "chaos", not(any(loom, shuttle))))]
mod tests {
    use super::active::{decide, next_random, Action};

    /// The first draws of each of `threads` threads started one after another after
    /// `enable(seed)`.
    fn streams(seed: u64, threads: usize) -> Vec<Vec<u64>> {
        super::enable(seed);
        let draw = || std::thread::spawn(|| (0..4096).map(|_| next_random()).collect());
        (0..threads).map(|_| draw().join().unwrap()).collect()
    }

    /// One test only: enabling is process-wide, and parallel tests would race on it.
    #[test]
    fn a_seed_gives_each_thread_a_reproducible_stream_that_yields_and_sleeps() {
        let first = streams(7, 2);
        let actions: Vec<_> = first[0].iter().map(|&random| decide(random)).collect();
        let yields = actions.iter().filter(|&action| *action == Action::Yield).count();
        let sleeps = actions.iter().filter(|&action| matches!(action, Action::Sleep(_))).count();
        assert!(yields > 4096 / 16 && sleeps > 4096 / 128, "{yields} yields, {sleeps} sleeps");
        assert!(sleeps < yields && yields < 4096 / 4, "{yields} yields, {sleeps} sleeps");
        assert!(first[0] != first[1], "two threads of one enable drew the same stream");
        assert!(streams(7, 2) == first, "the same seed drew other streams");
        assert!(streams(8, 1)[0] != first[0], "another seed drew the same stream");
        super::disable();
    }
}
