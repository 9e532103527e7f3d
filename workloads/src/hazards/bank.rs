//! `bank`: threads transfer money between accounts, each transfer locking both accounts.
//!
//! The classic lock-ordering deadlock. `naive-order` locks the account it pays from, then the one
//! it pays to: two opposite transfers each hold one account and wait for the other, forever.
//! `ordered` fixes it with one global order (the lower account id first), `try-lock-backoff` by
//! giving up the first lock when the second does not come within a timeout and retrying after a
//! random pause. `lost-update` locks each account only to read it and again to write it, so
//! concurrent transfers overwrite each other and money appears or vanishes.
//!
//! A user's transfer protocol plugs in as [`Accounts`] ([`BankWorkload::with`]), checked by the
//! same invariant and watchdog.
//!
//! Invariant: the total balance never changes. Every `audit_every`-th operation of each thread is
//! an audit that locks every account in id order and sums them (checked continuously, counted
//! as operations); the final total is checked after the run.

use std::time::Duration;

use crossbeam_utils::CachePadded;
use parking_lot::{Mutex, MutexGuard};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::audit_tally::AuditTally;
use super::user_bank::{Accounts, BankSetup, UserBank};
use super::variants::{infos, variant, Variant};
use super::wait_for::WaitForGraph;
use crate::busy_work::{BusyWork, BUSY_NS};
use crate::catalog::Catalog;
use crate::metrics::Metrics;
use crate::params::{ParamKind, ParamSpec, Range};
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "accounts",
        kind: ParamKind::Count(Range::new(2, 1 << 16).drawn_to(64)),
        default: "8",
        help: "accounts (at least 2)",
    },
    ParamSpec {
        name: "hold_ns",
        kind: ParamKind::Nanos(BUSY_NS),
        default: "200",
        help: "busy work while holding both accounts (ns)",
    },
    ParamSpec {
        name: "audit_every",
        kind: ParamKind::Count(Range::new(1, 1 << 20).drawn_to(1000)),
        default: "100",
        help: "every N-th operation of a thread audits the total (at least 1)",
    },
];

/// Every account starts with this much.
const OPENING_BALANCE: i64 = 1_000;
/// How long `try-lock-backoff` waits for its second account before backing off.
const TRY_LOCK_TIMEOUT: Duration = Duration::from_micros(50);

/// How a transfer takes its two locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    NaiveOrder,
    Ordered,
    TryLockBackoff,
    LostUpdate,
}

const IMPLEMENTATIONS: &[Variant<Strategy>] = &[
    (
        "naive-order",
        ImplKind::Demonstration,
        "lock the payer, then the payee: opposite transfers deadlock",
        Strategy::NaiveOrder,
    ),
    (
        "ordered",
        ImplKind::HandRolled,
        "lock the lower account id first: one global order",
        Strategy::Ordered,
    ),
    (
        "try-lock-backoff",
        ImplKind::HandRolled,
        "payer, then try the payee for 50 us; on failure release, sleep a random, doubling while, retry",
        Strategy::TryLockBackoff,
    ),
    (
        "lost-update",
        ImplKind::Demonstration,
        "read each balance under its lock, write it back later: updates are lost",
        Strategy::LostUpdate,
    ),
];

/// The bank workload: the built-in lock orders, then any user protocols.
#[derive(Default)]
pub struct BankWorkload {
    users: Catalog<BankSetup>,
}

impl BankWorkload {
    pub fn standard() -> Self {
        Self::default()
    }

    /// Adds a user's protocol: `A` opens fresh accounts for each trial.
    pub fn with<A: Accounts + 'static>(mut self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.users.add(name, kind, about, |setup: &BankSetup| Box::new(UserBank::<A>::new(setup)));
        self
    }
}

impl Workload for BankWorkload {
    fn name(&self) -> &str {
        "bank"
    }

    fn about(&self) -> &str {
        "transfers between accounts, each locking both: lock order and deadlock"
    }

    fn invariant(&self) -> &str {
        "the total balance never changes (audited under all locks while running, and at the end)"
    }

    fn params(&self) -> &[ParamSpec] {
        PARAMS
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        let mut all = infos(IMPLEMENTATIONS);
        all.extend(self.users.infos());
        all
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let accounts = setup.params.number("accounts") as usize;
        let Some(strategy) = variant(IMPLEMENTATIONS, implementation) else {
            let user = BankSetup {
                accounts,
                opening_balance: OPENING_BALANCE,
                hold: BusyWork::from_nanos(setup.params.number("hold_ns")),
                audit_every: setup.params.number("audit_every"),
                seed: setup.seed,
            };
            return self.users.make(implementation, &user);
        };
        Some(Box::new(BankTrial {
            strategy,
            accounts: (0..accounts)
                .map(|_| CachePadded::new(Mutex::new(OPENING_BALANCE)))
                .collect(),
            graph: WaitForGraph::new(setup.threads, accounts),
            hold: BusyWork::from_nanos(setup.params.number("hold_ns")),
            audit_every: setup.params.number("audit_every"),
            seed: setup.seed,
            tally: AuditTally::default(),
        }))
    }
}

struct BankTrial {
    strategy: Strategy,
    accounts: Vec<CachePadded<Mutex<i64>>>,
    graph: WaitForGraph,
    hold: BusyWork,
    audit_every: u64,
    seed: u64,
    tally: AuditTally,
}

impl BankTrial {
    fn opening_total(&self) -> i64 {
        OPENING_BALANCE * self.accounts.len() as i64
    }

    /// Locks `account` for `thread`, keeping the wait-for graph current.
    fn lock(&self, thread: usize, account: usize) -> Held<'_> {
        self.graph.waiting(thread, account);
        let guard = self.accounts[account].lock();
        self.graph.acquired(thread, account);
        Held { guard, graph: &self.graph, account }
    }

    /// Like [`BankTrial::lock`], giving up after `timeout`.
    fn try_lock_for(&self, thread: usize, account: usize, timeout: Duration) -> Option<Held<'_>> {
        self.graph.waiting(thread, account);
        let Some(guard) = self.accounts[account].try_lock_for(timeout) else {
            self.graph.gave_up(thread);
            return None;
        };
        self.graph.acquired(thread, account);
        Some(Held { guard, graph: &self.graph, account })
    }

    /// Sums every account under all their locks, taken in id order.
    fn audit(&self, thread: usize) -> bool {
        let held: Vec<Held<'_>> = (0..self.accounts.len()).map(|a| self.lock(thread, a)).collect();
        held.iter().map(|h| *h.guard).sum::<i64>() == self.opening_total()
    }
}

/// An account's lock guard that keeps the wait-for graph current when released.
struct Held<'a> {
    guard: MutexGuard<'a, i64>,
    graph: &'a WaitForGraph,
    account: usize,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // Runs before the guard field is dropped, i.e. before the unlock.
        self.graph.released(self.account);
    }
}

impl Trial for BankTrial {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        let rng =
            SmallRng::seed_from_u64(self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Box::new(Teller { trial: self, index, rng, done: 0, audits: 0, bad_audits: 0, retries: 0 })
    }

    fn diagnose_stall(&self) -> Option<String> {
        let waits = self.graph.describe("thread", "account")?;
        let why = match self.strategy {
            Strategy::NaiveOrder => {
                "each transfer holds the account it pays from and waits for the one it pays to: locks taken in transfer order, not one global order"
            }
            _ => "unexpected: this lock order cannot close a cycle",
        };
        Some(format!("{why}; {waits}"))
    }

    fn check(&self, ops: u64) -> Check {
        let total: i64 = self.accounts.iter().map(|a| *a.lock()).sum();
        let why = " — a read-modify-write split across two lock holds lets transfers overwrite each other";
        self.tally.check(total, self.opening_total(), ops, why)
    }
}

/// One thread making transfers and, now and then, an audit.
struct Teller<'a> {
    trial: &'a BankTrial,
    index: usize,
    rng: SmallRng,
    done: u64,
    audits: u64,
    bad_audits: u64,
    retries: u64,
}

impl Teller<'_> {
    fn transfer(&mut self) {
        let trial = self.trial;
        let accounts = trial.accounts.len();
        let from = self.rng.random_range(0..accounts);
        let to = (from + self.rng.random_range(1..accounts)) % accounts;
        let amount = self.rng.random_range(1..=10);
        let me = self.index;
        match trial.strategy {
            Strategy::NaiveOrder => {
                let mut payer = trial.lock(me, from);
                let mut payee = trial.lock(me, to);
                move_money(&mut payer, &mut payee, amount, trial.hold);
            }
            Strategy::Ordered => {
                let (mut low, mut high) =
                    (trial.lock(me, from.min(to)), trial.lock(me, from.max(to)));
                let (payer, payee) =
                    if from < to { (&mut low, &mut high) } else { (&mut high, &mut low) };
                move_money(payer, payee, amount, trial.hold);
            }
            Strategy::TryLockBackoff => {
                let mut failures = 0u32;
                loop {
                    let mut payer = trial.lock(me, from);
                    if let Some(mut payee) = trial.try_lock_for(me, to, TRY_LOCK_TIMEOUT) {
                        move_money(&mut payer, &mut payee, amount, trial.hold);
                        return;
                    }
                    drop(payer);
                    self.retries += 1;
                    failures += 1;
                    // A random pause of 1 to 2^failures timeouts (up to 64): two threads that
                    // collided do not retry in step, and a pause shorter than the other's wait
                    // would only collide again.
                    let timeouts = self.rng.random_range(1..=1u32 << failures.min(6));
                    std::thread::sleep(TRY_LOCK_TIMEOUT * timeouts);
                }
            }
            Strategy::LostUpdate => {
                let payer_balance = *trial.lock(me, from).guard;
                let payee_balance = *trial.lock(me, to).guard;
                trial.hold.run();
                *trial.lock(me, from).guard = payer_balance - amount;
                *trial.lock(me, to).guard = payee_balance + amount;
            }
        }
    }
}

fn move_money(payer: &mut Held<'_>, payee: &mut Held<'_>, amount: i64, hold: BusyWork) {
    *payer.guard -= amount;
    hold.run();
    *payee.guard += amount;
}

impl Worker for Teller<'_> {
    fn run(&mut self, n: u64) -> u64 {
        for _ in 0..n {
            self.done += 1;
            if self.done.is_multiple_of(self.trial.audit_every) {
                self.audits += 1;
                self.bad_audits += u64::from(!self.trial.audit(self.index));
            } else {
                self.transfer();
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.trial.tally.published(self.audits, self.bad_audits);
        0
    }

    fn take_metrics(&mut self) -> Metrics {
        let mut metrics = Metrics::default();
        metrics.count("retries", std::mem::take(&mut self.retries));
        metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_trial;

    fn run(name: &str, threads: usize, ops: u64) -> Check {
        let sets = [("accounts", "4"), ("hold_ns", "300"), ("audit_every", "10")];
        run_trial(&BankWorkload::standard(), name, threads, 7, &sets, |_, worker| worker.run(ops))
    }

    #[test]
    fn correct_transfers_keep_the_total() {
        for name in ["ordered", "try-lock-backoff"] {
            for threads in [1, 4] {
                let check = run(name, threads, 5_000);
                assert!(matches!(check, Check::Held(_)), "{name} t{threads}: {check:?}");
            }
        }
    }

    #[test]
    fn the_naive_order_is_fine_alone() {
        assert!(matches!(run("naive-order", 1, 5_000), Check::Held(_)));
    }

    #[test]
    fn lost_updates_are_counted() {
        let caught = (0..10).any(|_| {
            matches!(run("lost-update", 4, 20_000), Check::Violated(m) if m.starts_with("lost update: total"))
        });
        assert!(caught, "4 threads never lost an update in 10 runs");
    }

    #[test]
    fn audits_count_as_operations() {
        let check = run("ordered", 1, 100);
        assert_eq!(
            check,
            Check::Held("total 4000 unchanged over 90 transfers; 10 audits all balanced".into())
        );
    }
}
