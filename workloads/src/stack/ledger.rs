//! The exactly-once check of the stack workload, without a shared write per item.
//!
//! Every item is a `u64` naming its source (a thread, or the prefill) and its place in that
//! source's sequence. Each source's pushes and each thread's pops are kept as a [`Tally`] per
//! source; after the run the container is drained and the pops of every source must add up to its
//! pushes. A lost item lowers the count, a duplicated one raises it, a loss hidden by a duplicate
//! changes the fingerprint, and an item of no known source is counted as invented.

use primitives::container::Order;

use crate::tally::Tally;

/// Bits of an item id that hold its sequence number; the source sits above them.
const SEQ_BITS: u32 = 48;

/// The id of item `seq` of `source`.
#[inline]
pub fn item_id(source: u64, seq: u64) -> u64 {
    source << SEQ_BITS | seq
}

fn source_of(id: u64) -> usize {
    (id >> SEQ_BITS) as usize
}

fn seq_of(id: u64) -> u64 {
    id & ((1 << SEQ_BITS) - 1)
}

/// What one thread did: its pushes (all of its own source), its pops by source, and its counts.
#[derive(Debug, Clone, Default)]
pub struct WorkerLog {
    pub source: usize,
    pub pushed: Tally,
    popped: Vec<Tally>,
    /// Popped ids of no known source.
    invented: u64,
    pub push_retries: u64,
    pub pop_retries: u64,
    pub pushes: u64,
    pub pops: u64,
}

impl WorkerLog {
    pub fn new(source: usize, sources: usize) -> Self {
        Self { source, popped: vec![Tally::default(); sources], ..Self::default() }
    }

    /// Logs one popped id.
    #[inline]
    pub fn popped(&mut self, id: u64) {
        match self.popped.get_mut(source_of(id)) {
            Some(tally) => tally.add(id),
            None => self.invented += 1,
        }
    }
}

/// Everything pushed and popped in a trial, checked once the container is drained.
#[derive(Debug, Default)]
pub struct Ledger {
    pushed: Vec<Tally>,
    popped: Vec<Tally>,
    invented: u64,
    /// Items the drain found out of the container's order within their source.
    misordered: u64,
    drained: u64,
    /// Whether the drain stopped at its limit with items still coming.
    endless: bool,
    push_retries: u64,
    pop_retries: u64,
    pushes: u64,
    pops: u64,
}

impl Ledger {
    pub fn new(sources: usize) -> Self {
        Self {
            pushed: vec![Tally::default(); sources],
            popped: vec![Tally::default(); sources],
            ..Self::default()
        }
    }

    /// Logs one item pushed before the threads start.
    pub fn pushed(&mut self, source: u64, id: u64) {
        self.pushed[source as usize].add(id);
    }

    pub fn add_worker(&mut self, log: &WorkerLog) {
        self.pushed[log.source].merge(log.pushed);
        for (total, tally) in self.popped.iter_mut().zip(&log.popped) {
            total.merge(*tally);
        }
        self.invented += log.invented;
        self.push_retries += log.push_retries;
        self.pop_retries += log.pop_retries;
        self.pushes += log.pushes;
        self.pops += log.pops;
    }

    /// Logs what the drain after the run popped, in the order it came, checking that each
    /// source's items come newest first (LIFO) or oldest first (FIFO). `limit` is the most the
    /// drain popped: reaching it means the container never ran empty.
    pub fn drain(&mut self, items: impl Iterator<Item = u64>, order: Order, limit: u64) {
        let mut last_seq: Vec<Option<u64>> = vec![None; self.popped.len()];
        for id in items {
            self.drained += 1;
            let source = source_of(id);
            let Some(tally) = self.popped.get_mut(source) else {
                self.invented += 1;
                continue;
            };
            tally.add(id);
            let seq = seq_of(id);
            let in_order = match (last_seq[source], order) {
                (None, _) => true,
                (Some(last), Order::Lifo) => seq < last,
                (Some(last), Order::Fifo) => seq > last,
            };
            if !in_order {
                self.misordered += 1;
            }
            last_seq[source] = Some(seq);
        }
        self.endless = self.drained >= limit;
    }

    /// `Ok(summary)` if every item pushed was popped exactly once and the drain found the
    /// container's order; otherwise `Err` naming what went wrong. Retries per operation are in
    /// the summary where the container counts them.
    pub fn verdict(&self, order: Order, counts_retries: bool) -> Result<String, String> {
        let mut problems = Vec::new();
        let last = self.pushed.len() - 1;
        for (source, (pushed, popped)) in self.pushed.iter().zip(&self.popped).enumerate() {
            let who =
                if source == last { "prefill".to_owned() } else { format!("thread {source}") };
            if popped.count < pushed.count {
                let lost = pushed.count - popped.count;
                problems.push(format!("{who}: {lost} of {} items lost", pushed.count));
            } else if popped.count > pushed.count {
                let extra = popped.count - pushed.count;
                problems.push(format!("{who}: {extra} items popped twice (of {})", pushed.count));
            } else if popped.fingerprint != pushed.fingerprint {
                problems.push(format!(
                    "{who}: items lost and as many popped twice (of {})",
                    pushed.count
                ));
            }
        }
        if self.invented > 0 {
            problems.push(format!("{} items popped that no one pushed", self.invented));
        }
        if self.misordered > 0 {
            problems
                .push(format!("the drain found {} items out of {order:?} order", self.misordered));
        }
        if self.endless {
            problems.push(format!("the drain still found items after {} pops", self.drained));
        }
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        let total: u64 = self.pushed.iter().map(|t| t.count).sum();
        let mut summary = format!(
            "{total} items pushed ({} prefilled), each popped once ({} left for the drain, in \
             {order:?} order)",
            self.pushed[last].count, self.drained
        );
        if counts_retries {
            let per = |retries: u64, ops: u64| retries as f64 / ops.max(1) as f64;
            summary.push_str(&format!(
                "; CAS retries per op {:.4} (push {:.4}, pop {:.4})",
                per(self.push_retries + self.pop_retries, self.pushes + self.pops),
                per(self.push_retries, self.pushes),
                per(self.pop_retries, self.pops)
            ));
        }
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger_with_pushes(ids: &[u64]) -> (Ledger, WorkerLog) {
        let mut ledger = Ledger::new(2);
        let mut log = WorkerLog::new(0, 2);
        ids.iter().for_each(|&id| log.pushed.add(id));
        ledger.add_worker(&log);
        (ledger, WorkerLog::new(0, 2))
    }

    #[test]
    fn pops_must_match_pushes_per_source() {
        let ids = [item_id(0, 0), item_id(0, 1), item_id(0, 2)];
        let (mut ledger, mut pops) = ledger_with_pushes(&ids);
        pops.popped(ids[0]);
        ledger.add_worker(&pops);
        ledger.drain([ids[2], ids[1]].into_iter(), Order::Lifo, 10);
        assert!(ledger.verdict(Order::Lifo, false).is_ok());

        let (mut lost, _) = ledger_with_pushes(&ids);
        lost.drain([ids[2]].into_iter(), Order::Lifo, 10);
        assert_eq!(lost.verdict(Order::Lifo, false).unwrap_err(), "thread 0: 2 of 3 items lost");

        let (mut twice, _) = ledger_with_pushes(&ids);
        twice.drain([ids[2], ids[1], ids[0], ids[0]].into_iter(), Order::Fifo, 10);
        let why = twice.verdict(Order::Fifo, false).unwrap_err();
        assert!(why.contains("1 items popped twice") && why.contains("out of Fifo order"), "{why}");
    }

    #[test]
    fn an_unknown_source_and_an_endless_drain_are_caught() {
        let (mut ledger, _) = ledger_with_pushes(&[]);
        ledger.drain([item_id(7, 0)].into_iter(), Order::Lifo, 1);
        let why = ledger.verdict(Order::Lifo, false).unwrap_err();
        assert!(why.contains("no one pushed") && why.contains("after 1 pops"), "{why}");
    }
}
