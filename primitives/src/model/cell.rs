//! The plain data a model's primitive guards.

/// A number that only the primitive under test guards. Under loom it is a
/// [`loom::cell::UnsafeCell`], so any access not ordered after the last conflicting one (an
/// overlap, or a `Relaxed` release) fails the model. Elsewhere it is an atomic read and written
/// with separate `Relaxed` loads and stores: a broken primitive loses updates, visibly, without a
/// data race in the model itself.
pub struct ModelCell {
    #[cfg(loom)]
    value: loom::cell::UnsafeCell<usize>,
    #[cfg(not(loom))]
    value: crate::sync::AtomicUsize,
}

// SAFETY: under loom a `ModelCell` lives inside a model, whose threads loom runs one at a time on
// one OS thread, checking each access to the cell against every conflicting one for a
// happens-before order (and panicking before an unordered one): no two accesses ever overlap.
// Jobs handed to an executor must be `Send`, which needs this.
#[cfg(loom)]
unsafe impl Sync for ModelCell {}

#[cfg(loom)]
impl ModelCell {
    pub fn new(value: usize) -> Self {
        Self { value: loom::cell::UnsafeCell::new(value) }
    }

    /// The value; call it only where the primitive promises no writer.
    pub fn read(&self) -> usize {
        // SAFETY: loom checks this read against every write for a happens-before order and
        // panics before it if there is none; it runs one thread at a time, so no access overlaps.
        self.value.with(|value| unsafe { *value })
    }

    /// Adds one; call it only where the primitive promises exclusion.
    pub fn add_one(&self) {
        // SAFETY: as in `read`: loom checks the access first, and runs one thread at a time.
        self.value.with_mut(|value| unsafe { *value += 1 });
    }
}

#[cfg(not(loom))]
impl ModelCell {
    pub fn new(value: usize) -> Self {
        Self { value: crate::sync::AtomicUsize::new(value) }
    }

    /// The value; call it only where the primitive promises no writer.
    pub fn read(&self) -> usize {
        self.value.load(crate::sync::Ordering::Relaxed)
    }

    /// Adds one, as a load and a separate store; call it only where the primitive promises
    /// exclusion.
    pub fn add_one(&self) {
        let value = self.value.load(crate::sync::Ordering::Relaxed);
        self.value.store(value + 1, crate::sync::Ordering::Relaxed);
    }
}
