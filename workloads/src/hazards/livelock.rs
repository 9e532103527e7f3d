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
//! Invariant: every operation was won by the sole announcer of its round (operations ≤ rounds
//! won alone). At one thread there is nobody to be polite to.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use primitives::backoff::Backoff;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::variants::{infos, variant, Variant};
use crate::metrics::Metrics;
use crate::params::ParamSpec;
use crate::workload::{Check, ImplInfo, ImplKind, Trial, TrialSetup, Worker, Workload};

const NOBODY: usize = usize::MAX;
/// The random back-off window stops doubling here (2^5 pauses): enough to spread 32 workers.
const MAX_WINDOW_DOUBLINGS: u32 = 5;
/// One unit of random back-off: longer than it takes the workers of a collided round to wake
/// (tens of microseconds), or they would all be back before the first one takes its turn.
const BACKOFF_SLOT: Duration = Duration::from_micros(20);

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
#[derive(Debug, Default)]
pub struct LivelockWorkload;

impl LivelockWorkload {
    pub fn standard() -> Self {
        Self
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
        infos(IMPLEMENTATIONS)
    }

    fn prepare(&self, implementation: &str, setup: &TrialSetup<'_>) -> Option<Box<dyn Trial>> {
        let random_backoff = variant(IMPLEMENTATIONS, implementation)?;
        Some(Box::new(Rounds {
            random_backoff,
            seed: setup.seed,
            state: Mutex::new(RoundState::default()),
            advanced: Condvar::new(),
            round: AtomicU64::new(0),
            winner: AtomicUsize::new(NOBODY),
            closed: AtomicBool::new(false),
            wins: AtomicU64::new(0),
            collided_in_a_row: AtomicU64::new(0),
            collisions: AtomicU64::new(0),
        }))
    }
}

/// The round in progress.
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

struct Rounds {
    random_backoff: bool,
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
            if !self.random_backoff {
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
        let rng =
            SmallRng::seed_from_u64(self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Box::new(Polite { rounds: self, index, rng, collided: 0, rounds_lost: 0 })
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
    rng: SmallRng,
    /// Consecutive collisions of this worker: the back-off window is `2^collided` pauses.
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
                    self.collided = (self.collided + 1).min(MAX_WINDOW_DOUBLINGS);
                    if rounds.random_backoff {
                        // Step away for a random while, so the others' rounds go on without us.
                        rounds.leave();
                        let slots = self.rng.random_range(0..1u32 << self.collided);
                        std::thread::sleep(BACKOFF_SLOT * slots);
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
            let check = run_trial(&LivelockWorkload, "random-backoff", threads, 3, &[], |_, w| {
                assert_eq!(w.run(2_000), 2_000);
                2_000
            });
            assert!(matches!(check, Check::Held(_)), "t{threads}: {check:?}");
        }
    }

    #[test]
    fn a_lone_polite_worker_gets_through() {
        let check = run_trial(&LivelockWorkload, "polite", 1, 3, &[], |_, w| w.run(1_000));
        assert_eq!(check, Check::Held("1000 operations, each won alone; 0 rounds collided".into()));
    }
}
