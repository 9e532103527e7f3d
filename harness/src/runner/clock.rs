//! The clock that times single operations: the cheapest one that is correct on this platform,
//! calibrated once per process.
//!
//! On x86_64 with an invariant TSC (CPUID leaf 0x8000_0007, EDX bit 8: the counter ticks at a
//! constant rate in every power state) it reads the TSC, fenced so that the timed operation can
//! neither start before the first read nor finish after the second: `lfence; rdtsc` before,
//! `rdtscp; lfence` after. Its rate is calibrated against [`Instant`] over two windows, which must
//! agree; if they do not (a TSC the hypervisor does not keep steady), or on any other platform,
//! the clock is [`Instant`] itself. `SYNCBENCH_CLOCK=instant` forces the fallback.
//!
//! The cost of the reads themselves is measured at calibration (`overhead_ns`: the median time a
//! pair of reads around an empty, opaque call reports, which a busy machine's preemptions do not
//! move) and subtracted from every single-operation sample, never below 1 ns. The call counts as
//! overhead because every sample times a call into the worker, and fenced reads drain and refill
//! the pipeline around whatever they enclose: two reads back to back report less than the same
//! reads around a call that does nothing. A clock that ticks in steps coarser than a nanosecond (a TSC under a
//! hypervisor may step by 10 ns) rounds every interval to a step; each sample is therefore spread
//! uniformly over its step ([`Clock::sample_ns`]'s `dither`), so that the percentiles of operations
//! that take a step or two are not rounded to a whole step, while their mean is unchanged.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Back-to-back read pairs timed to find the clock's overhead and resolution.
const CALIBRATION_PAIRS: usize = 20_000;
/// Rounds of reads timed for the read cost; the fastest counts (a preempted round says nothing).
const CALIBRATION_ROUNDS: usize = 20;
/// Each of the two windows over which the TSC rate is compared with [`Instant`].
const CALIBRATION_WINDOW: Duration = Duration::from_millis(10);
/// The two windows' rates may differ by this share at most.
const RATE_AGREEMENT: f64 = 0.005;

/// Where the ticks come from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    /// The time-stamp counter, at this many ticks per nanosecond.
    Tsc { ticks_per_ns: f64 },
    /// Nanoseconds since `origin`.
    Instant { origin: Instant },
}

/// A calibrated clock: [`Clock::get`] for the process's one instance.
#[derive(Debug, Clone)]
pub struct Clock {
    source: Source,
    info: ClockInfo,
}

/// What `meta.json` says of the clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockInfo {
    /// `tsc` or `instant`.
    pub source: &'static str,
    /// Ticks per nanosecond (1 for `instant`).
    pub ticks_per_ns: f64,
    /// The smallest non-zero step between two reads.
    pub resolution_ns: f64,
    /// The median time two reads around an empty call report: subtracted from every sample.
    pub overhead_ns: f64,
    /// The cost of one read, from the fastest of several rounds.
    pub read_cost_ns: f64,
    /// The kernel's clock source, where Linux says (`tsc`, `kvm-clock`, ...).
    pub kernel_clocksource: Option<String>,
}

impl Clock {
    /// The process's clock, calibrated on first use (about 20 ms).
    pub fn get() -> &'static Clock {
        static CLOCK: OnceLock<Clock> = OnceLock::new();
        CLOCK.get_or_init(Clock::calibrate)
    }

    /// The fallback clock, [`Instant`], calibrated.
    pub fn instant() -> Clock {
        Self::with_source(Source::Instant { origin: Instant::now() })
    }

    fn calibrate() -> Clock {
        let forced_instant = std::env::var("SYNCBENCH_CLOCK").is_ok_and(|v| v == "instant");
        match tsc::rate() {
            Some(ticks_per_ns) if !forced_instant => {
                Self::with_source(Source::Tsc { ticks_per_ns })
            }
            _ => Self::instant(),
        }
    }

    fn with_source(source: Source) -> Clock {
        let mut clock = Clock { source, info: ClockInfo::placeholder(source) };
        clock.info = clock.measure_itself();
        clock
    }

    /// A read that opens a timed interval.
    #[inline(always)]
    pub fn start(&self) -> u64 {
        match self.source {
            Source::Tsc { .. } => tsc::start(),
            Source::Instant { origin } => origin.elapsed().as_nanos() as u64,
        }
    }

    /// A read that closes a timed interval.
    #[inline(always)]
    pub fn end(&self) -> u64 {
        match self.source {
            Source::Tsc { .. } => tsc::end(),
            Source::Instant { origin } => origin.elapsed().as_nanos() as u64,
        }
    }

    /// The nanoseconds between two reads (0 if the second is not later).
    #[inline]
    pub fn elapsed_ns(&self, from: u64, to: u64) -> f64 {
        let ticks = to.saturating_sub(from) as f64;
        match self.source {
            Source::Tsc { ticks_per_ns } => ticks / ticks_per_ns,
            Source::Instant { .. } => ticks,
        }
    }

    /// One timed operation's nanoseconds: the interval less the clock's own overhead, moved by
    /// `dither` (uniform in [0, 1)) across one step of the clock, at least 1.
    #[inline]
    pub fn sample_ns(&self, from: u64, to: u64, dither: f64) -> u64 {
        let spread = (dither - 0.5) * self.info.resolution_ns;
        let ns = self.elapsed_ns(from, to) - self.info.overhead_ns + spread;
        ns.max(1.0).round() as u64
    }

    pub fn info(&self) -> &ClockInfo {
        &self.info
    }

    /// Overhead, resolution and read cost, from back-to-back reads.
    fn measure_itself(&self) -> ClockInfo {
        // A sample times a call into the worker, so the overhead is what a sample of an empty,
        // opaque call reports: the reads, the call and the pipeline drained and refilled around it.
        let empty_call: fn() = std::hint::black_box(empty_operation);
        let mut pairs: Vec<f64> = (0..CALIBRATION_PAIRS)
            .map(|_| {
                let from = self.start();
                empty_call();
                let to = self.end();
                self.elapsed_ns(from, to)
            })
            .collect();
        pairs.sort_by(f64::total_cmp);
        // The clock's step is the greatest common divisor of the tick differences it shows: the
        // least difference is no guide when one read takes longer than a step.
        let mut step_ticks = 0;
        let mut read_cost_ns = f64::INFINITY;
        for _ in 0..CALIBRATION_ROUNDS {
            let began = Instant::now();
            let mut last = self.start();
            for _ in 0..CALIBRATION_PAIRS / CALIBRATION_ROUNDS {
                let now = self.start();
                step_ticks = gcd(step_ticks, now.saturating_sub(last));
                last = now;
            }
            let round_ns = began.elapsed().as_nanos() as f64;
            read_cost_ns =
                read_cost_ns.min(round_ns / (CALIBRATION_PAIRS / CALIBRATION_ROUNDS) as f64);
        }
        let resolution_ns = self.elapsed_ns(0, step_ticks.max(1)).max(f64::MIN_POSITIVE);
        ClockInfo {
            overhead_ns: pairs[pairs.len() / 2],
            resolution_ns,
            read_cost_ns,
            ..ClockInfo::placeholder(self.source)
        }
    }
}

/// The operation of an empty sample: a call the compiler cannot see through or remove.
#[inline(never)]
fn empty_operation() {
    std::hint::black_box(());
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl ClockInfo {
    fn placeholder(source: Source) -> Self {
        let (name, ticks_per_ns) = match source {
            Source::Tsc { ticks_per_ns } => ("tsc", ticks_per_ns),
            Source::Instant { .. } => ("instant", 1.0),
        };
        ClockInfo {
            source: name,
            ticks_per_ns,
            resolution_ns: 1.0,
            overhead_ns: 0.0,
            read_cost_ns: 0.0,
            kernel_clocksource: std::fs::read_to_string(
                "/sys/devices/system/clocksource/clocksource0/current_clocksource",
            )
            .ok()
            .map(|s| s.trim().to_owned()),
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod tsc {
    use std::arch::x86_64::{__cpuid, __rdtscp, _mm_lfence, _rdtsc};
    use std::time::Instant;

    use super::{CALIBRATION_WINDOW, RATE_AGREEMENT};

    /// Ticks per nanosecond, if the TSC is invariant and its rate holds over two windows.
    pub fn rate() -> Option<f64> {
        let max_extended_leaf = __cpuid(0x8000_0000).eax;
        let invariant =
            max_extended_leaf >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0;
        if !invariant {
            return None;
        }
        let first = window_rate();
        let second = window_rate();
        ((first - second).abs() <= RATE_AGREEMENT * first && first > 0.0)
            .then_some((first + second) / 2.0)
    }

    fn window_rate() -> f64 {
        let (instant, ticks) = (Instant::now(), start());
        std::thread::sleep(CALIBRATION_WINDOW);
        let (elapsed, end_ticks) = (instant.elapsed(), end());
        end_ticks.saturating_sub(ticks) as f64 / elapsed.as_nanos() as f64
    }

    #[inline(always)]
    pub fn start() -> u64 {
        // SAFETY: lfence and rdtsc have no memory effects and exist on every x86_64 CPU; the
        // fences keep earlier instructions from finishing after the read and the timed code from
        // starting before it.
        unsafe {
            _mm_lfence();
            let ticks = _rdtsc();
            _mm_lfence();
            ticks
        }
    }

    #[inline(always)]
    pub fn end() -> u64 {
        let mut processor = 0u32;
        // SAFETY: rdtscp writes only `processor`, a local; the CPUID invariant-TSC bit checked in
        // `rate` implies rdtscp (every CPU with an invariant TSC has it). rdtscp waits for the
        // timed code to finish; the fence keeps later code from starting before the read.
        unsafe {
            let ticks = __rdtscp(&mut processor);
            _mm_lfence();
            ticks
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod tsc {
    pub fn rate() -> Option<f64> {
        None
    }
    pub fn start() -> u64 {
        unreachable!("no TSC clock off x86_64")
    }
    pub fn end() -> u64 {
        unreachable!("no TSC clock off x86_64")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Within 1 % of [`Instant`] over 20 ms, in one of five tries: a preemption between the two
    /// clocks' adjacent reads can spoil one try, but not a clock whose rate is wrong.
    fn agrees_with_instant(clock: &Clock) {
        let tries: Vec<(f64, f64)> = (0..5)
            .map(|_| {
                let (began, from) = (Instant::now(), clock.start());
                std::thread::sleep(Duration::from_millis(20));
                let (to, elapsed) = (clock.end(), began.elapsed());
                (clock.elapsed_ns(from, to), elapsed.as_nanos() as f64)
            })
            .collect();
        let agrees = |&(ns, truth): &(f64, f64)| (ns - truth).abs() < 0.01 * truth;
        assert!(tries.iter().any(agrees), "clock against Instant, ns: {tries:?}");
    }

    #[test]
    fn the_calibrated_clock_agrees_with_instant() {
        agrees_with_instant(Clock::get());
    }

    #[test]
    fn the_fallback_clock_agrees_with_instant() {
        let clock = Clock::instant();
        assert_eq!(clock.info().source, "instant");
        agrees_with_instant(&clock);
    }

    #[test]
    fn a_sample_never_goes_below_one_nanosecond() {
        let clock = Clock::get();
        let t = clock.start();
        assert_eq!(clock.sample_ns(t, t, 0.0), 1, "an empty interval less the overhead");
        assert_eq!(clock.sample_ns(t + 10, t, 0.99), 1, "a second read before the first");
    }

    #[test]
    fn overhead_and_resolution_are_measured() {
        let info = Clock::get().info();
        assert!(info.resolution_ns > 0.0 && info.read_cost_ns > 0.0, "{info:?}");
        assert!(info.overhead_ns >= 0.0 && info.overhead_ns < 10_000.0, "{info:?}");
    }
}
