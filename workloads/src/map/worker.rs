//! One thread of a map trial: runs its planned operations and checks every result against what
//! it knows of its own keys (exactly) and of the others' (possibility).

use primitives::map::ConcurrentMap;

use super::mix::OpKind;
use super::plan::{Op, Plan};
use super::value::{bumped, key_in, value_of, OwnedKey};
use super::violations::Violations;
use super::MapTrial;
use crate::metrics::Metrics;
use crate::workload::Worker;

/// Counter of reads that found their key.
pub const READ_HITS: &str = "read_hits";
/// Counter of reads that found nothing.
pub const READ_MISSES: &str = "read_misses";
/// Counter of writes that changed the map (an insert of an absent key, a remove of a present one,
/// an update of a present one, every upsert).
pub const WRITES_CHANGED: &str = "writes_changed";
/// Counter of writes that found nothing to do (an insert of a present key, a remove or an update
/// of an absent one).
pub const WRITES_UNCHANGED: &str = "writes_unchanged";

/// Its counters and plan position are written on every operation: the alignment keeps two
/// threads' workers off one cache line, so the workload adds no sharing of its own.
#[repr(align(128))]
pub struct MapWorker<'a, M> {
    trial: &'a MapTrial<M>,
    thread: usize,
    plan: Plan,
    /// What this thread knows of each key it owns, by slot.
    owned: Vec<OwnedKey>,
    /// Successful inserts (upserts that inserted included) and removes, as the map reported them.
    inserted: u64,
    removed: u64,
    violations: Violations,
    /// Outcome counters since the last [`Worker::take_metrics`].
    read_hits: u64,
    read_misses: u64,
    writes_changed: u64,
    writes_unchanged: u64,
}

impl<'a, M: ConcurrentMap<u64, u64>> MapWorker<'a, M> {
    pub fn new(trial: &'a MapTrial<M>, thread: usize) -> Self {
        let setup = &trial.setup;
        let ownership = trial.ownership;
        let owned = (0..ownership.owned_by(thread))
            .map(|slot| OwnedKey {
                present: trial.prefilled(ownership.key_at(thread, slot)),
                version: 0,
            })
            .collect();
        Self {
            trial,
            thread,
            plan: Plan::new(
                &setup.params.mix,
                setup.params.distribution,
                ownership,
                setup.seed,
                thread,
            ),
            owned,
            inserted: 0,
            removed: 0,
            violations: Violations::default(),
            read_hits: 0,
            read_misses: 0,
            writes_changed: 0,
            writes_unchanged: 0,
        }
    }

    #[inline]
    fn read(&mut self, op: Op) {
        let key = op.key;
        let found = self.trial.map.get(&key);
        if found.is_some() {
            self.read_hits += 1;
        } else {
            self.read_misses += 1;
        }
        if op.owned {
            let expected = self.owned[op.slot].expected(key);
            if found != expected {
                self.wrong(op, "get", format!("{found:x?}, expected {expected:x?}"));
            }
        } else if let Some(value) = found.filter(|&value| key_in(value) != key) {
            let thread = self.thread;
            self.violations.note(|| {
                format!("thread {thread}: get({key}) found key {}'s value", key_in(value))
            });
        }
    }

    #[inline]
    fn insert(&mut self, op: Op) {
        let (key, state) = (op.key, self.owned[op.slot]);
        let next = state.version.wrapping_add(1);
        let inserted = self.trial.map.insert(key, value_of(key, next));
        self.inserted += u64::from(inserted);
        self.tally_write(inserted);
        if inserted == state.present {
            self.wrong(op, "insert", format!("{inserted}, expected {}", !state.present));
        } else if inserted {
            self.owned[op.slot] = OwnedKey { present: true, version: next };
        }
    }

    #[inline]
    fn remove(&mut self, op: Op) {
        let (key, state) = (op.key, self.owned[op.slot]);
        let removed = self.trial.map.remove(&key);
        self.removed += u64::from(removed);
        self.tally_write(removed);
        if removed != state.present {
            self.wrong(op, "remove", format!("{removed}, expected {}", state.present));
        } else {
            self.owned[op.slot].present = false;
        }
    }

    #[inline]
    fn update(&mut self, op: Op) {
        let (key, state) = (op.key, self.owned[op.slot]);
        let mut seen = None;
        let updated = self.trial.map.update(&key, |value| {
            seen = Some(*value);
            *value = bumped(*value);
        });
        self.tally_write(updated);
        let expected = state.expected(key);
        if updated != state.present || seen != expected {
            self.wrong(op, "update", format!("{updated} on {seen:x?}, expected {expected:x?}"));
        } else if updated {
            self.owned[op.slot].version = state.version.wrapping_add(1);
        }
    }

    #[inline]
    fn upsert(&mut self, op: Op) {
        let (key, state) = (op.key, self.owned[op.slot]);
        let next = state.version.wrapping_add(1);
        let mut seen = None;
        let inserted = self.trial.map.upsert(key, value_of(key, next), |value| {
            seen = Some(*value);
            *value = bumped(*value);
        });
        self.inserted += u64::from(inserted);
        self.tally_write(true);
        let expected = state.expected(key);
        if inserted == state.present || (!inserted && seen != expected) {
            self.wrong(
                op,
                "upsert",
                format!("inserted={inserted} on {seen:x?}, expected {expected:x?}"),
            );
        } else {
            self.owned[op.slot] = OwnedKey { present: true, version: next };
        }
    }

    #[inline]
    fn tally_write(&mut self, changed: bool) {
        if changed {
            self.writes_changed += 1;
        } else {
            self.writes_unchanged += 1;
        }
    }

    /// Notes an impossible result of `what` on an owned key, and carries on from what the map
    /// holds now.
    #[cold]
    #[inline(never)]
    fn wrong(&mut self, op: Op, what: &str, got: String) {
        let (thread, key) = (self.thread, op.key);
        self.violations
            .note(|| format!("thread {thread}: {what}({key}) of its own key gave {got}"));
        self.owned[op.slot] = OwnedKey::from_found(self.trial.map.get(&key));
    }
}

impl<M: ConcurrentMap<u64, u64>> Worker for MapWorker<'_, M> {
    #[inline]
    fn run(&mut self, n: u64) -> u64 {
        for _ in 0..n {
            let op = self.plan.next_op();
            match op.kind {
                OpKind::Read => self.read(op),
                OpKind::Insert => self.insert(op),
                OpKind::Remove => self.remove(op),
                OpKind::Update => self.update(op),
                OpKind::Upsert => self.upsert(op),
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.trial.record_finish(
            self.thread,
            std::mem::take(&mut self.owned),
            self.inserted,
            self.removed,
            &self.violations,
        );
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        let mut metrics = Metrics::default();
        metrics.count(READ_HITS, std::mem::take(&mut self.read_hits));
        metrics.count(READ_MISSES, std::mem::take(&mut self.read_misses));
        metrics.count(WRITES_CHANGED, std::mem::take(&mut self.writes_changed));
        metrics.count(WRITES_UNCHANGED, std::mem::take(&mut self.writes_unchanged));
        metrics
    }
}
