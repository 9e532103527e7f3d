//! Dijkstra's banker's algorithm (EWD 108, 1965): a resource manager that grants a request only
//! if the system stays in a *safe* state — one from which every process can still obtain its
//! declared maximum claim in some order and finish — so processes that hold resources while
//! waiting for more can never deadlock.
//!
//! [`safe_sequence`] is the safety check (Silberschatz, *Operating System Concepts*, §8.6.3):
//! repeatedly scan the processes in index order for an unfinished one whose remaining need fits
//! the work vector, let it finish and return its allocation. [`Banker`] keeps the state under a
//! mutex: a request that would leave the state unsafe (or does not fit what is available) waits
//! on a condition variable until a release makes it grantable.

use std::fmt;

use crate::sync::{Condvar, Mutex, MutexGuard};

/// The order in which the processes could all finish, if the state is safe.
///
/// `available[r]` units of each resource are free; process `p` holds `allocation[p][r]` and may
/// claim up to `maximum[p][r]` in all.
///
/// ```
/// use primitives::banker::safe_sequence;
/// // The textbook example: P1, P3, P4, P0, P2.
/// let allocation = [vec![0, 1, 0], vec![2, 0, 0], vec![3, 0, 2], vec![2, 1, 1], vec![0, 0, 2]];
/// let maximum = [vec![7, 5, 3], vec![3, 2, 2], vec![9, 0, 2], vec![2, 2, 2], vec![4, 3, 3]];
/// assert_eq!(safe_sequence(&[3, 3, 2], &allocation, &maximum), Some(vec![1, 3, 4, 0, 2]));
/// ```
pub fn safe_sequence(
    available: &[u64],
    allocation: &[Vec<u64>],
    maximum: &[Vec<u64>],
) -> Option<Vec<usize>> {
    let mut work = available.to_vec();
    let mut finished = vec![false; allocation.len()];
    let mut sequence = Vec::with_capacity(allocation.len());
    loop {
        let before = sequence.len();
        for p in 0..allocation.len() {
            let fits = (0..work.len()).all(|r| maximum[p][r] - allocation[p][r] <= work[r]);
            if !finished[p] && fits {
                finished[p] = true;
                sequence.push(p);
                work.iter_mut().zip(&allocation[p]).for_each(|(w, held)| *w += held);
            }
        }
        if sequence.len() == allocation.len() {
            return Some(sequence);
        }
        if sequence.len() == before {
            return None;
        }
    }
}

/// Why a request cannot be granted now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request exceeds the process's remaining claim: a caller's bug, never grantable.
    ExceedsClaim,
    /// Not that much is free right now.
    Unavailable,
    /// Granting it would leave no safe sequence.
    Unsafe,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::ExceedsClaim => "the request exceeds the process's declared maximum",
            Refusal::Unavailable => "not enough is available",
            Refusal::Unsafe => "granting it would leave the system unsafe",
        })
    }
}

/// The manager's books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Books {
    pub available: Vec<u64>,
    pub allocation: Vec<Vec<u64>>,
    pub maximum: Vec<Vec<u64>>,
}

impl Books {
    /// Whether some order lets every process finish.
    pub fn is_safe(&self) -> bool {
        safe_sequence(&self.available, &self.allocation, &self.maximum).is_some()
    }

    /// Grants `request` to `process` if it stays safe; the books are unchanged on a refusal.
    pub fn try_grant(&mut self, process: usize, request: &[u64]) -> Result<(), Refusal> {
        let resources = 0..self.available.len();
        if resources
            .clone()
            .any(|r| self.allocation[process][r] + request[r] > self.maximum[process][r])
        {
            return Err(Refusal::ExceedsClaim);
        }
        if resources.clone().any(|r| request[r] > self.available[r]) {
            return Err(Refusal::Unavailable);
        }
        for r in resources.clone() {
            self.available[r] -= request[r];
            self.allocation[process][r] += request[r];
        }
        if self.is_safe() {
            return Ok(());
        }
        for r in resources {
            self.available[r] += request[r];
            self.allocation[process][r] -= request[r];
        }
        Err(Refusal::Unsafe)
    }

    /// Gives back `release` from `process`'s allocation.
    ///
    /// # Panics
    /// If `process` does not hold that much.
    pub fn release(&mut self, process: usize, release: &[u64]) {
        for (r, &units) in release.iter().enumerate() {
            let held = &mut self.allocation[process][r];
            *held = held.checked_sub(units).expect("a process released more than it holds");
            self.available[r] += units;
        }
    }
}

/// A thread-safe banker: processes (threads) request and release units of several resources.
pub struct Banker {
    books: Mutex<Books>,
    /// Signalled on every release: a waiting request may have become grantable.
    released: Condvar,
}

impl Banker {
    /// A manager of `total[r]` units of each resource, for processes with the given maximum
    /// claims (each at most the totals, or that process could never finish).
    pub fn new(total: Vec<u64>, maximum: Vec<Vec<u64>>) -> Self {
        assert!(
            maximum.iter().all(|claim| claim.iter().zip(&total).all(|(c, t)| c <= t)),
            "every maximum claim must fit in the totals"
        );
        let allocation = vec![vec![0; total.len()]; maximum.len()];
        Self {
            books: Mutex::new(Books { available: total, allocation, maximum }),
            released: Condvar::new(),
        }
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Grants `request` to `process` now if that is safe.
    pub fn try_request(&self, process: usize, request: &[u64]) -> Result<(), Refusal> {
        self.books().try_grant(process, request)
    }

    /// Grants `request` to `process`, waiting while it is unavailable or unsafe. Returns the
    /// books right after the grant, for a caller that checks them.
    ///
    /// # Panics
    /// If the request exceeds the process's remaining claim (it could never be granted).
    pub fn request(&self, process: usize, request: &[u64]) -> Books {
        let mut books = self.books();
        loop {
            match books.try_grant(process, request) {
                Ok(()) => return books.clone(),
                Err(Refusal::ExceedsClaim) => panic!("{}", Refusal::ExceedsClaim),
                Err(_) => {
                    books =
                        self.released.wait(books).unwrap_or_else(std::sync::PoisonError::into_inner)
                }
            }
        }
    }

    /// Gives back `release` from `process`'s allocation and wakes the waiting requests.
    pub fn release(&self, process: usize, release: &[u64]) {
        self.books().release(process, release);
        self.released.notify_all();
    }

    /// A copy of the books.
    pub fn books_snapshot(&self) -> Books {
        self.books().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn textbook() -> Books {
        Books {
            available: vec![3, 3, 2],
            allocation: vec![
                vec![0, 1, 0],
                vec![2, 0, 0],
                vec![3, 0, 2],
                vec![2, 1, 1],
                vec![0, 0, 2],
            ],
            maximum: vec![
                vec![7, 5, 3],
                vec![3, 2, 2],
                vec![9, 0, 2],
                vec![2, 2, 2],
                vec![4, 3, 3],
            ],
        }
    }

    #[test]
    fn the_textbook_state_is_safe_in_the_textbook_order() {
        let b = textbook();
        assert_eq!(
            safe_sequence(&b.available, &b.allocation, &b.maximum),
            Some(vec![1, 3, 4, 0, 2])
        );
    }

    #[test]
    fn the_textbook_requests_are_granted_and_refused() {
        let mut books = textbook();
        // P1 asks for (1, 0, 2): safe, granted; the sequence is then P1, P3, P4, P0, P2 again.
        assert_eq!(books.try_grant(1, &[1, 0, 2]), Ok(()));
        assert_eq!(books.available, [2, 3, 0]);
        // P4 asks for (3, 3, 0): not available. P0 asks for (0, 2, 0): available but unsafe.
        assert_eq!(books.try_grant(4, &[3, 3, 0]), Err(Refusal::Unavailable));
        let before = books.clone();
        assert_eq!(books.try_grant(0, &[0, 2, 0]), Err(Refusal::Unsafe));
        assert_eq!(books, before, "a refused request changes nothing");
        assert_eq!(books.try_grant(3, &[1, 0, 0]), Err(Refusal::ExceedsClaim));
    }

    #[test]
    fn an_unsafe_state_has_no_sequence() {
        let allocation = [vec![1], vec![1]];
        let maximum = [vec![2], vec![2]];
        assert_eq!(safe_sequence(&[0], &allocation, &maximum), None);
        assert_eq!(safe_sequence(&[1], &allocation, &maximum), Some(vec![0, 1]));
    }

    #[test]
    fn a_blocked_request_is_granted_after_a_release() {
        let banker = std::sync::Arc::new(Banker::new(vec![2], vec![vec![2], vec![2]]));
        banker.request(0, &[2]);
        let waiter = {
            let banker = banker.clone();
            std::thread::spawn(move || banker.request(1, &[1]).is_safe())
        };
        banker.release(0, &[2]);
        assert!(waiter.join().unwrap());
        assert_eq!(banker.books_snapshot().allocation, [vec![0], vec![1]]);
    }
}
