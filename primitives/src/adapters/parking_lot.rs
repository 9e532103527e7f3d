//! parking_lot behind the project's traits. Its `Mutex` and `FairMutex` are `lock_api` mutexes and
//! are covered by the blanket [`Lock`](crate::lock::Lock) impl; its `ReentrantMutex` needs this.

use crate::lock::Reentrant;

impl<T: Send> Reentrant<T> for parking_lot::ReentrantMutex<T> {
    fn new(value: T) -> Self {
        parking_lot::ReentrantMutex::new(value)
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.lock())
    }
}
