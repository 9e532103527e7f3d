//! The three parts a thread can play in a buffer trial.

use std::sync::atomic::Ordering;

use primitives::queue::BoundedQueue;

use super::ledger::{ConsumerLog, Tally};
use super::send_times::SendTimes;
use super::{BufferTrial, Item};
use crate::metrics::Metrics;
use crate::workload::{Role, Worker};

/// Histogram of the time from push to pop, over the sampled items.
pub const PUSH_TO_POP: &str = "push-to-pop";

/// Pushes its numbered items until told to stop; the last producer to finish closes the queue.
pub struct Producer<'a, Q, const EXTRA: usize> {
    trial: &'a BufferTrial<Q, EXTRA>,
    id: u32,
    next_seq: u64,
    pushed: Tally,
}

impl<'a, Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> Producer<'a, Q, EXTRA> {
    pub fn new(trial: &'a BufferTrial<Q, EXTRA>, id: u32) -> Self {
        Self { trial, id, next_seq: 0, pushed: Tally::default() }
    }
}

impl<Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> Worker for Producer<'_, Q, EXTRA> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        for done in 0..n {
            let item = Item::new(self.id, self.next_seq);
            let id = item.id();
            if SendTimes::is_sampled(self.next_seq) {
                self.trial.send_times.sent(self.id, self.next_seq);
            }
            if self.trial.queue.push(item).is_err() {
                return done;
            }
            self.pushed.add(id);
            self.next_seq += 1;
            self.trial.occupancy.push_returned(self.id as usize, self.next_seq);
        }
        n
    }

    fn role(&self) -> Role {
        Role::Side("push")
    }

    fn finish(&mut self) -> u64 {
        let trial = self.trial;
        trial.ledger.lock().expect("a worker panicked").add_producer(self.id as usize, self.pushed);
        // AcqRel: the last producer closes only after every other producer's last push.
        if trial.producers_running.fetch_sub(1, Ordering::AcqRel) == 1 {
            trial.queue.close();
        }
        0
    }
}

/// Pops and checks items; after the measured phase it drains the queue until it is closed.
pub struct Consumer<'a, Q, const EXTRA: usize> {
    trial: &'a BufferTrial<Q, EXTRA>,
    /// 0-based among the consumers.
    index: usize,
    pops_begun: u64,
    log: ConsumerLog,
    metrics: Metrics,
}

impl<'a, Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> Consumer<'a, Q, EXTRA> {
    pub fn new(trial: &'a BufferTrial<Q, EXTRA>, index: usize, producers: usize) -> Self {
        Self {
            trial,
            index,
            pops_begun: 0,
            log: ConsumerLog::new(producers),
            metrics: Metrics::default(),
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<Item<EXTRA>> {
        self.pops_begun += 1;
        self.trial.occupancy.pop_begins(self.index, self.pops_begun);
        self.trial.queue.pop()
    }

    #[inline]
    fn receive(&mut self, item: Item<EXTRA>) {
        let (producer, seq) = (item.producer(), item.seq());
        if SendTimes::is_sampled(seq) {
            if let Some(age) = self.trial.send_times.age_ns(producer, seq) {
                self.metrics.record(PUSH_TO_POP, age);
            }
        }
        self.log.receive(producer, seq, item.id(), item.is_intact());
    }
}

impl<Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> Worker for Consumer<'_, Q, EXTRA> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        for done in 0..n {
            match self.pop() {
                Some(item) => self.receive(item),
                None => {
                    // Acquire: the last producer's decrement comes before its close.
                    if self.trial.producers_running.load(Ordering::Acquire) > 0 {
                        self.trial.occupancy.closed_before_close();
                    }
                    return done;
                }
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        let mut drained = 0;
        while let Some(item) = self.pop() {
            self.receive(item);
            drained += 1;
        }
        self.trial.ledger.lock().expect("a worker panicked").add_consumer(&self.log);
        drained
    }

    fn take_metrics(&mut self) -> Metrics {
        std::mem::take(&mut self.metrics)
    }
}

/// One thread alone: pushes an item, then pops it.
pub struct Solo<'a, Q, const EXTRA: usize> {
    producer: Producer<'a, Q, EXTRA>,
    consumer: Consumer<'a, Q, EXTRA>,
}

impl<'a, Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> Solo<'a, Q, EXTRA> {
    pub fn new(trial: &'a BufferTrial<Q, EXTRA>) -> Self {
        Self { producer: Producer::new(trial, 0), consumer: Consumer::new(trial, 0, 1) }
    }
}

impl<Q: BoundedQueue<Item<EXTRA>>, const EXTRA: usize> Worker for Solo<'_, Q, EXTRA> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        for done in 0..n {
            if self.producer.run(1) == 0 || self.consumer.run(1) == 0 {
                return done;
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.producer.finish() + self.consumer.finish()
    }

    fn take_metrics(&mut self) -> Metrics {
        self.consumer.take_metrics()
    }
}
