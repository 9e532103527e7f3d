//! `livelock`: polite workers that step back for each other in lockstep, forever.
//!
//! The workers share one resource and take turns in rounds: in each round every worker present
//! announces that it wants the resource, and a round's sole announcer gets it (one operation). The polite rule — if someone else wants it too, step back and try again —
//! is the corridor dance of two people stepping aside the same way: `polite` workers all announce
//! every round, so with two or more present every round collides and nobody ever gets through,
//! while all of them spin at full speed. The rounds make the lockstep exact, so the livelock is
//! certain rather than a matter of timing; that is the point of the demonstration. `random-backoff`
//! fixes it the Ethernet way: after a collision a worker steps away for a random while, drawn from
//! a window that doubles with each consecutive collision, so the symmetry breaks and the rounds go
//! on without it.
//!
//! A polite worker waits for a round to end by spinning: livelocked threads are busy by
//! definition, retrying, and the runner's watchdog tells them from deadlocked ones by the CPU
//! time they burn. The fixed workers spin a little ([`Backoff`]), then sleep until the round ends, so that rounds keep going when the workers outnumber the
//! cores (every round needs every present worker to take part).
//!
//! A user's policy after a collision plugs in as a [`StepBack`] ([`LivelockWorkload::with`]); its
//! workers wait for a round's end as the fixed ones do.
//!
//! Invariant: every operation was won by the sole announcer of its round (operations ≤ rounds
//! won alone). At one thread there is nobody to be polite to.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use super::step_back::{RandomBackoff, StayPolite, StepBack};
use super::variants::{infos, variant, Variant};
use crate::catalog::Catalog;
use crate::metrics::Metrics;
use crate::params::ParamSpec;
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};
use parking_lot::{Condvar, Mutex};
use primitives::backoff::Backoff;

const NOBODY: usize = usize::MAX;

const IMPLEMENTATIONS: &[Variant<bool>] = &[
    (
        "polite",
        ImplKind::Demonstration,
        "everyone announces every round and steps back on a collision: livelock",
        false,
    ),
    (
        "random-backoff",
        ImplKind::HandRolled,
        "after a collision sit out a random number of rounds (doubling window)",
        true,
    ),
];

/// The livelock workload.
/// The livelock workload: the built-in policies, then any user policies.
#[derive(Default)]
pub struct LivelockWorkload {
    users: Catalog<u64>,
}

impl LivelockWorkload {
    pub fn standard() -> Self {
        Self::default()
    }

    /// Adds a user's policy after a collision: each worker gets a `P` of its own.
    pub fn with<P: StepBack + 'static>(mut self, name: &str, kind: ImplKind, about: &str) -> Self {
        self.users.add(name, kind, about, |&seed: &u64| {
            Box::new(Rounds::new(seed, false, |seed| Box::new(P::new(seed))))
        });
        self
    }
}

impl Workload for LivelockWorkload {
    fn name(&self) -> &str {
        "livelock"
    }

    fn about(&self) -> &str {
        "polite workers taking turns at one resource in rounds: lockstep back-off vs random back-off"
    }

    fn invariant(&self) -> &str {
        "every operation won by the sole announcer of its round (wins = operations)"
    }

    fn params(&self) -> &[ParamSpec] {
        &[]
    }

    fn implementations(&self) -> Vec<ImplInfo> {
        let mut all = infos(IMPLEMENTATIONS);
        all.extend(self.users.infos());
        all
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let Some(random_backoff) = variant(IMPLEMENTATIONS, implementation) else {
            return self.users.make(implementation, &setup.seed);
        };
        Some(Box::new(if random_backoff {
            Rounds::new(setup.seed, false, |seed| Box::new(RandomBackoff::new(seed)))
        } else {
            // Polite workers spin while they wait: a livelock keeps its threads busy.
            Rounds::new(setup.seed, true, |seed| Box::new(StayPolite::new(seed)))
        }))
    }
}

#[derive(Debug, Default)]
struct RoundState {
    /// Workers inside `Worker::run`, who must all take part in a round.
    present: usize,
    /// Those who took part in this round so far.
    arrived: usize,
    /// Those who announced, and the last of them.
    announcers: usize,
    last_announcer: usize,
}

/// Builds one worker's policy from its seed.
type MakePolicy = fn(u64) -> Box<dyn StepBack>;

struct Rounds {
    /// Whether workers wait for a round's end by spinning alone (else spin a little, then sleep).
    spin_wait: bool,
    policy: MakePolicy,
    seed: u64,
    state: Mutex<RoundState>,
    /// Signalled under `state` whenever a round ends or the trial closes: a `random-backoff`
    /// worker that spun a while for the round to end sleeps here.
    advanced: Condvar,
    /// Rounds completed; waiters spin, then sleep, until it moves.
    round: AtomicU64,
    /// The sole announcer of the last completed round, or [`NOBODY`].
    winner: AtomicUsize,
    /// Set by [`Trial::stop`]: waiters leave.
    closed: AtomicBool,
    /// Operations (rounds won), counted as they are won.
    wins: AtomicU64,
    /// Consecutive rounds with two or more announcers, and all such rounds.
    collided_in_a_row: AtomicU64,
    collisions: AtomicU64,
}

impl Rounds {
    fn new(seed: u64, spin_wait: bool, policy: MakePolicy) -> Self {
        Self {
            spin_wait,
            policy,
            seed,
            state: Mutex::new(RoundState::default()),
            advanced: Condvar::new(),
            round: AtomicU64::new(0),
            winner: AtomicUsize::new(NOBODY),
            closed: AtomicBool::new(false),
            wins: AtomicU64::new(0),
            collided_in_a_row: AtomicU64::new(0),
            collisions: AtomicU64::new(0),
        }
    }

    fn enter(&self) {
        self.state.lock().present += 1;
    }

    fn leave(&self) {
        let mut state = self.state.lock();
        state.present -= 1;
        if state.present > 0 && state.arrived >= state.present {
            self.resolve(&mut state);
        }
    }

    /// Takes part in the current round, announcing that `me` wants the resource; `true` if `me`
    /// won it (announced alone). `None` once closed.
    fn take_part(&self, me: usize) -> Option<bool> {
        let round = {
            let mut state = self.state.lock();
            let round = self.round.load(Ordering::Relaxed);
            state.announcers += 1;
            state.last_announcer = me;
            state.arrived += 1;
            if state.arrived >= state.present {
                self.resolve(&mut state);
            }
            round
        };
        let mut backoff = Backoff::new();
        while self.round.load(Ordering::Acquire) == round {
            if self.closed.load(Ordering::Relaxed) {
                return None;
            }
            if self.spin_wait {
                std::hint::spin_loop();
            } else if backoff.is_completed() {
                let mut state = self.state.lock();
                while self.round.load(Ordering::Acquire) == round
                    && !self.closed.load(Ordering::Relaxed)
                {
                    self.advanced.wait(&mut state);
                }
            } else {
                backoff.snooze();
            }
        }
        // No later round can end before this worker, still present, takes part in it.
        Some(self.winner.load(Ordering::Relaxed) == me)
    }

    fn resolve(&self, state: &mut RoundState) {
        let winner = if state.announcers == 1 { state.last_announcer } else { NOBODY };
        if state.announcers > 1 {
            self.collisions.fetch_add(1, Ordering::Relaxed);
            self.collided_in_a_row.fetch_add(1, Ordering::Relaxed);
        } else if winner != NOBODY {
            self.wins.fetch_add(1, Ordering::Relaxed);
            self.collided_in_a_row.store(0, Ordering::Relaxed);
        }
        state.arrived = 0;
        state.announcers = 0;
        self.winner.store(winner, Ordering::Relaxed);
        self.round.fetch_add(1, Ordering::Release);
        self.advanced.notify_all();
    }
}

impl Trial for Rounds {
    fn worker(&self, index: usize) -> Box<dyn Worker + '_> {
        let policy = (self.policy)(self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Box::new(Polite { rounds: self, index, policy, collided: 0, rounds_lost: 0 })
    }

    fn stop(&self) {
        let _state = self.state.lock();
        self.closed.store(true, Ordering::Relaxed);
        self.advanced.notify_all();
    }

    fn diagnose_stall(&self) -> Option<String> {
        let present = self.state.try_lock().map(|s| s.present.to_string());
        let in_a_row = self.collided_in_a_row.load(Ordering::Relaxed);
        (in_a_row > 0).then(|| {
            format!(
                "every worker steps back when another also wants the resource, and they all do it in the same round: the last {in_a_row} rounds each had {} workers announce and all of them back off",
                present.unwrap_or_else(|| "several".to_owned())
            )
        })
    }

    fn check(&self, ops: u64) -> Check {
        let wins = self.wins.load(Ordering::Relaxed);
        let collisions = self.collisions.load(Ordering::Relaxed);
        // A win can go unclaimed (its worker left when the run stopped), never be claimed twice.
        if ops <= wins {
            Check::Held(format!("{ops} operations, each won alone; {collisions} rounds collided"))
        } else {
            Check::Violated(format!("{ops} operations, but only {wins} rounds won alone"))
        }
    }
}

struct Polite<'a> {
    rounds: &'a Rounds,
    index: usize,
    policy: Box<dyn StepBack>,
    /// Consecutive collisions of this worker.
    collided: u32,
    rounds_lost: u64,
}

impl Worker for Polite<'_> {
    fn run(&mut self, n: u64) -> u64 {
        let rounds = self.rounds;
        rounds.enter();
        let mut won = 0;
        while won < n {
            match rounds.take_part(self.index) {
                None => break,
                Some(true) => {
                    won += 1;
                    self.collided = 0;
                }
                Some(false) => {
                    // Stepped back: someone else wanted it too.
                    self.rounds_lost += 1;
                    self.collided = self.collided.saturating_add(1);
                    if let Some(pause) = self.policy.after_collision(self.collided) {
                        // Step away, so the others' rounds go on without us.
                        rounds.leave();
                        std::thread::sleep(pause);
                        rounds.enter();
                    }
                }
            }
        }
        rounds.leave();
        won
    }

    fn take_metrics(&mut self) -> Metrics {
        let mut metrics = Metrics::default();
        metrics.count("rounds_lost", std::mem::take(&mut self.rounds_lost));
        metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_trial;

    #[test]
    fn random_backoff_makes_progress() {
        for threads in [1, 2, 4] {
            let check = run_trial(
                &LivelockWorkload::standard(),
                "random-backoff",
                threads,
                3,
                &[],
                |_, w| {
                    assert_eq!(w.run(2_000), 2_000);
                    2_000
                },
            );
            assert!(matches!(check, Check::Held(_)), "t{threads}: {check:?}");
        }
    }

    #[test]
    fn a_lone_polite_worker_gets_through() {
        let check =
            run_trial(&LivelockWorkload::standard(), "polite", 1, 3, &[], |_, w| w.run(1_000));
        assert_eq!(check, Check::Held("1000 operations, each won alone; 0 rounds collided".into()));
    }
}
