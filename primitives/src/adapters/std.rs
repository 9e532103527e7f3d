//! `std::sync` behind the project's traits.

use crate::lock::Lock;

impl<T: Send> Lock<T> for std::sync::Mutex<T> {
    fn new(value: T) -> Self {
        std::sync::Mutex::new(value)
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // A panic inside a benchmark closure is a bug in the workload, not a state to recover:
        // poisoning is ignored so that the next measurement still sees the value.
        f(&mut self.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}
