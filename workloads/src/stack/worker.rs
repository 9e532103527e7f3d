//! One thread's part of a stack trial: a seeded coin picks push or pop for every operation.

use primitives::container::ConcurrentContainer;
use primitives::splitmix::{finalise, GAMMA};

use super::ledger::{item_id, WorkerLog};
use super::StackTrial;
use crate::metrics::Metrics;
use crate::workload::Worker;

pub struct StackWorker<'a, C> {
    trial: &'a StackTrial<C>,
    /// The SplitMix64 state of this thread's coin.
    coin: u64,
    next_seq: u64,
    /// This thread's pushes minus its pops; it pops instead of pushing at `per_thread`.
    net: i64,
    log: WorkerLog,
    /// Since the last `take_metrics`; plain fields, since a map lookup per operation would cost
    /// as much as the operation.
    counts: Counts,
}

/// The extras of one thread, counted since the last `take_metrics`.
#[derive(Debug, Default)]
struct Counts {
    pushes: u64,
    pops: u64,
    push_retries: u64,
    pop_retries: u64,
    empty_pops: u64,
    refused_pushes: u64,
}

impl<'a, C: ConcurrentContainer<u64>> StackWorker<'a, C> {
    pub fn new(trial: &'a StackTrial<C>, index: usize) -> Self {
        let sources = trial.setup.threads + 1;
        Self {
            trial,
            coin: finalise(trial.setup.seed ^ (index as u64).wrapping_mul(GAMMA)),
            next_seq: 0,
            net: 0,
            log: WorkerLog::new(index, sources),
            counts: Counts::default(),
        }
    }

    #[inline]
    fn wants_push(&mut self) -> bool {
        self.coin = self.coin.wrapping_add(GAMMA);
        let params = &self.trial.setup.params;
        finalise(self.coin) % 100 < params.push_share && self.net < params.per_thread as i64
    }

    #[inline]
    fn push(&mut self) {
        let id = item_id(self.log.source as u64, self.next_seq);
        let (result, retries) = self.trial.container.push_counted(id);
        // Counted twice: for the ledger (warm-up included, as the invariant is) and for the
        // measured phase's extras.
        self.log.pushes += 1;
        self.log.push_retries += u64::from(retries);
        self.counts.pushes += 1;
        self.counts.push_retries += u64::from(retries);
        match result {
            Ok(()) => {
                self.log.pushed.add(id);
                self.next_seq += 1;
                self.net += 1;
            }
            // Only a corrupted bounded container runs out of room: it has a slot for every item
            // the trial can hold at once.
            Err(_) => self.counts.refused_pushes += 1,
        }
    }

    #[inline]
    fn pop(&mut self) {
        let (item, retries) = self.trial.container.pop_counted();
        self.log.pops += 1;
        self.log.pop_retries += u64::from(retries);
        self.counts.pops += 1;
        self.counts.pop_retries += u64::from(retries);
        match item {
            Some(id) => {
                self.log.popped(id);
                self.net -= 1;
            }
            None => self.counts.empty_pops += 1,
        }
    }
}

impl<C: ConcurrentContainer<u64>> Worker for StackWorker<'_, C> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        for _ in 0..n {
            if self.wants_push() {
                self.push();
            } else {
                self.pop();
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.trial.ledger.lock().expect("a worker panicked").add_worker(&self.log);
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        let counts = std::mem::take(&mut self.counts);
        let mut metrics = Metrics::default();
        metrics.count("pushes", counts.pushes);
        metrics.count("pops", counts.pops);
        metrics.count("empty_pops", counts.empty_pops);
        if counts.refused_pushes > 0 {
            metrics.count("refused_pushes", counts.refused_pushes);
        }
        if C::COUNTS_RETRIES {
            metrics.count("push_cas_retries", counts.push_retries);
            metrics.count("pop_cas_retries", counts.pop_retries);
            metrics.count("cas_retries", counts.push_retries + counts.pop_retries);
        }
        metrics
    }
}
