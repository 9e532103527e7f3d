//! `stack`: every thread pushes and pops at random on one concurrent stack or queue.
//!
//! Each operation is one push or one pop (`push_share` percent of them pushes); a pop that finds
//! the container empty still counts. A thread whose pushes outnumber its pops by `per_thread`
//! pops instead, so the container never holds more than `prefill + threads x per_thread` items:
//! a push-heavy mix stays bounded in memory, and the bounded containers get exactly that many
//! slots. Lock-free implementations report their failed compare-and-swaps per call, summed per
//! thread into the extras (`cas_retries`, split as `push_cas_retries` and `pop_cas_retries`,
//! beside the `pushes` and `pops` they happened in).
//!
//! Invariant, checked on every run: every item pushed (prefilled or by a thread) is popped exactly
//! once, by a thread or by the drain after the run, and none is popped that was never pushed (see
//! `ledger.rs`); the drain finds each thread's leftover items in the container's order (newest
//! first for a stack, oldest first for a queue).
//!
//! The untagged arena stack is the ABA demonstration. Its A→B→A needs three parties: a pop paused
//! before its CAS, a second pop paused between unlinking its slot and freeing it, and a third that
//! frees a slot meanwhile. With two threads the arena's slots never change their order (a pop
//! moves the stack's top to the free list's top, a push moves it back), so the stale CAS installs
//! the right successor; from three threads on, the pops' yields in both windows make the
//! corruption show within a run.

mod ledger;
#[cfg(test)]
mod tests;
mod worker;

use std::sync::Mutex;

use crossbeam::queue::{ArrayQueue, SegQueue};
use primitives::arena_stack::ArenaStack;
use primitives::container::{ConcurrentContainer, Order};
use primitives::{MsQueue, TaggedArenaStack, TreiberStack};

use crate::catalog::Catalog;
use crate::params::{ParamKind, ParamSpec, Params, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};
use ledger::Ledger;
use worker::StackWorker;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "push_share",
        kind: ParamKind::Count(Range::new(0, 100)),
        default: "50",
        help: "percent of operations that push; the rest pop (try 50,90)",
    },
    ParamSpec {
        name: "prefill",
        kind: ParamKind::Count(Range::new(0, 1 << 20).drawn_to(1 << 16)),
        default: "1024",
        help: "items pushed before the threads start",
    },
    ParamSpec {
        name: "per_thread",
        kind: ParamKind::Count(Range::new(1, 1 << 20).drawn_to(1 << 16)),
        default: "1024",
        help: "most items one thread's pushes may add beyond its pops; past it the thread pops",
    },
];

/// The stack workload's parameters, read once from a resolved [`Params`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackParams {
    /// Percent of operations that push.
    pub push_share: u64,
    pub prefill: u64,
    pub per_thread: u64,
}

impl StackParams {
    pub fn from_params(params: &Params) -> Self {
        Self {
            push_share: params.number("push_share"),
            prefill: params.number("prefill"),
            per_thread: params.number("per_thread"),
        }
    }

    /// The most items the container holds at once on `threads` threads.
    pub fn capacity(&self, threads: usize) -> usize {
        (self.prefill + threads as u64 * self.per_thread) as usize
    }
}

/// What one trial is built from.
#[derive(Debug, Clone, Copy)]
struct StackSetup {
    params: StackParams,
    threads: usize,
    seed: u64,
}

/// An arena stack whose pops yield the processor in both windows of an A→B→A interleaving (see
/// [`ArenaStack::pop_with_pause`]): what a preempted pop does on a loaded machine, made likely.
pub struct YieldingPops<S>(S);

impl<const TAGGED: bool> ConcurrentContainer<u64> for YieldingPops<ArenaStack<TAGGED>> {
    const ORDER: Order = Order::Lifo;
    const COUNTS_RETRIES: bool = true;

    fn with_capacity(capacity: usize) -> Self {
        Self(ArenaStack::new(capacity))
    }

    fn push(&self, item: u64) -> Result<(), u64> {
        self.0.push_counted(item).0
    }

    fn pop(&self) -> Option<u64> {
        self.pop_counted().0
    }

    fn push_counted(&self, item: u64) -> (Result<(), u64>, u32) {
        self.0.push_counted(item)
    }

    fn pop_counted(&self) -> (Option<u64>, u32) {
        self.0.pop_with_pause(std::thread::yield_now)
    }
}

/// The stack workload over any set of [`ConcurrentContainer`] implementations.
pub struct StackWorkload {
    catalog: Catalog<StackSetup>,
}

impl StackWorkload {
    /// A workload with no implementations yet; add them with [`StackWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every stack and queue this project ships: hand-rolled, library and the ABA demonstration.
    pub fn standard() -> Self {
        use ImplKind::{Demonstration, HandRolled, Library};
        Self::empty()
            .with::<TreiberStack<u64>>(
                "treiber-stack",
                HandRolled,
                "Treiber's stack: CAS on the head, nodes reclaimed by crossbeam-epoch",
            )
            .with::<MsQueue<u64>>(
                "ms-queue",
                HandRolled,
                "Michael-Scott queue: dummy head, lagging tail helped on, epoch reclamation",
            )
            .with::<TaggedArenaStack>(
                "tagged-arena-stack",
                HandRolled,
                "Treiber stack over an index arena; head = index + version tag in one AtomicU64",
            )
            .with::<YieldingPops<primitives::UntaggedArenaStack>>(
                "untagged-arena-stack",
                Demonstration,
                "the arena stack without its tag, pops yielding mid-CAS: ABA loses and duplicates \
                 items (from 3 threads)",
            )
            .with::<Mutex<Vec<u64>>>("mutex-vec", Library, "std::sync::Mutex<Vec> (LIFO)")
            .with::<parking_lot::Mutex<Vec<u64>>>(
                "parking-lot-mutex-vec",
                Library,
                "parking_lot::Mutex<Vec> (LIFO)",
            )
            .with::<Mutex<std::collections::VecDeque<u64>>>(
                "mutex-vecdeque",
                Library,
                "std::sync::Mutex<VecDeque> (FIFO)",
            )
            .with::<SegQueue<u64>>("seg-queue", Library, "crossbeam SegQueue: unbounded, lock-free")
            .with::<ArrayQueue<u64>>(
                "array-queue",
                Library,
                "crossbeam ArrayQueue: bounded, Vyukov's ring with stamps",
            )
    }

    /// Adds the container `C` under `name`: each trial builds a fresh one with room for every
    /// item the trial can hold at once.
    pub fn with<C: ConcurrentContainer<u64> + 'static>(
        mut self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        self.catalog
            .add(name, kind, about, |setup: &StackSetup| Box::new(StackTrial::<C>::new(setup)));
        self
    }
}

impl Default for StackWorkload {
    fn default() -> Self {
        Self::standard()
    }
}

impl Workload for StackWorkload {
    fn name(&self) -> &str {
        "stack"
    }

    fn about(&self) -> &str {
        "threads push and pop at random on one concurrent stack or queue"
    }

    fn invariant(&self) -> &str {
        "every item pushed is popped exactly once (by a thread or the final drain), none invented; \
         the drain finds each thread's items in LIFO or FIFO order"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let stack_setup = StackSetup {
            params: StackParams::from_params(setup.params),
            threads: setup.threads,
            seed: setup.seed,
        };
        self.catalog.make(implementation, &stack_setup)
    }
}

/// The shared state of one stack trial.
struct StackTrial<C> {
    container: C,
    setup: StackSetup,
    /// Filled in with the prefill, then by each worker as it finishes.
    ledger: Mutex<Ledger>,
}

impl<C: ConcurrentContainer<u64>> StackTrial<C> {
    fn new(setup: &StackSetup) -> Self {
        let container = C::with_capacity(setup.params.capacity(setup.threads));
        // The prefill is source `threads`, after the threads' own sources 0..threads.
        let mut ledger = Ledger::new(setup.threads + 1);
        let source = setup.threads as u64;
        for seq in 0..setup.params.prefill {
            let id = ledger::item_id(source, seq);
            if container.push(id).is_ok() {
                ledger.pushed(source, id);
            }
        }
        Self { container, setup: *setup, ledger: Mutex::new(ledger) }
    }
}

impl<C: ConcurrentContainer<u64>> Trial for StackTrial<C> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        Box::new(StackWorker::new(self, index))
    }

    fn check(&self, _ops: u64) -> Check {
        let mut ledger = self.ledger.lock().expect("a worker panicked");
        // A corrupted stack may hold a cycle: drain at most one pop more than a correct one can
        // hold, which is enough to tell.
        let limit = self.setup.params.capacity(self.setup.threads) as u64 + 1;
        let drained = (0..limit).map_while(|_| self.container.pop());
        ledger.drain(drained, C::ORDER, limit);
        match ledger.verdict(C::ORDER, C::COUNTS_RETRIES) {
            Ok(summary) => Check::Held(summary),
            Err(problems) => Check::Violated(problems),
        }
    }
}
