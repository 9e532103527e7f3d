//! One thread of an rwcache trial: reads and writes entries, and notes what looks wrong.

use std::sync::atomic::Ordering;
use std::time::Instant;

use primitives::rwlock::RwLock;

use super::{value_word, RwCacheTrial, READ, READ_SAMPLE, WRITE};
use crate::keys::{op_stream, KeyStream, OpStream};
use crate::metrics::Metrics;
use crate::workload::Worker;

/// Operation kinds of the op stream.
const READ_OP: u8 = 0;

pub struct RwCacheWorker<'a, L, const WORDS: usize> {
    trial: &'a RwCacheTrial<L, WORDS>,
    keys: KeyStream,
    ops: OpStream,
    reads_done: u64,
    /// Writes made to each key by this thread.
    writes: Vec<u64>,
    torn_reads: u64,
    misplaced_reads: u64,
    overlapping_writes: u64,
    metrics: Metrics,
}

impl<'a, L: RwLock<[u64; WORDS]>, const WORDS: usize> RwCacheWorker<'a, L, WORDS> {
    pub fn new(trial: &'a RwCacheTrial<L, WORDS>, thread: usize) -> Self {
        let setup = &trial.setup;
        let read_percent = setup.read_percent;
        Self {
            trial,
            keys: setup.distribution.stream(setup.keys, setup.seed, thread),
            ops: op_stream(&[read_percent, 100 - read_percent], setup.seed, thread),
            reads_done: 0,
            writes: vec![0; setup.keys as usize],
            torn_reads: 0,
            misplaced_reads: 0,
            overlapping_writes: 0,
            metrics: Metrics::default(),
        }
    }

    #[inline]
    fn read(&mut self, key: u64) {
        let slot = &self.trial.slots[key as usize];
        let (first, torn) =
            slot.lock.read(|value| (value[0], value.iter().any(|&w| w != value[0])));
        self.torn_reads += u64::from(torn);
        self.misplaced_reads += u64::from(first >> 32 != key);
    }

    #[inline]
    fn write(&mut self, key: u64) {
        let slot = &self.trial.slots[key as usize];
        let overlapped = slot.lock.write(|value| {
            let overlapped = slot.writer_inside.swap(true, Ordering::Relaxed);
            let next = value_word(key, value[0] + 1);
            value.iter_mut().for_each(|word| *word = next);
            slot.writer_inside.store(false, Ordering::Relaxed);
            overlapped
        });
        self.overlapping_writes += u64::from(overlapped);
        self.writes[key as usize] += 1;
    }
}

impl<L: RwLock<[u64; WORDS]>, const WORDS: usize> Worker for RwCacheWorker<'_, L, WORDS> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        for _ in 0..n {
            let key = self.keys.next_key();
            if self.ops.next_kind() == READ_OP {
                self.reads_done += 1;
                if self.reads_done.is_multiple_of(READ_SAMPLE) {
                    let began = Instant::now();
                    self.read(key);
                    self.metrics.record(READ, began.elapsed().as_nanos() as u64);
                } else {
                    self.read(key);
                }
            } else {
                let began = Instant::now();
                self.write(key);
                self.metrics.record(WRITE, began.elapsed().as_nanos() as u64);
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        let trial = self.trial;
        trial.torn_reads.fetch_add(self.torn_reads, Ordering::Relaxed);
        trial.misplaced_reads.fetch_add(self.misplaced_reads, Ordering::Relaxed);
        trial.overlapping_writes.fetch_add(self.overlapping_writes, Ordering::Relaxed);
        let mut writes = trial.writes.lock().expect("a worker panicked");
        writes.iter_mut().zip(&self.writes).for_each(|(total, mine)| *total += mine);
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        std::mem::take(&mut self.metrics)
    }
}
