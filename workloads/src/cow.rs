//! `cow`: readers iterate a copy-on-write list while writers now and then append to it.
//!
//! Every thread reads: it takes a snapshot through its reader handle and walks every element.
//! The first `writers` threads also append, one item every `append_every_us` (the use a
//! copy-on-write list is made for: a listener list, a routing table), each append timed into the
//! `push` histogram. Items are (writer, sequence number) pairs; the list starts with `prefill`
//! items of its own.
//!
//! Invariant, checked on every run: every snapshot is a consistent prefix of the appends — each
//! writer's items appear in order with no gap or repeat, a reader's snapshots never shrink, and
//! each snapshot begins with exactly the previous one (compared by a running hash); a published
//! snapshot never changes (each reader holds one snapshot at all times, swapped every
//! [`HOLD_READS`] reads, and checks it still hashes the same before letting it go); the final list
//! holds every append.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use primitives::adapters::locked_lists::{MutexVecList, RwLockVecList};
use primitives::cache::{CowList, SwapReader};
use primitives::CopyOnWriteList;

use crate::catalog::Catalog;
use crate::metrics::Metrics;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

/// Histogram of append latencies.
pub const PUSH: &str = "push";
/// A writer looks at the clock every this many reads.
const CLOCK_EVERY: u64 = 16;
/// A reader swaps the snapshot it holds every this many reads: often enough that the held one is
/// usually the list's current version, the one a writer that mutates in place would change, and
/// rarely enough that hashing it twice costs little beside the reads.
const HOLD_READS: u64 = 256;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "writers",
        kind: ParamKind::Count(Range::new(0, 1024).drawn_to(8)),
        default: "1",
        help: "threads that also append",
    },
    ParamSpec {
        name: "append_every_us",
        kind: ParamKind::Count(Range::new(1, 1_000_000).drawn_to(1000)),
        default: "100",
        help: "each writer appends one item this often (microseconds)",
    },
    ParamSpec {
        name: "prefill",
        kind: ParamKind::Count(Range::new(0, 1 << 24).drawn_to(10_000)),
        default: "100",
        help: "items in the list at the start",
    },
];

#[derive(Debug, Clone, Copy)]
struct CowSetup {
    writers: usize,
    append_every: Duration,
    prefill: u64,
}

/// The cow workload over any set of [`CowList`] implementations.
pub struct CowWorkload {
    catalog: Catalog<CowSetup>,
}

impl CowWorkload {
    /// A workload with no implementations yet; add them with [`CowWorkload::with`].
    pub fn empty() -> Self {
        Self { catalog: Catalog::new() }
    }

    /// Every copy-on-write list this project ships, hand-rolled and library, and the textbook
    /// locked lists they replace.
    pub fn standard() -> Self {
        Self::empty()
            .with::<CopyOnWriteList<u64>>(
                "copy-on-write-list",
                ImplKind::HandRolled,
                "writers copy under a mutex and publish an Arc<[T]>; readers revalidate a cached Arc",
            )
            .with::<ArcSwap<Vec<u64>>>(
                "arc-swap-list",
                ImplKind::Library,
                "arc_swap::ArcSwap<Vec<T>>; writers copy and publish with rcu",
            )
            .with::<MutexVecList<u64>>(
                "mutex-vec-list",
                ImplKind::Library,
                "textbook rival, std only: Mutex<Vec<T>>; push in place, reads copy out under it",
            )
            .with::<RwLockVecList<u64>>(
                "rwlock-vec-list",
                ImplKind::Library,
                "textbook rival, std only: RwLock<Vec<T>>; readers copy out together",
            )
    }

    /// Adds the list type `L` under `name`.
    pub fn with<L: CowList<u64> + 'static>(
        mut self,
        name: &str,
        kind: ImplKind,
        about: &str,
    ) -> Self {
        self.catalog
            .add(name, kind, about, |setup: &CowSetup| Box::new(CowTrial::<L>::new(*setup)));
        self
    }
}

impl Workload for CowWorkload {
    fn name(&self) -> &str {
        "cow"
    }

    fn about(&self) -> &str {
        "readers iterate a copy-on-write list while writers now and then append"
    }

    fn invariant(&self) -> &str {
        "every snapshot is a consistent prefix of the appends; the final list holds them all"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        self.catalog.infos()
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let params = setup.params;
        let cow_setup = CowSetup {
            writers: params.number("writers") as usize,
            append_every: Duration::from_micros(params.number("append_every_us")),
            prefill: params.number("prefill"),
        };
        self.catalog.make(implementation, &cow_setup)
    }
}

/// An item: who appended it, and its place in that writer's sequence.
#[inline]
fn item(writer: u64, seq: u64) -> u64 {
    writer << 32 | seq
}

/// The writer id of the prefilled items.
const PREFILL_WRITER: u64 = u32::MAX as u64;

struct CowTrial<L> {
    list: L,
    setup: CowSetup,
    /// Appends made, added up as each writer finishes.
    appends: AtomicU64,
    /// Broken snapshots seen, added up as each reader finishes.
    broken_snapshots: AtomicU64,
    /// Held snapshots whose items changed while held.
    mutated_snapshots: AtomicU64,
}

impl<L: CowList<u64>> CowTrial<L> {
    fn new(setup: CowSetup) -> Self {
        let list = L::new();
        (0..setup.prefill).for_each(|seq| list.push(item(PREFILL_WRITER, seq)));
        Self {
            list,
            setup,
            appends: AtomicU64::new(0),
            broken_snapshots: AtomicU64::new(0),
            mutated_snapshots: AtomicU64::new(0),
        }
    }
}

impl<L: CowList<u64>> Trial for CowTrial<L> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        let writer = (index < self.setup.writers).then(|| Appender {
            id: index as u64,
            next_seq: 0,
            next_due: Instant::now(),
        });
        Box::new(CowWorker {
            trial: self,
            reader: self.list.reader(),
            writer,
            snapshot_check: SnapshotCheck::default(),
            held: None,
            reads: 0,
            metrics: Metrics::default(),
        })
    }

    fn check(&self, _ops: u64) -> Check {
        let broken = self.broken_snapshots.load(Ordering::Relaxed);
        let mut last = SnapshotCheck::default();
        let final_ok = last.accepts(&self.list.snapshot());
        let expected = self.setup.prefill + self.appends.load(Ordering::Relaxed);
        let len = self.list.snapshot().len() as u64;
        let mutated = self.mutated_snapshots.load(Ordering::Relaxed);
        if mutated > 0 {
            return Check::Violated(format!(
                "{mutated} published snapshots changed while a reader held them; \
                 {broken} inconsistent snapshots"
            ));
        }
        if broken > 0 || !final_ok || len != expected {
            Check::Violated(format!(
                "{broken} inconsistent snapshots; final list {len} items for {expected} appended{}",
                if final_ok { "" } else { ", out of order" }
            ))
        } else {
            Check::Held(format!(
                "every snapshot a consistent prefix, none changed while held; final list {len} items"
            ))
        }
    }
}

/// A writer's part: when its next append is due, and what it appends.
struct Appender {
    id: u64,
    next_seq: u64,
    next_due: Instant,
}

/// What a reader remembers of its previous snapshot, to check the next one against it.
#[derive(Debug, Default)]
struct SnapshotCheck {
    previous_len: usize,
    /// Running hash of the previous snapshot's items.
    previous_hash: u64,
    /// Per writer (sparse: grown on demand), the next sequence number expected in this snapshot.
    next_seq: Vec<(u64, u64)>,
}

impl SnapshotCheck {
    /// Walks `items` and says whether it is a consistent prefix that extends the previous one.
    #[inline]
    fn accepts(&mut self, items: &[u64]) -> bool {
        if items.len() < self.previous_len {
            return false;
        }
        self.next_seq.clear();
        let mut hash = 0u64;
        let mut consistent = true;
        for (index, &it) in items.iter().enumerate() {
            if index == self.previous_len && self.previous_len > 0 {
                consistent &= hash == self.previous_hash;
            }
            hash = mix(hash, it);
            let (writer, seq) = (it >> 32, it & 0xffff_ffff);
            match self.next_seq.iter_mut().find(|(w, _)| *w == writer) {
                Some((_, next)) => {
                    consistent &= seq == *next;
                    *next += 1;
                }
                None => {
                    consistent &= seq == 0;
                    self.next_seq.push((writer, 1));
                }
            }
        }
        if items.len() == self.previous_len && self.previous_len > 0 {
            consistent &= hash == self.previous_hash;
        }
        self.previous_len = items.len();
        self.previous_hash = hash;
        consistent
    }
}

/// One step of the running hash of a snapshot's items.
#[inline]
fn mix(hash: u64, item: u64) -> u64 {
    (hash.rotate_left(5) ^ item).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The running hash of all of a snapshot's items, to see whether they change while it is held.
fn items_hash(items: &[u64]) -> u64 {
    items.iter().fold(0, |hash, &it| mix(hash, it))
}

struct CowWorker<'a, L: CowList<u64> + 'a> {
    trial: &'a CowTrial<L>,
    reader: L::Reader<'a>,
    writer: Option<Appender>,
    snapshot_check: SnapshotCheck,
    /// The snapshot this reader holds, and its items' hash when taken.
    held: Option<(L::Snapshot<'a>, u64)>,
    reads: u64,
    metrics: Metrics,
}

impl<L: CowList<u64>> CowWorker<'_, L> {
    /// Appends if this thread is a writer and its next append is due.
    #[inline]
    fn append_if_due(&mut self) {
        let Some(writer) = &mut self.writer else {
            return;
        };
        let now = Instant::now();
        if now < writer.next_due {
            return;
        }
        self.trial.list.push(item(writer.id, writer.next_seq));
        self.metrics.record(PUSH, now.elapsed().as_nanos() as u64);
        writer.next_seq += 1;
        writer.next_due = now + self.trial.setup.append_every;
    }

    /// Checks that the held snapshot is as it was taken, then holds the current one instead.
    fn swap_held(&mut self) {
        if let Some((snapshot, hash)) = &self.held {
            if items_hash(snapshot) != *hash {
                self.trial.mutated_snapshots.fetch_add(1, Ordering::Relaxed);
            }
        }
        let snapshot = self.trial.list.snapshot();
        let hash = items_hash(&snapshot);
        self.held = Some((snapshot, hash));
    }
}

impl<L: CowList<u64>> Worker for CowWorker<'_, L> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        for _ in 0..n {
            self.reads += 1;
            if self.reads.is_multiple_of(CLOCK_EVERY) {
                self.append_if_due();
            }
            if self.reads.is_multiple_of(HOLD_READS) {
                self.swap_held();
            }
            let items = self.reader.load();
            if !self.snapshot_check.accepts(items) {
                self.metrics.count("broken_snapshots", 1);
                self.trial.broken_snapshots.fetch_add(1, Ordering::Relaxed);
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.swap_held();
        self.held = None;
        if let Some(writer) = &self.writer {
            self.trial.appends.fetch_add(writer.next_seq, Ordering::Relaxed);
        }
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        std::mem::take(&mut self.metrics)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::testing::run_trial;

    /// A plainly correct list: the current `Arc` under a mutex; writers copy under the same lock.
    /// `LOSE_APPENDS` breaks it on purpose: the copy is made and published in two separate steps,
    /// so two writers can start from the same list and one append is lost.
    struct MutexArcList<const LOSE_APPENDS: bool>(Mutex<Arc<[u64]>>);

    struct Snapshotter<'a, const B: bool>(&'a MutexArcList<B>, Arc<[u64]>);

    impl<const B: bool> SwapReader<[u64]> for Snapshotter<'_, B> {
        fn load(&mut self) -> &[u64] {
            self.1 = self.0 .0.lock().unwrap().clone();
            &self.1
        }
    }

    impl<const LOSE_APPENDS: bool> CowList<u64> for MutexArcList<LOSE_APPENDS> {
        type Snapshot<'a> = Arc<[u64]>;
        type Reader<'a> = Snapshotter<'a, LOSE_APPENDS>;

        fn new() -> Self {
            Self(Mutex::new(Arc::from(Vec::new())))
        }
        fn snapshot(&self) -> Arc<[u64]> {
            self.0.lock().unwrap().clone()
        }
        fn reader(&self) -> Snapshotter<'_, LOSE_APPENDS> {
            Snapshotter(self, self.snapshot())
        }
        fn push(&self, item: u64) {
            if LOSE_APPENDS {
                let mut copy = self.snapshot().to_vec();
                copy.push(item);
                std::thread::yield_now(); // widens the window
                *self.0.lock().unwrap() = Arc::from(copy);
            } else {
                let mut current = self.0.lock().unwrap();
                let mut copy = current.to_vec();
                copy.push(item);
                *current = Arc::from(copy);
            }
        }
    }

    fn run(name: &str, threads: usize, writers: &str) -> Check {
        let workload = CowWorkload::empty()
            .with::<MutexArcList<false>>("plain", ImplKind::Library, "mutex + Arc")
            .with::<MutexArcList<true>>("loses-appends", ImplKind::Demonstration, "unlocked copy");
        let sets = [("writers", writers), ("append_every_us", "1"), ("prefill", "10")];
        run_trial(&workload, name, threads, 0, &sets, |_, worker| worker.run(3_000))
    }

    #[test]
    fn a_correct_list_holds() {
        for (threads, writers) in [(1, "1"), (3, "1"), (3, "2"), (2, "0")] {
            let check = run("plain", threads, writers);
            assert!(matches!(check, Check::Held(_)), "{threads} {writers}: {check:?}");
        }
    }

    #[test]
    fn a_list_that_loses_appends_is_caught() {
        let caught = (0..10).any(|_| matches!(run("loses-appends", 3, "3"), Check::Violated(_)));
        assert!(caught, "the unlocked-copy list passed 10 runs");
    }

    #[test]
    fn snapshots_must_extend_the_previous_one() {
        let mut check = SnapshotCheck::default();
        assert!(check.accepts(&[item(0, 0), item(1, 0), item(0, 1)]));
        assert!(check.accepts(&[item(0, 0), item(1, 0), item(0, 1), item(1, 1)]));
        assert!(!check.accepts(&[item(0, 0), item(1, 0)]), "shrunk");
        let mut check = SnapshotCheck::default();
        assert!(check.accepts(&[item(0, 0), item(1, 0)]));
        assert!(!check.accepts(&[item(1, 0), item(0, 0), item(0, 1)]), "reordered prefix");
        assert!(!SnapshotCheck::default().accepts(&[item(0, 0), item(0, 2)]), "gap");
        assert!(!SnapshotCheck::default().accepts(&[item(0, 0), item(0, 0)]), "repeat");
    }
}
