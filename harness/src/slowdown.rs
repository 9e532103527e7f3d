//! A trial made slower by a known share, for validating the regression gate: each call of its
//! workers is followed by busy-waiting for that share of the call's own time. It wraps the trial
//! from outside, so the runner's timed loop is the same for every run.

use std::time::{Duration, Instant};

use workloads::{Check, Metrics, Role, Trial, Worker};

/// `inner`, with every worker call padded by `share` of its time (0.2: 20 % longer).
pub struct SlowedTrial {
    pub inner: Box<dyn Trial>,
    pub share: f64,
}

struct SlowedWorker<'a> {
    inner: Box<dyn Worker + 'a>,
    share: f64,
}

impl Trial for SlowedTrial {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(SlowedWorker { inner: self.inner.worker(index), share: self.share })
    }
    fn stop(&self) {
        self.inner.stop();
    }
    fn diagnose_stall(&self) -> Option<String> {
        self.inner.diagnose_stall()
    }
    fn slowest_op(&self) -> Option<Duration> {
        self.inner.slowest_op().map(|slowest| slowest.mul_f64(1.0 + self.share))
    }
    fn check(&self, ops: u64) -> Check {
        self.inner.check(ops)
    }
}

impl Worker for SlowedWorker<'_> {
    fn run(&mut self, n: u64) -> u64 {
        let began = Instant::now();
        let completed = self.inner.run(n);
        let padded = began.elapsed().mul_f64(1.0 + self.share);
        while began.elapsed() < padded {
            std::hint::spin_loop();
        }
        completed
    }
    fn role(&self) -> Role {
        self.inner.role()
    }
    fn finish(&mut self) -> u64 {
        self.inner.finish()
    }
    fn take_metrics(&mut self) -> Metrics {
        self.inner.take_metrics()
    }
}

/// `trial` slowed by `share`, or `trial` itself when the share is 0.
pub fn slowed(trial: Box<dyn Trial>, share: f64) -> Box<dyn Trial> {
    if share > 0.0 {
        Box::new(SlowedTrial { inner: trial, share })
    } else {
        trial
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{measure, Stop, Timing};
    use workloads::counter::CounterWorkload;
    use workloads::{Params, TrialSetup, Workload};

    fn counter() -> Box<dyn Trial> {
        let workload = CounterWorkload::standard();
        let params = Params::resolve("counter", workload.params(), &[]).unwrap();
        workload
            .prepare("atomic-counter", &TrialSetup { threads: 1, seed: 1, params: &params })
            .unwrap()
    }

    #[test]
    fn a_slowed_trial_still_counts_and_checks_every_op() {
        let timing = Timing { stop: Stop::OpsPerThread(100_000), warmup: Duration::ZERO };
        let m = measure(slowed(counter(), 0.5), 1, timing);
        assert_eq!(m.total_ops(), 100_000);
        assert!(matches!(m.check, Check::Held(_)), "{:?}", m.check);
    }

    #[test]
    fn a_zero_share_leaves_the_trial_as_it_is() {
        let trial = counter();
        let address = &*trial as *const dyn Trial as *const ();
        let same = slowed(trial, 0.0);
        assert_eq!(&*same as *const dyn Trial as *const (), address);
    }
}
