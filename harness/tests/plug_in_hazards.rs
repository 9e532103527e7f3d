//! A user's protocol plugged into a hazard workload through the library API.
//!
//! - Dining tables for `philosophers`: one takes only the left fork (so neighbours eat with the
//!   same fork), one takes left, yields, then right (and deadlocks); the twin takes the
//!   lower-numbered fork first and passes.
//! - Accounts for `bank`: one reads both balances under one lock hold and writes them back under
//!   another (updates are lost); the twin locks both accounts, lower id first, and passes.
//! - Resource managers for `banker`: one grants whatever is free (its grants leave unsafe states,
//!   and its jobs deadlock); the twin asks the project's `Banker`, and passes.
//! - Policies after a collision for `livelock`: one never steps away (everyone collides in every
//!   round, for good); the twin steps away for a random while, and passes.

use primitives::banker::Books;
use primitives::Banker;
use reports::record::Outcome;
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use workloads::hazards::banker::ResourceManager;
use workloads::hazards::dining_table::DiningTable;
use workloads::hazards::step_back::StepBack;
use workloads::hazards::user_bank::Accounts;
use workloads::hazards::{BankWorkload, BankerWorkload, LivelockWorkload, PhilosophersWorkload};
use workloads::{ImplKind, Registry};

mod support;
use support::run_registry;

/// Forks as mutexes; `ORDER` says which a philosopher takes, and in which order.
struct UserTable<const ORDER: u8> {
    forks: Vec<Mutex<()>>,
}

const LEFT_ONLY: u8 = 0;
const LEFT_THEN_RIGHT: u8 = 1;
const LOWER_FIRST: u8 = 2;

impl<const ORDER: u8> DiningTable for UserTable<ORDER> {
    fn new(philosophers: usize) -> Self {
        Self { forks: (0..philosophers.max(2)).map(|_| Mutex::new(())).collect() }
    }

    fn dine(&self, philosopher: usize, eat: &mut dyn FnMut()) {
        let (left, right) = (philosopher, (philosopher + 1) % self.forks.len());
        let (first, second) = match ORDER {
            LOWER_FIRST => (left.min(right), left.max(right)),
            _ => (left, right),
        };
        let _first = self.forks[first].lock().unwrap_or_else(PoisonError::into_inner);
        if ORDER == LEFT_THEN_RIGHT {
            std::thread::yield_now(); // lets the neighbours take their left forks too
        }
        // The bug of LEFT_ONLY: the right fork is never taken.
        let _second = (ORDER != LEFT_ONLY)
            .then(|| self.forks[second].lock().unwrap_or_else(PoisonError::into_inner));
        eat();
    }
}

fn registry() -> Registry {
    let philosophers = PhilosophersWorkload::standard()
        .with::<UserTable<LEFT_ONLY>>("left-only", ImplKind::User, "takes the left fork only")
        .with::<UserTable<LEFT_THEN_RIGHT>>("my-left-first", ImplKind::User, "left, then right")
        .with::<UserTable<LOWER_FIRST>>("lower-first", ImplKind::User, "lower fork first");
    let bank = BankWorkload::standard()
        .with::<UserAccounts<false>>("my-lost-update", ImplKind::User, "read, release, write")
        .with::<UserAccounts<true>>("my-ordered", ImplKind::User, "both locks, lower id first");
    let banker = BankerWorkload::standard()
        .with::<UserManager<false>>("my-greedy", ImplKind::User, "grants whatever is free")
        .with::<UserManager<true>>("my-banker", ImplKind::User, "asks primitives::Banker");
    let livelock = LivelockWorkload::standard()
        .with::<UserPolicy<false>>("my-polite", ImplKind::User, "never steps away")
        .with::<UserPolicy<true>>("my-backoff", ImplKind::User, "steps away at random");
    Registry::standard().with(philosophers).with(bank).with(banker).with(livelock)
}

/// After a collision: with `RANDOM`, step away for 0 to 2^n - 1 slots of 20 us, drawn from a
/// xorshift generator of the worker's own; otherwise never.
struct UserPolicy<const RANDOM: bool>(u64);

impl<const RANDOM: bool> StepBack for UserPolicy<RANDOM> {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn after_collision(&mut self, in_a_row: u32) -> Option<std::time::Duration> {
        if !RANDOM {
            return None; // the bug: everyone tries again in the very next round
        }
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let slots = self.0 % (1 << in_a_row.min(5));
        Some(std::time::Duration::from_micros(20 * slots))
    }
}

/// A manager over the books; `SAFE`: through the project's [`Banker`], otherwise granting any
/// request that fits in what is free.
enum UserManager<const SAFE: bool> {
    Safe(Banker),
    Greedy(Mutex<Books>, std::sync::Condvar),
}

impl<const SAFE: bool> ResourceManager for UserManager<SAFE> {
    fn new(total: Vec<u64>, maximum: Vec<Vec<u64>>) -> Self {
        if SAFE {
            return Self::Safe(Banker::new(total, maximum));
        }
        let allocation = vec![vec![0; total.len()]; maximum.len()];
        let books = Books { available: total, allocation, maximum };
        Self::Greedy(Mutex::new(books), std::sync::Condvar::new())
    }

    fn request(&self, process: usize, request: &[u64]) {
        match self {
            Self::Safe(banker) => {
                banker.request(process, request);
            }
            Self::Greedy(books, freed) => {
                let books = books.lock().unwrap_or_else(PoisonError::into_inner);
                let short = |b: &mut Books| request.iter().zip(&b.available).any(|(w, f)| w > f);
                let mut books =
                    freed.wait_while(books, short).unwrap_or_else(PoisonError::into_inner);
                for (r, &units) in request.iter().enumerate() {
                    books.available[r] -= units; // the bug: no check for a safe sequence
                    books.allocation[process][r] += units;
                }
            }
        }
    }

    fn release(&self, process: usize, release: &[u64]) {
        match self {
            Self::Safe(banker) => banker.release(process, release),
            Self::Greedy(books, freed) => {
                books.lock().unwrap_or_else(PoisonError::into_inner).release(process, release);
                freed.notify_all();
            }
        }
    }
}

/// Balances under a mutex each; `BOTH_HELD`: a transfer holds both accounts (lower id first),
/// otherwise it reads them under one hold and writes them under another.
struct UserAccounts<const BOTH_HELD: bool> {
    balances: Vec<Mutex<i64>>,
}

impl<const BOTH_HELD: bool> UserAccounts<BOTH_HELD> {
    fn lock(&self, account: usize) -> std::sync::MutexGuard<'_, i64> {
        self.balances[account].lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<const BOTH_HELD: bool> Accounts for UserAccounts<BOTH_HELD> {
    fn open(accounts: usize, balance: i64) -> Self {
        Self { balances: (0..accounts).map(|_| Mutex::new(balance)).collect() }
    }

    fn transfer(&self, from: usize, to: usize, amount: i64, hold: &mut dyn FnMut()) {
        if BOTH_HELD {
            let (mut low, mut high) = (self.lock(from.min(to)), self.lock(from.max(to)));
            let (payer, payee) =
                if from < to { (&mut low, &mut high) } else { (&mut high, &mut low) };
            **payer -= amount;
            hold();
            **payee += amount;
        } else {
            // The bug: each balance is read under a hold of its own, released at once.
            let payer = *self.lock(from);
            let payee = *self.lock(to);
            hold();
            *self.lock(from) = payer - amount;
            *self.lock(to) = payee + amount;
        }
    }

    fn total(&self) -> i64 {
        let held: Vec<_> = (0..self.balances.len()).map(|a| self.lock(a)).collect();
        held.iter().map(|balance| **balance).sum()
    }
}

fn run(workload: &str, implementation: &str) -> (ExitCode, Vec<reports::SummaryRow>) {
    let args = [workload, "--impls", implementation, "--threads", "3", "--repeats", "1"];
    let timing = ["--duration", "200ms", "--warmup", "20ms", "--watchdog", "300ms"];
    let args: Vec<&str> = args.iter().chain(&timing).copied().collect();
    run_registry(&registry(), &args)
}

#[test]
fn a_table_that_takes_one_fork_lets_neighbours_share_it() {
    let (code, rows) = run("philosophers", "left-only");
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(rows[0].invariant.outcome, Outcome::Violated, "{:?}", rows[0].invariant);
    assert!(rows[0].invariant.detail.contains("ate with a fork a neighbour held"), "{rows:?}");
}

#[test]
fn a_table_that_takes_left_then_right_deadlocks() {
    let (code, rows) = run("philosophers", "my-left-first");
    assert_eq!(code, ExitCode::FAILURE);
    assert!(rows[0].invariant.detail.contains("deadlock"), "{:?}", rows[0].invariant);
}

#[test]
fn a_table_that_takes_the_lower_fork_first_passes() {
    let (code, rows) = run("philosophers", "lower-first");
    assert_eq!(code, ExitCode::SUCCESS, "{rows:?}");
    assert!(rows[0].invariant.detail.starts_with("no fork shared"), "{rows:?}");
}

#[test]
fn accounts_that_write_back_a_stale_balance_lose_money() {
    let (code, rows) = run("bank", "my-lost-update");
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(rows[0].invariant.outcome, Outcome::Violated, "{:?}", rows[0].invariant);
    assert!(rows[0].invariant.detail.contains("audits saw a wrong total"), "{rows:?}");
}

#[test]
fn accounts_that_hold_both_locks_in_one_order_keep_the_total() {
    let (code, rows) = run("bank", "my-ordered");
    assert_eq!(code, ExitCode::SUCCESS, "{rows:?}");
    assert!(rows[0].invariant.detail.starts_with("total 8000 unchanged"), "{rows:?}");
}

#[test]
fn a_manager_that_grants_whatever_is_free_is_caught() {
    let (code, rows) = run("banker", "my-greedy");
    assert_eq!(code, ExitCode::FAILURE);
    let detail = &rows[0].invariant.detail;
    assert!(detail.contains("left an unsafe state") || detail.contains("deadlock"), "{rows:?}");
}

#[test]
fn a_manager_that_asks_the_banker_stays_safe() {
    let (code, rows) = run("banker", "my-banker");
    assert_eq!(code, ExitCode::SUCCESS, "{rows:?}");
    assert!(rows[0].invariant.detail.ends_with("grants left a safe state"), "{rows:?}");
}

#[test]
fn a_policy_that_never_steps_away_livelocks() {
    let (code, rows) = run("livelock", "my-polite");
    assert_eq!(code, ExitCode::FAILURE);
    let detail = &rows[0].invariant.detail;
    assert!(detail.starts_with("livelock") || detail.starts_with("deadlock"), "{rows:?}");
}

#[test]
fn a_policy_that_steps_away_at_random_gets_through() {
    let (code, rows) = run("livelock", "my-backoff");
    assert_eq!(code, ExitCode::SUCCESS, "{rows:?}");
    assert!(rows[0].invariant.detail.contains("each won alone"), "{rows:?}");
}
