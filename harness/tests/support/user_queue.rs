//! A user's bounded buffer, a mutex and two condition variables written against the public API,
//! with one classic bug or none ([`Bug`]), plugged into `buffer` as a [`QueueFamily`].

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, PoisonError};

use primitives::BoundedQueue;
use workloads::buffer::QueueFamily;

/// Which bug the queue has.
pub mod bug {
    pub const NONE: u8 = 0;
    /// Each side checks its condition once before waiting and never again after waking: a
    /// producer pushes into a queue another filled meanwhile, a consumer pops an empty queue and
    /// takes it for closed.
    pub const IF_WAIT: u8 = 1;
    /// One condition variable for "not full" and "not empty": a `notify_one` can wake a thread of
    /// the wrong side, and at capacity 1 everyone ends up asleep.
    pub const SHARED_CONDVAR: u8 = 2;
}

pub struct UserQueue<T, const BUG: u8> {
    state: Mutex<(VecDeque<T>, bool)>,
    not_full: Condvar,
    not_empty: Condvar,
    capacity: usize,
}

impl<T, const BUG: u8> UserQueue<T, BUG> {
    fn not_full(&self) -> &Condvar {
        if BUG == bug::SHARED_CONDVAR {
            &self.not_empty
        } else {
            &self.not_full
        }
    }

    /// Waits on `condvar` while `blocked` holds (with [`bug::IF_WAIT`], at most once).
    fn wait<'a>(
        condvar: &Condvar,
        mut state: std::sync::MutexGuard<'a, (VecDeque<T>, bool)>,
        blocked: impl Fn(&(VecDeque<T>, bool)) -> bool,
    ) -> std::sync::MutexGuard<'a, (VecDeque<T>, bool)> {
        if BUG == bug::IF_WAIT {
            if blocked(&state) {
                state = condvar.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            state
        } else {
            condvar.wait_while(state, |s| blocked(s)).unwrap_or_else(PoisonError::into_inner)
        }
    }
}

impl<T: Send, const BUG: u8> BoundedQueue<T> for UserQueue<T, BUG> {
    fn with_capacity(capacity: usize) -> Self {
        let state = Mutex::new((VecDeque::new(), false));
        Self { state, not_full: Condvar::new(), not_empty: Condvar::new(), capacity }
    }

    fn push(&self, item: T) -> Result<(), T> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let full = |s: &(VecDeque<T>, bool)| s.0.len() >= self.capacity && !s.1;
        let mut state = Self::wait(self.not_full(), state, full);
        if state.1 {
            return Err(item);
        }
        state.0.push_back(item);
        self.not_empty.notify_one();
        Ok(())
    }

    fn pop(&self) -> Option<T> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let empty = |s: &(VecDeque<T>, bool)| s.0.is_empty() && !s.1;
        let mut state = Self::wait(&self.not_empty, state, empty);
        let item = state.0.pop_front();
        self.not_full().notify_one();
        item
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = true;
        self.not_full.notify_all();
        self.not_empty.notify_all();
    }
}

pub struct UserQueueFamily<const BUG: u8>;

impl<const BUG: u8> QueueFamily for UserQueueFamily<BUG> {
    type Queue<T: Send + 'static> = UserQueue<T, BUG>;
}
