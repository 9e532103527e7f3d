//! The traits that every lock plugs into, hand-rolled or library.
//!
//! Workloads use a closure-style interface, as parking_lot's own benchmark does: `std::sync::Mutex`
//! has no raw unlock, so a closure is the one shape that std, parking_lot and a `lock_api` raw lock
//! can all implement on equal terms. Hand-rolled raw locks implement [`lock_api::RawMutex`], which
//! gives them an idiomatic guard-based `lock_api::Mutex` for free, and the blanket impl below makes
//! every such mutex a [`Lock`].

/// A mutual-exclusion lock around a value of type `T`.
pub trait Lock<T>: Send + Sync {
    /// Wraps `value` in a new, unlocked lock.
    fn new(value: T) -> Self;

    /// Runs `f` with exclusive access to the value and returns its result.
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R;
}

/// A lock that the thread holding it may take again (nesting), so it can only hand out shared
/// references: two nested levels may look at the value at once.
pub trait Reentrant<T>: Send + Sync {
    /// Wraps `value` in a new, unlocked lock.
    fn new(value: T) -> Self;

    /// Runs `f` while holding the lock, taking it once more if this thread already holds it.
    fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R;
}

impl<R, T> Lock<T> for lock_api::Mutex<R, T>
where
    R: lock_api::RawMutex + Send + Sync,
    T: Send,
{
    fn new(value: T) -> Self {
        lock_api::Mutex::new(value)
    }

    #[inline]
    fn with<U>(&self, f: impl FnOnce(&mut T) -> U) -> U {
        f(&mut self.lock())
    }
}
