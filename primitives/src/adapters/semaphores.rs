//! Library-built semaphores behind [`Semaphore`]: neither std nor parking_lot ships one, so these
//! are the ways a user would build one from well-kept parts.
//!
//! | type | how |
//! |---|---|
//! | [`StdCondvarSemaphore`] | the textbook one, std only: `std::sync::Mutex<usize>` and `Condvar` |
//! | [`CondvarSemaphore`] | a parking_lot `Mutex<usize>` and `Condvar`: every operation locks |
//! | [`TokenPoolSemaphore`] | a crossbeam `bounded` channel pre-filled with one token per permit |

use std::time::{Duration, Instant};

use crossbeam::channel::{Receiver, Sender};

use crate::semaphore::Semaphore;

/// The textbook semaphore from std alone: the count of free permits under a `std::sync::Mutex`,
/// and a `Condvar` to wait for a release. std's `notify_one` is a system call even with nobody
/// waiting, so a release notifies only when a waiter is counted.
pub struct StdCondvarSemaphore {
    /// Free permits, and the threads waiting in `acquire` for one.
    state: std::sync::Mutex<StdSemaphoreState>,
    /// Signalled by a release that finds a waiter.
    released: std::sync::Condvar,
}

/// What [`StdCondvarSemaphore`]'s mutex guards.
struct StdSemaphoreState {
    permits: usize,
    waiters: usize,
}

impl StdCondvarSemaphore {
    fn state(&self) -> std::sync::MutexGuard<'_, StdSemaphoreState> {
        // The guarded section never panics halfway, so a poisoned count is still right.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a permit once one is free, waiting until `deadline` (`None`: forever).
    fn acquire_until(&self, deadline: Option<Instant>) -> bool {
        let mut state = self.state();
        while state.permits == 0 {
            state.waiters += 1;
            state = match deadline {
                None => {
                    self.released.wait(state).unwrap_or_else(std::sync::PoisonError::into_inner)
                }
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        state.waiters -= 1;
                        return false;
                    }
                    self.released
                        .wait_timeout(state, left)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
            };
            state.waiters -= 1;
        }
        state.permits -= 1;
        true
    }
}

impl Semaphore for StdCondvarSemaphore {
    fn new(permits: usize) -> Self {
        Self {
            state: std::sync::Mutex::new(StdSemaphoreState { permits, waiters: 0 }),
            released: std::sync::Condvar::new(),
        }
    }

    fn raw_acquire(&self) {
        self.acquire_until(None);
    }

    fn raw_try_acquire(&self) -> bool {
        let mut state = self.state();
        let free = state.permits > 0;
        if free {
            state.permits -= 1;
        }
        free
    }

    fn raw_acquire_timeout(&self, timeout: Duration) -> bool {
        self.acquire_until(Instant::now().checked_add(timeout))
    }

    fn raw_release(&self) {
        let mut state = self.state();
        state.permits += 1;
        let waiting = state.waiters > 0;
        drop(state);
        if waiting {
            self.released.notify_one();
        }
    }
}

/// The count of free permits under a parking_lot mutex, with a condvar to wait for a release.
/// (parking_lot's `notify_one` costs nothing without a waiter, so it is called on every release.)
pub struct CondvarSemaphore {
    /// Free permits.
    permits: parking_lot::Mutex<usize>,
    /// Signalled on every release.
    released: parking_lot::Condvar,
}

impl Semaphore for CondvarSemaphore {
    fn new(permits: usize) -> Self {
        Self { permits: parking_lot::Mutex::new(permits), released: parking_lot::Condvar::new() }
    }

    fn raw_acquire(&self) {
        let mut permits = self.permits.lock();
        self.released.wait_while(&mut permits, |permits| *permits == 0);
        *permits -= 1;
    }

    fn raw_try_acquire(&self) -> bool {
        let mut permits = self.permits.lock();
        let free = *permits > 0;
        if free {
            *permits -= 1;
        }
        free
    }

    fn raw_acquire_timeout(&self, timeout: Duration) -> bool {
        let Some(deadline) = Instant::now().checked_add(timeout) else {
            self.raw_acquire();
            return true;
        };
        let mut permits = self.permits.lock();
        self.released.wait_while_until(&mut permits, |permits| *permits == 0, deadline);
        let free = *permits > 0;
        if free {
            *permits -= 1;
        }
        free
    }

    fn raw_release(&self) {
        *self.permits.lock() += 1;
        self.released.notify_one();
    }
}

/// A pool of tokens in a crossbeam channel: acquiring receives a token, releasing sends it back.
/// The channel's own parking does all the blocking.
pub struct TokenPoolSemaphore {
    /// Holds one `()` per free permit; its capacity is the number of permits, so sends never block.
    returns: Sender<()>,
    tokens: Receiver<()>,
}

impl Semaphore for TokenPoolSemaphore {
    fn new(permits: usize) -> Self {
        // A zero-capacity crossbeam channel is a rendezvous, not an empty pool: keep one slot.
        let (returns, tokens) = crossbeam::channel::bounded(permits.max(1));
        for _ in 0..permits {
            returns.send(()).expect("the receiver is alive");
        }
        Self { returns, tokens }
    }

    fn raw_acquire(&self) {
        self.tokens.recv().expect("the sender lives as long as the semaphore");
    }

    fn raw_try_acquire(&self) -> bool {
        self.tokens.try_recv().is_ok()
    }

    fn raw_acquire_timeout(&self, timeout: Duration) -> bool {
        self.tokens.recv_timeout(timeout).is_ok()
    }

    fn raw_release(&self) {
        // Never full: a token comes back only after it was taken out.
        self.returns.send(()).expect("the receiver lives as long as the semaphore");
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn counts_permits<S: Semaphore>() {
        let semaphore = S::new(2);
        let (first, second) = (semaphore.acquire(), semaphore.try_acquire());
        assert!(second.is_some());
        assert!(semaphore.try_acquire().is_none());
        assert!(semaphore.acquire_timeout(Duration::from_millis(2)).is_none());
        drop(first);
        assert!(semaphore.acquire_timeout(Duration::from_millis(2)).is_some());
        assert!(S::new(0).try_acquire().is_none());
    }

    #[test]
    fn std_condvar_semaphore_counts_permits() {
        counts_permits::<StdCondvarSemaphore>();
    }

    /// A waiter blocked in `acquire` is woken by a release (the release must see it counted).
    #[test]
    fn std_condvar_semaphore_wakes_a_blocked_waiter() {
        let semaphore = StdCondvarSemaphore::new(1);
        let held = semaphore.acquire();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| drop(semaphore.acquire()));
            while semaphore.state().waiters == 0 {
                std::thread::yield_now();
            }
            drop(held);
            waiter.join().unwrap();
        });
        assert!(semaphore.try_acquire().is_some());
    }

    #[test]
    fn condvar_semaphore_counts_permits() {
        counts_permits::<CondvarSemaphore>();
    }

    #[test]
    fn token_pool_counts_permits() {
        counts_permits::<TokenPoolSemaphore>();
    }
}
