//! A user's broken primitives, written only against the public library API and run by
//! `syncbench run`, each caught by the check of what it claims or what its trait promises; beside
//! each, a correct twin that passes. These are the gallery's "claimed properties" rows.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use primitives::counters::LockedCounter;
use primitives::{Cache, CowList, LruCache, ReaderPrefRwLock, SwapReader};
use primitives::{SpinLock, TicketLock, WriterPrefRwLock};
use reports::record::Outcome;
use reports::SummaryRow;
use workloads::buffer::BufferWorkload;
use workloads::counter::CounterWorkload;
use workloads::cow::CowWorkload;
use workloads::hazards::starvation::StarvationWorkload;
use workloads::lru::LruWorkload;
use workloads::{Claim, ImplInfo, ImplKind, Registry};

mod support;
use support::run_registry;
use support::user_queue::{bug, UserQueueFamily};

/// Runs `workload` on the user's implementation `name`; the rows' invariant texts.
fn run(
    registry: Registry,
    workload: &str,
    name: &str,
    args: &[&str],
) -> (ExitCode, Vec<SummaryRow>) {
    let base = [workload, "--impls", name, "--duration", "100ms", "--warmup", "20ms"];
    run_registry(&registry, &[&base[..], args].concat())
}

fn assert_caught(result: (ExitCode, Vec<SummaryRow>), message: &str) {
    let (code, rows) = result;
    assert_eq!(code, ExitCode::from(1), "{rows:?}");
    assert!(
        rows.iter().any(|row| row.invariant.outcome.is_finding()
            && row.invariant.detail.contains(message)),
        "no row says '{message}': {:#?}",
        rows.iter().map(|row| row.invariant.to_string()).collect::<Vec<_>>()
    );
}

fn assert_passes(result: (ExitCode, Vec<SummaryRow>)) {
    let (code, rows) = result;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|row| row.invariant.outcome == Outcome::Held), "{rows:#?}");
    assert_eq!(code, ExitCode::SUCCESS);
}

// --- A bounded buffer whose waits are `if`, not `while` -------------------------------------

fn buffer_registry() -> Registry {
    let buffer = BufferWorkload::empty()
        .with::<UserQueueFamily<{ bug::IF_WAIT }>>("if-wait-queue", ImplKind::User, "waits with if")
        .with::<UserQueueFamily<{ bug::NONE }>>(
            "while-wait-queue",
            ImplKind::User,
            "waits with while",
        );
    Registry::standard().with(buffer)
}

const BUFFER_ARGS: [&str; 6] = ["--threads", "4", "--repeats", "3", "--set", "capacity=16"];

#[test]
fn a_buffer_that_waits_with_if_is_caught_by_its_capacity_or_close_check() {
    let (code, rows) = run(buffer_registry(), "buffer", "if-wait-queue", &BUFFER_ARGS);
    let caught = |row: &SummaryRow| {
        let detail = &row.invariant.detail;
        detail.contains("capacity 16 exceeded")
            || detail.contains("reported the queue closed before it was closed")
    };
    assert_eq!(code, ExitCode::from(1));
    assert!(rows.iter().any(caught), "{rows:#?}");
}

#[test]
fn the_same_buffer_waiting_with_while_passes() {
    assert_passes(run(buffer_registry(), "buffer", "while-wait-queue", &BUFFER_ARGS));
}

// --- An RW lock that claims writer preference -----------------------------------------------

fn starvation_registry() -> Registry {
    let claim = |name, about| {
        ImplInfo::new(name, ImplKind::User, about).claiming(&[Claim::WriterPreferring])
    };
    let starvation = StarvationWorkload::empty()
        .with_rwlock_info::<ReaderPrefRwLock<[u64; 2]>>(claim("claims-writer-pref", "readers pass"))
        .with_rwlock_info::<WriterPrefRwLock<[u64; 2]>>(claim("is-writer-pref", "writers first"));
    Registry::standard().with(starvation)
}

#[test]
fn a_lock_that_lets_readers_pass_a_waiting_writer_fails_its_claim() {
    let args = ["--threads", "2", "--repeats", "1"];
    assert_caught(
        run(starvation_registry(), "starvation", "claims-writer-pref", &args),
        "claims writer preference, but a reader that asked while a writer waited",
    );
}

#[test]
fn a_writer_preferring_lock_keeps_its_claim() {
    let args = ["--threads", "2", "--repeats", "1"];
    assert_passes(run(starvation_registry(), "starvation", "is-writer-pref", &args));
}

// --- A mutex that claims FIFO fairness ------------------------------------------------------

fn counter_registry() -> Registry {
    let claim =
        |name, about| ImplInfo::new(name, ImplKind::User, about).claiming(&[Claim::FifoFair]);
    let counter = CounterWorkload::empty()
        .with_info::<LockedCounter<SpinLock<u64>>>(claim("claims-fifo", "a spin lock"))
        .with_info::<LockedCounter<TicketLock<u64>>>(claim("is-fifo", "a ticket lock"));
    Registry::standard().with(counter)
}

/// Five repeats: on a loaded machine a spin lock's waiters are now and then scheduled in the
/// order they asked, and a whole check sees it FIFO; five in a row do not.
const COUNTER_ARGS: [&str; 4] = ["--threads", "2", "--repeats", "5"];

#[test]
fn an_unfair_lock_that_claims_fifo_fairness_is_caught() {
    assert_caught(
        run(counter_registry(), "counter", "claims-fifo", &COUNTER_ARGS),
        "claims FIFO fairness, but a thread that asked after another",
    );
}

#[test]
fn a_fifo_lock_keeps_its_claim() {
    assert_passes(run(counter_registry(), "counter", "is-fifo", &COUNTER_ARGS));
}

// --- A cache that claims exact LRU ----------------------------------------------------------

/// Evicts in insertion order: a get does not refresh an entry (as a cache that takes only a
/// shared lock for gets cannot move the entry it finds).
struct InsertionOrderCache {
    entries: Mutex<VecDeque<(u64, u64)>>,
    capacity: usize,
}

impl Cache<u64, u64> for InsertionOrderCache {
    fn with_capacity(capacity: usize) -> Self {
        Self { entries: Mutex::new(VecDeque::new()), capacity }
    }
    fn get(&self, key: &u64) -> Option<u64> {
        self.entries.lock().unwrap().iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
    fn put(&self, key: u64, value: u64) -> Option<(u64, u64)> {
        let mut entries = self.entries.lock().unwrap();
        if let Some(entry) = entries.iter_mut().find(|(k, _)| *k == key) {
            entry.1 = value;
            return None;
        }
        entries.push_back((key, value));
        (entries.len() > self.capacity).then(|| entries.pop_front().unwrap())
    }
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
    fn capacity(&self) -> usize {
        self.capacity
    }
}

fn lru_registry() -> Registry {
    let claim =
        |name, about| ImplInfo::new(name, ImplKind::User, about).claiming(&[Claim::ExactLru]);
    let lru = LruWorkload::empty()
        .with_info::<InsertionOrderCache>(claim("insertion-order", "gets do not refresh"))
        .with_info::<LruCache<u64, u64>>(claim("project-lru", "the project's LRU"));
    Registry::standard().with(lru)
}

const LRU_ARGS: [&str; 6] = ["--threads", "1", "--repeats", "1", "--set", "capacity=64"];

#[test]
fn a_cache_that_evicts_in_insertion_order_fails_its_exact_lru_claim() {
    assert_caught(
        run(lru_registry(), "lru", "insertion-order", &LRU_ARGS),
        "claims exact LRU, but it evicted key 0 of the 64 just put",
    );
}

#[test]
fn an_exact_lru_cache_keeps_its_claim() {
    assert_passes(run(lru_registry(), "lru", "project-lru", &LRU_ARGS));
}

// --- A copy-on-write list whose snapshot is a live view -------------------------------------

/// The current list under a mutex; writers copy, append and publish under the lock. With
/// `LIVE_VIEW` a snapshot is not a copy but a view that reads the list as it is whenever it is
/// looked at, so a held snapshot grows as writers append.
struct UserCowList<const LIVE_VIEW: bool>(Mutex<Arc<[u64]>>);

impl<const LIVE_VIEW: bool> UserCowList<LIVE_VIEW> {
    fn current(&self) -> Arc<[u64]> {
        self.0.lock().unwrap().clone()
    }
}

/// A snapshot: the `Arc` taken, or a view of the list.
enum UserSnapshot<'a, const LIVE_VIEW: bool> {
    Taken(Arc<[u64]>),
    View(&'a UserCowList<LIVE_VIEW>),
}

impl<const LIVE_VIEW: bool> std::ops::Deref for UserSnapshot<'_, LIVE_VIEW> {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        match self {
            UserSnapshot::Taken(items) => items,
            // Leaks a copy per look: the view has nothing of its own to lend.
            UserSnapshot::View(list) => Box::leak(list.current().to_vec().into_boxed_slice()),
        }
    }
}

struct UserReader<'a, const LIVE_VIEW: bool>(&'a UserCowList<LIVE_VIEW>, Arc<[u64]>);

impl<const LIVE_VIEW: bool> SwapReader<[u64]> for UserReader<'_, LIVE_VIEW> {
    fn load(&mut self) -> &[u64] {
        self.1 = self.0.current();
        &self.1
    }
}

impl<const LIVE_VIEW: bool> CowList<u64> for UserCowList<LIVE_VIEW> {
    type Snapshot<'a> = UserSnapshot<'a, LIVE_VIEW>;
    type Reader<'a> = UserReader<'a, LIVE_VIEW>;

    fn new() -> Self {
        Self(Mutex::new(Arc::from(Vec::new())))
    }
    fn snapshot(&self) -> UserSnapshot<'_, LIVE_VIEW> {
        if LIVE_VIEW {
            UserSnapshot::View(self)
        } else {
            UserSnapshot::Taken(self.current())
        }
    }
    fn reader(&self) -> UserReader<'_, LIVE_VIEW> {
        UserReader(self, self.current())
    }
    fn push(&self, item: u64) {
        let mut current = self.0.lock().unwrap();
        let mut items = current.to_vec();
        items.push(item);
        *current = Arc::from(items);
    }
}

fn cow_registry() -> Registry {
    let cow = CowWorkload::empty()
        .with::<UserCowList<true>>("live-view-list", ImplKind::User, "snapshots are views")
        .with::<UserCowList<false>>("copied-list", ImplKind::User, "snapshots are copies");
    Registry::standard().with(cow)
}

const COW_ARGS: [&str; 8] =
    ["--threads", "2", "--repeats", "1", "--set", "append_every_us=20", "--set", "prefill=10"];

#[test]
fn a_list_whose_held_snapshot_changes_is_caught() {
    assert_caught(
        run(cow_registry(), "cow", "live-view-list", &COW_ARGS),
        "published snapshots changed while a reader held them",
    );
}

#[test]
fn a_list_whose_snapshots_are_copies_passes() {
    assert_passes(run(cow_registry(), "cow", "copied-list", &COW_ARGS));
}
