//! One thread's timing loop: it runs the worker in cycles, publishes progress for the watchdog
//! after each, and records latencies by the run's [`LatencyMethod`].
//!
//! - `Sampled` (see [`super::sampling`]): a cycle is a batch of a random gap of operations, then
//!   one operation timed alone. Two clock reads per cycle: the read that ends one cycle begins the
//!   next. The batch runs in calls of a few hundred operations at most, each followed by a relaxed
//!   store of the progress and a look at the stop flag.
//! - `BatchMean`: a cycle is one batch, recorded as its time / its size; the batch grows
//!   (doubling) while it is short and an operation is fast, and shrinks when it runs long.

use hdrhistogram::Histogram;
use workloads::metrics::latency_histogram;
use workloads::{Metrics, Worker};

use super::clock::Clock;
use super::sampling::{GapDraw, LatencyMethod, SamplingCost, StallRule, MAX_GAP};
use crate::watchdog::ThreadProgress;

/// `BatchMean` batches aim at about this long...
const BATCH_TARGET_NS: f64 = 5_000.0;
/// ...and an operation at least this slow is timed alone.
const PER_OP_NS: f64 = 1_000.0;
/// Weight of the newest cycle in the running per-operation time.
const SMOOTHING: f64 = 1.0 / 8.0;
/// A cycle moves the running per-operation time by at most this many times its value.
const MAX_STEP: f64 = 4.0;
/// A batch between samples runs in calls of at most this many operations (see `run_gap`)...
const MAX_CHUNK: u64 = 256;
/// ...and of about this long at most, as far as the last cycle tells.
const CHUNK_TARGET_NS: f64 = 50_000.0;

/// How one thread's latencies were obtained, for the `timing` column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimingTally {
    /// Calls timed for the histogram: single-operation samples, or batches.
    pub timed_calls: u64,
    /// Operations inside those calls (more than the calls when a worker's step is a batch).
    pub timed_ops: u64,
    /// Operations the histogram stands for.
    pub ops: u64,
    /// Batches whose excess time was recorded as one stalled operation.
    pub stall_bounds: u64,
}

impl TimingTally {
    pub fn add(&mut self, other: &TimingTally) {
        self.timed_calls += other.timed_calls;
        self.timed_ops += other.timed_ops;
        self.ops += other.ops;
        self.stall_bounds += other.stall_bounds;
    }
}

/// Times one worker; see the module docs.
pub struct OpTimer<'a> {
    method: LatencyMethod,
    clock: &'static Clock,
    cost: SamplingCost,
    gaps: GapDraw,
    /// `BatchMean`'s current batch size.
    batch: u64,
    /// Operations per call within a batch between samples: grows while calls are short, shrinks
    /// at once when operations turn slow, so progress is published often whatever they cost.
    chunk: u64,
    /// Running estimate of one operation's time, from recent cycles (see `settle_rate`).
    op_ns: Option<f64>,
    /// The last clock read, which begins the next cycle.
    mark: u64,
    /// Operations whose cycle's sample was a stall, standing for itself alone: the next ordinary
    /// sample stands for them.
    carried: u64,
    /// The last ordinary sample, which stands for what is still carried when the thread stops.
    last_ordinary_ns: u64,
    pub latency: Histogram<u64>,
    pub tally: TimingTally,
    /// Operations completed so far, published to the watchdog after every call.
    completed: u64,
    progress: &'a ThreadProgress,
}

impl<'a> OpTimer<'a> {
    pub fn new(method: LatencyMethod, seed: u64, progress: &'a ThreadProgress) -> Self {
        let clock = Clock::get();
        Self {
            method,
            clock,
            cost: SamplingCost::get(),
            gaps: GapDraw::new(seed, 1),
            batch: 1,
            chunk: 1,
            op_ns: None,
            mark: clock.end(),
            carried: 0,
            last_ordinary_ns: 1,
            latency: latency_histogram(),
            tally: TimingTally::default(),
            completed: 0,
            progress,
        }
    }

    /// Forgets the samples (the warm-up's) but keeps the rate it settled on.
    pub fn reset_samples(&mut self) {
        self.carried = 0;
        self.tally = TimingTally::default();
        self.latency.reset();
    }

    /// Moves the samples into `metrics` as histogram `name`: a side worker's latencies are not
    /// the workload's op latency.
    pub fn move_samples_to(&mut self, metrics: &mut Metrics, name: &'static str) {
        let mut samples = Metrics::default();
        for value in self.latency.iter_recorded() {
            samples.record_n(name, value.value_iterated_to(), value.count_at_value());
        }
        metrics.merge(&samples);
        self.latency.reset();
    }

    /// Runs cycles until `done()` or the worker runs out of work; returns the ops.
    pub fn run_until(&mut self, worker: &mut dyn Worker, done: impl Fn() -> bool) -> u64 {
        self.mark = self.clock.end();
        let mut ops = 0;
        while !done() {
            let (completed, exhausted) = self.cycle(worker, u64::MAX, &done);
            ops += completed;
            if exhausted {
                break;
            }
        }
        self.settle_carried();
        ops
    }

    /// Runs exactly `limit` operations (fewer if the worker runs out); returns the ops.
    pub fn run_count(&mut self, worker: &mut dyn Worker, limit: u64) -> u64 {
        self.mark = self.clock.end();
        let mut ops = 0;
        while ops < limit {
            let (completed, exhausted) = self.cycle(worker, limit - ops, &|| false);
            ops += completed;
            if exhausted {
                break;
            }
        }
        self.settle_carried();
        ops
    }

    /// Records what is still carried at the last ordinary sample, so the histogram's total stays
    /// the operation count.
    fn settle_carried(&mut self) {
        let carried = std::mem::take(&mut self.carried);
        if carried > 0 {
            self.latency.saturating_record_n(self.last_ordinary_ns, carried);
        }
    }

    /// One cycle of at most `limit` (at least 1) operations. Returns the ops completed and whether
    /// the worker ran out of work.
    #[inline]
    fn cycle(
        &mut self,
        worker: &mut dyn Worker,
        limit: u64,
        done: &impl Fn() -> bool,
    ) -> (u64, bool) {
        let (completed, exhausted) = match self.method {
            LatencyMethod::Sampled => self.sampled_cycle(worker, limit, done),
            LatencyMethod::BatchMean => self.batch_cycle(worker, limit),
        };
        self.completed += completed;
        self.progress.publish(self.completed);
        (completed, exhausted)
    }

    /// Runs `gap` operations in chunks of `self.chunk`, publishing progress after each and
    /// ending early once `done()`: operations that turn far slower than the rate was set for
    /// (a FIFO lock handing over to descheduled threads) neither look like a stall to the watchdog
    /// nor hold the thread long past the stop flag. Returns the ops and whether the worker ran out.
    #[inline]
    fn run_gap(
        &mut self,
        worker: &mut dyn Worker,
        gap: u64,
        done: &impl Fn() -> bool,
    ) -> (u64, bool) {
        let mut ran = 0;
        while ran < gap {
            let chunk = (gap - ran).min(self.chunk);
            let completed = worker.run(chunk);
            ran += completed;
            if completed < chunk {
                return (ran, true);
            }
            self.progress.publish(self.completed + ran);
            if ran < gap && done() {
                break;
            }
        }
        (ran, false)
    }

    /// A gap's batch, then one operation timed alone.
    #[inline]
    fn sampled_cycle(
        &mut self,
        worker: &mut dyn Worker,
        limit: u64,
        done: &impl Fn() -> bool,
    ) -> (u64, bool) {
        let gap = self.gaps.gap().min(limit - 1);
        let began = self.mark;
        let (batched, exhausted) = self.run_gap(worker, gap, done);
        if exhausted {
            self.mark = self.clock.end();
            return (batched, true);
        }
        let sample_start = self.clock.start();
        let sampled = worker.run(1);
        let sample_end = self.clock.end();
        self.mark = sample_end;
        if sampled == 0 {
            return (batched, true);
        }
        let batch_ns = self.clock.elapsed_ns(began, sample_start);
        let sample_ns = self.clock.sample_ns(sample_start, sample_end, self.gaps.dither());
        let stalled =
            self.op_ns.and_then(|op_ns| StallRule::STANDARD.slow_op(batched, batch_ns, op_ns));
        let mut weight = match stalled {
            Some(slow_ns) => {
                self.latency.saturating_record(slow_ns);
                self.tally.stall_bounds += 1;
                batched - 1 + sampled
            }
            None => batched + sampled,
        };
        let value_ns = sample_ns / sampled;
        let stall_sample = self
            .op_ns
            .is_some_and(|op_ns| StallRule::STANDARD.is_stall_sample(batched, value_ns, op_ns));
        if stall_sample {
            self.carried += weight - sampled;
            weight = sampled;
        } else {
            weight += std::mem::take(&mut self.carried);
            self.last_ordinary_ns = value_ns;
        }
        self.latency.saturating_record_n(value_ns, weight);
        self.tally.timed_calls += 1;
        self.tally.timed_ops += sampled;
        self.tally.ops += batched + sampled;
        let per_op_ns = self.clock.elapsed_ns(began, sample_end) / (batched + sampled) as f64;
        self.settle_rate(per_op_ns);
        self.chunk = if per_op_ns * self.chunk as f64 > CHUNK_TARGET_NS {
            (self.chunk / 4).max(1)
        } else {
            (self.chunk * 2).min(MAX_CHUNK)
        };
        (batched + sampled, false)
    }

    /// Updates the running operation time and, when it has moved far, the sampling rate. A cycle
    /// counts for at most [`MAX_STEP`] times the current estimate, so one stall moves it little,
    /// while operations that stay slower raise it within a few cycles.
    #[inline]
    fn settle_rate(&mut self, per_op_ns: f64) {
        let op_ns = match self.op_ns {
            Some(old) => old + SMOOTHING * (per_op_ns.min(MAX_STEP * old) - old),
            None => per_op_ns,
        };
        self.op_ns = Some(op_ns);
        let wanted = self.cost.mean_gap_for(op_ns);
        let current = self.gaps.mean();
        if wanted > 2 * current || 2 * wanted < current {
            self.gaps.set_mean(wanted);
        }
    }

    /// One batch, recorded as its time / its size.
    #[inline]
    fn batch_cycle(&mut self, worker: &mut dyn Worker, limit: u64) -> (u64, bool) {
        let size = self.batch.min(limit);
        let began = self.clock.start();
        let completed = worker.run(size);
        let took_ns = self.clock.elapsed_ns(began, self.clock.end());
        if completed > 0 {
            self.latency.saturating_record_n((took_ns / completed as f64) as u64, completed);
            self.tally.timed_calls += 1;
            self.tally.timed_ops += completed;
            self.tally.ops += completed;
            let per_op_fast = took_ns < PER_OP_NS * completed as f64;
            if per_op_fast && took_ns < BATCH_TARGET_NS / 2.0 && self.batch < MAX_GAP {
                self.batch *= 2;
            } else if (!per_op_fast || took_ns > BATCH_TARGET_NS * 4.0) && self.batch > 1 {
                self.batch /= 2;
            }
        }
        (completed, completed < size)
    }
}
