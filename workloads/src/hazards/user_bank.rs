//! A user's accounts for `bank`: the protocol by which a transfer moves money between two
//! accounts, plugged in with [`BankWorkload::with`].
//!
//! The workload drives it as it drives the built-in lock orders — random transfers, every
//! `audit_every`-th operation an audit of the total — and checks the same invariant: the total
//! never changes, in any audit or at the end. A deadlock is the watchdog's to find.
//!
//! [`BankWorkload::with`]: super::bank::BankWorkload::with

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::audit_tally::AuditTally;
use crate::busy_work::BusyWork;
use crate::workload::{Check, Trial, Worker};

/// A bank's accounts: implement it to plug a transfer protocol into `bank`.
pub trait Accounts: Send + Sync {
    /// `accounts` accounts, each holding `balance`.
    fn open(accounts: usize, balance: i64) -> Self
    where
        Self: Sized;

    /// Moves `amount` from account `from` to account `to` (never the same) as one step; `hold` is
    /// the work a transfer does between taking the money out and putting it in.
    fn transfer(&self, from: usize, to: usize, amount: i64, hold: &mut dyn FnMut());

    /// The sum of every balance, as of one moment.
    fn total(&self) -> i64;
}

/// What a user bank's trial needs from the workload's parameters.
#[derive(Debug, Clone, Copy)]
pub struct BankSetup {
    pub accounts: usize,
    pub opening_balance: i64,
    pub hold: BusyWork,
    pub audit_every: u64,
    pub seed: u64,
}

/// A trial of a user's accounts.
pub struct UserBank<A> {
    accounts: A,
    setup: BankSetup,
    tally: AuditTally,
}

impl<A: Accounts> UserBank<A> {
    pub fn new(setup: &BankSetup) -> Self {
        Self {
            accounts: A::open(setup.accounts, setup.opening_balance),
            setup: *setup,
            tally: AuditTally::default(),
        }
    }

    fn opening_total(&self) -> i64 {
        self.setup.opening_balance * self.setup.accounts as i64
    }
}

impl<A: Accounts> Trial for UserBank<A> {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        let seed = self.setup.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Box::new(UserTeller {
            bank: self,
            rng: SmallRng::seed_from_u64(seed),
            done: 0,
            audits: 0,
            bad_audits: 0,
        })
    }

    fn check(&self, ops: u64) -> Check {
        self.tally.check(self.accounts.total(), self.opening_total(), ops, "")
    }
}

struct UserTeller<'a, A> {
    bank: &'a UserBank<A>,
    rng: SmallRng,
    done: u64,
    audits: u64,
    bad_audits: u64,
}

impl<A: Accounts> Worker for UserTeller<'_, A> {
    fn run(&mut self, n: u64) -> u64 {
        let (bank, accounts) = (self.bank, self.bank.setup.accounts);
        for _ in 0..n {
            self.done += 1;
            if self.done.is_multiple_of(bank.setup.audit_every) {
                self.audits += 1;
                self.bad_audits += u64::from(bank.accounts.total() != bank.opening_total());
            } else {
                let from = self.rng.random_range(0..accounts);
                let to = (from + self.rng.random_range(1..accounts)) % accounts;
                let amount = self.rng.random_range(1..=10);
                bank.accounts.transfer(from, to, amount, &mut || bank.setup.hold.run());
            }
        }
        n
    }

    fn finish(&mut self) -> u64 {
        self.bank.tally.published(self.audits, self.bad_audits);
        0
    }
}
