//! The exactly-once check of the executor workloads, without a shared write per task.
//!
//! A task is a boxed closure run on a thread the executor picks, so it cannot be handed a
//! per-thread record the way a runner thread is. Instead each thread that runs tasks of a trial
//! gets a [`ThreadTally`] of its own the first time it does (found through a thread-local cache,
//! registered with the trial's [`TaskLedger`]): a count, a fingerprint (the wrapping sum of a
//! strong mix of each task id, as the buffer workload's ledger does), the time spent running tasks
//! and sampled latencies. The submitter tallies what it submitted the same way. After the run, the
//! threads' tallies must add up to the submitter's: a lost task lowers the count, a task run twice
//! raises it, and a loss hidden by a duplicate changes the fingerprint (a miss has probability
//! about 2^-64).
//!
//! Why not one flag per task: tasks that run at the same time on different workers would write
//! neighbouring flags, and on these machines a cache line moving between the two vCPUs costs
//! 30–200 ns, as much as a tiny task. Why not an `Arc` to the ledger in every task: every worker
//! dropping it would bounce the reference count's line in the same way. A task carries only the
//! ledger's id; the thread-local cache makes the lookup a compare, and the global registry is
//! consulted once per thread and trial.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::metrics::Metrics;

/// What one thread ran for one ledger.
#[derive(Debug, Default)]
pub struct ThreadTally {
    pub tally: Tally,
    /// Time spent inside tasks, where the tasks time themselves (else 0).
    pub busy_ns: u64,
    /// Sampled latencies recorded by the tasks.
    pub metrics: Metrics,
}

pub use crate::tally::Tally;

/// `Ok` if `ran` is exactly the tasks of `submitted`, else what went wrong.
pub fn compare(submitted: &Tally, ran: &Tally) -> Result<(), String> {
    if ran.count < submitted.count {
        Err(format!("{} of {} tasks never ran", submitted.count - ran.count, submitted.count))
    } else if ran.count > submitted.count {
        Err(format!(
            "{} extra task runs (of {} tasks): some ran twice",
            ran.count - submitted.count,
            submitted.count
        ))
    } else if ran.fingerprint != submitted.fingerprint {
        Err(format!("tasks lost and as many run twice (of {})", submitted.count))
    } else {
        Ok(())
    }
}

type Slot = Arc<Mutex<ThreadTally>>;
type Slots = Arc<Mutex<Vec<Slot>>>;

/// Ledgers alive now, by id: looked up once per thread and ledger.
static OPEN: Mutex<Vec<(u64, Slots)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's tally for the ledger it last ran a task of.
    static CURRENT: RefCell<Option<(u64, Slot)>> = const { RefCell::new(None) };
}

/// Every thread's tally of one trial's tasks.
pub struct TaskLedger {
    id: u64,
    slots: Slots,
}

/// What tasks carry to find their ledger: a copyable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerId(u64);

impl TaskLedger {
    pub fn new() -> Self {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let slots = Slots::default();
        OPEN.lock().push((id, slots.clone()));
        Self { id, slots }
    }

    pub fn id(&self) -> LedgerId {
        LedgerId(self.id)
    }

    /// Threads that have run a task of this ledger so far.
    pub fn threads(&self) -> usize {
        self.slots.lock().len()
    }

    /// The sum of every thread's tally.
    pub fn ran(&self) -> Tally {
        let mut total = Tally::default();
        self.slots.lock().iter().for_each(|slot| total.merge(slot.lock().tally));
        total
    }

    /// Each thread's busy time so far, in the order the threads first ran a task.
    pub fn busy_ns(&self) -> Vec<u64> {
        self.slots.lock().iter().map(|slot| slot.lock().busy_ns).collect()
    }

    /// Takes the latencies the tasks recorded since the last call, all threads merged.
    pub fn take_metrics(&self) -> Metrics {
        let mut merged = Metrics::default();
        for slot in self.slots.lock().iter() {
            merged.merge(&std::mem::take(&mut slot.lock().metrics));
        }
        merged
    }
}

impl Default for TaskLedger {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TaskLedger {
    fn drop(&mut self) {
        OPEN.lock().retain(|(id, _)| *id != self.id);
    }
}

impl LedgerId {
    /// Runs `f` on the calling thread's tally of this ledger, registering one if it has none.
    /// A task of a ledger that is gone records nowhere, which the check then sees as a loss.
    #[inline]
    pub fn record(self, f: impl FnOnce(&mut ThreadTally)) {
        CURRENT.with(|current| {
            let mut current = current.borrow_mut();
            match &*current {
                Some((id, slot)) if *id == self.0 => f(&mut slot.lock()),
                _ => {
                    let slot = Slot::default();
                    let open = OPEN.lock();
                    if let Some((_, slots)) = open.iter().find(|(id, _)| *id == self.0) {
                        slots.lock().push(slot.clone());
                    }
                    drop(open);
                    f(&mut slot.lock());
                    *current = Some((self.0, slot));
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_from_many_threads_add_up() {
        let ledger = TaskLedger::new();
        let id = ledger.id();
        let mut submitted = Tally::default();
        (0..400).for_each(|task| submitted.add(task));
        std::thread::scope(|scope| {
            for part in 0..4u64 {
                scope.spawn(move || {
                    (part * 100..part * 100 + 100).for_each(|task| id.record(|t| t.tally.add(task)))
                });
            }
        });
        assert_eq!(ledger.threads(), 4);
        assert_eq!(compare(&submitted, &ledger.ran()), Ok(()));
    }

    #[test]
    fn loss_duplication_and_their_swap_are_named() {
        let tally = |tasks: &[u64]| {
            let mut t = Tally::default();
            tasks.iter().for_each(|&task| t.add(task));
            t
        };
        let submitted = tally(&[0, 1, 2]);
        assert!(compare(&submitted, &tally(&[0, 2])).unwrap_err().contains("never ran"));
        assert!(compare(&submitted, &tally(&[0, 1, 1, 2])).unwrap_err().contains("twice"));
        assert!(compare(&submitted, &tally(&[0, 1, 1])).unwrap_err().contains("as many"));
    }

    #[test]
    fn a_thread_switching_ledgers_keeps_them_apart() {
        let (a, b) = (TaskLedger::new(), TaskLedger::new());
        a.id().record(|t| t.tally.add(1));
        b.id().record(|t| t.tally.add(2));
        a.id().record(|t| t.tally.add(3));
        assert_eq!((a.ran().count, b.ran().count), (2, 1));
    }
}
