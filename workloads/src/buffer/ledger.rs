//! The exactly-once check of the buffer workload, without a shared write per item.
//!
//! Each producer keeps a [`Tally`] of what it pushed and each consumer one per producer of what it
//! popped: a count and a fingerprint, the wrapping sum of a strong 64-bit mix of (producer, seq).
//! After the run, the consumers' tallies of a producer must add up to the producer's own. A lost
//! item lowers the count, a duplicated one raises it, and a loss hidden by a duplicate changes the
//! fingerprint (a miss has probability about 2^-64). Order is checked exactly: a consumer must see
//! each producer's sequence numbers increase, which any FIFO queue guarantees.

pub use crate::tally::Tally;

#[cfg(test)]
use super::item::item_id;

/// What one consumer popped.
#[derive(Debug, Clone, Default)]
pub struct ConsumerLog {
    /// Per producer.
    received: Vec<Tally>,
    /// Per producer: the lowest sequence number the next item may carry.
    next_seq: Vec<u64>,
    /// Items that came before an item of the same producer sent earlier.
    out_of_order: u64,
    /// Items whose payload was not what the producer wrote, or from no known producer.
    corrupt: u64,
}

impl ConsumerLog {
    pub fn new(producers: usize) -> Self {
        Self {
            received: vec![Tally::default(); producers],
            next_seq: vec![0; producers],
            ..Self::default()
        }
    }

    /// Logs one popped item, tallied under `id`.
    #[inline]
    pub fn receive(&mut self, producer: u32, seq: u64, id: u64, intact: bool) {
        let p = producer as usize;
        if !intact || p >= self.received.len() {
            self.corrupt += 1;
            return;
        }
        self.received[p].add(id);
        if seq < self.next_seq[p] {
            self.out_of_order += 1;
        }
        self.next_seq[p] = self.next_seq[p].max(seq + 1);
    }
}

/// Everything the workers reported, checked once they are done.
#[derive(Debug, Default)]
pub struct Ledger {
    pushed: Vec<Tally>,
    received: Vec<Tally>,
    out_of_order: u64,
    corrupt: u64,
}

impl Ledger {
    pub fn new(producers: usize) -> Self {
        Self {
            pushed: vec![Tally::default(); producers],
            received: vec![Tally::default(); producers],
            ..Self::default()
        }
    }

    pub fn add_producer(&mut self, producer: usize, pushed: Tally) {
        self.pushed[producer].merge(pushed);
    }

    pub fn add_consumer(&mut self, log: &ConsumerLog) {
        for (total, tally) in self.received.iter_mut().zip(&log.received) {
            total.merge(*tally);
        }
        self.out_of_order += log.out_of_order;
        self.corrupt += log.corrupt;
    }

    /// `Ok(summary)` if every item pushed was popped exactly once, in order per producer, intact;
    /// otherwise `Err` naming what went wrong.
    pub fn verdict(&self) -> Result<String, String> {
        let mut problems = Vec::new();
        for (producer, (pushed, received)) in self.pushed.iter().zip(&self.received).enumerate() {
            if received.count < pushed.count {
                let lost = pushed.count - received.count;
                problems
                    .push(format!("producer {producer}: {lost} of {} items lost", pushed.count));
            } else if received.count > pushed.count {
                let extra = received.count - pushed.count;
                problems.push(format!(
                    "producer {producer}: {extra} items delivered twice (of {})",
                    pushed.count
                ));
            } else if received.fingerprint != pushed.fingerprint {
                problems.push(format!(
                    "producer {producer}: items lost and as many duplicated (of {})",
                    pushed.count
                ));
            }
        }
        if self.out_of_order > 0 {
            problems.push(format!("{} items out of order", self.out_of_order));
        }
        if self.corrupt > 0 {
            problems.push(format!("{} items corrupted", self.corrupt));
        }
        if problems.is_empty() {
            let items: u64 = self.pushed.iter().map(|t| t.count).sum();
            Ok(format!(
                "{items} items from {} producers delivered exactly once, in order",
                self.pushed.len()
            ))
        } else {
            Err(problems.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pushed(producer: u32, seqs: impl IntoIterator<Item = u64>) -> Tally {
        let mut tally = Tally::default();
        seqs.into_iter().for_each(|seq| tally.add(item_id(producer, seq)));
        tally
    }

    fn ledger_for(pushed_seqs: &[u64], popped: &[&[u64]]) -> Ledger {
        let mut ledger = Ledger::new(1);
        ledger.add_producer(0, pushed(0, pushed_seqs.iter().copied()));
        for seqs in popped {
            let mut log = ConsumerLog::new(1);
            seqs.iter().for_each(|&seq| log.receive(0, seq, item_id(0, seq), true));
            ledger.add_consumer(&log);
        }
        ledger
    }

    #[test]
    fn exact_delivery_across_consumers_holds() {
        let verdict = ledger_for(&[0, 1, 2, 3, 4], &[&[0, 2, 3], &[1, 4]]).verdict();
        assert!(verdict.unwrap().starts_with("5 items"));
    }

    #[test]
    fn loss_duplication_and_their_swap_are_caught() {
        assert!(ledger_for(&[0, 1, 2], &[&[0, 2]]).verdict().unwrap_err().contains("lost"));
        assert!(ledger_for(&[0, 1, 2], &[&[0, 1], &[1, 2]])
            .verdict()
            .unwrap_err()
            .contains("twice"));
        let swapped = ledger_for(&[0, 1, 2], &[&[0, 1], &[1]]).verdict().unwrap_err();
        assert!(swapped.contains("as many duplicated"), "{swapped}");
    }

    #[test]
    fn reordering_within_one_consumer_is_caught() {
        let verdict = ledger_for(&[0, 1, 2], &[&[0, 2, 1]]).verdict().unwrap_err();
        assert!(verdict.contains("1 items out of order"), "{verdict}");
    }

    #[test]
    fn corrupt_and_foreign_items_are_caught() {
        let mut ledger = Ledger::new(1);
        let mut log = ConsumerLog::new(1);
        log.receive(0, 0, item_id(0, 0), false);
        log.receive(7, 0, item_id(7, 0), true);
        ledger.add_consumer(&log);
        assert!(ledger.verdict().unwrap_err().contains("2 items corrupted"));
    }
}
