//! An immutable value behind a swapped `Arc`, read through per-thread handles that revalidate a
//! cached `Arc` with one load of a version number: the trick of arc-swap's `Cache`, and of
//! seqlock-style version counters generally, on top of a plain mutex.
//!
//! Why not a lock-free `AtomicArc`: swapping a raw `Arc` pointer atomically is easy, but a reader
//! that loaded the pointer must increment the count before a writer drops the last reference,
//! which needs deferred reclamation (hazard pointers, epochs, or arc-swap's debt lists) to be
//! sound. Here the `Arc` only ever moves under the mutex, so the code is safe Rust; what makes
//! reads cheap is that a [`VersionedReader`] keeps its own clone of the `Arc` and its version,
//! and touches the mutex only when the version moved. In the common case (the value unchanged) a
//! read is one load of a cache line that nobody writes: it scales with readers. A handle-free
//! [`VersionedArcCell::load_arc`] takes the mutex and clones the `Arc`, two shared writes.

use crossbeam_utils::CachePadded;

use crate::cache::{SwapCell, SwapReader};
use crate::chaos;
use crate::sync::{Arc, AtomicU64, Mutex, MutexGuard, Ordering};

/// The swapped cell. `T` may be unsized (e.g. `[U]`) through [`replace`](Self::replace).
pub struct VersionedArcCell<T: ?Sized> {
    /// The version of the value in `current`; written only under `current`'s lock, so it never
    /// goes back. A hint: readers decide *whether* to refresh from it, and take the value and its
    /// true version from under the lock. Padded, so that `store`s locking the mutex next to it
    /// do not invalidate the readers' copy of the line.
    version: CachePadded<AtomicU64>,
    /// The current value and its version (`current.0 == version` whenever unlocked).
    current: Mutex<(u64, Arc<T>)>,
}

/// A per-thread read handle of a [`VersionedArcCell`]: its own clone of the value and the version
/// the clone had.
pub struct VersionedReader<'a, T: ?Sized> {
    cell: &'a VersionedArcCell<T>,
    /// The version of `value` (read under the cell's lock together with it).
    version: u64,
    value: Arc<T>,
}

impl<T: ?Sized> VersionedArcCell<T> {
    /// A cell holding the value behind `value`, at version 0.
    pub fn from_arc(value: Arc<T>) -> Self {
        Self { version: CachePadded::new(AtomicU64::new(0)), current: Mutex::new((0, value)) }
    }

    /// The current value (locks the mutex and clones the `Arc`).
    pub fn load_arc(&self) -> Arc<T> {
        self.lock().1.clone()
    }

    /// Publishes `value` as the next version and returns the previous value.
    pub fn replace(&self, value: Arc<T>) -> Arc<T> {
        let mut current = self.lock();
        let version = current.0 + 1;
        let previous = std::mem::replace(&mut *current, (version, value)).1;
        // Relaxed: the version carries no data. A reader that sees it then locks the mutex, which
        // orders it after this critical section (it read a write made inside it), so it gets
        // this value or a newer one.
        self.version.store(version, Ordering::Relaxed);
        previous
    }

    /// A read handle for this thread.
    pub fn reader(&self) -> VersionedReader<'_, T> {
        let (version, value) = {
            let current = self.lock();
            (current.0, current.1.clone())
        };
        VersionedReader { cell: self, version, value }
    }

    fn lock(&self) -> MutexGuard<'_, (u64, Arc<T>)> {
        // The critical sections cannot panic between two writes, so a poisoned lock still holds
        // a consistent pair.
        self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T: ?Sized> VersionedReader<'_, T> {
    /// The current value; see [`SwapReader::load`].
    #[inline]
    pub fn load(&mut self) -> &T {
        // Relaxed: only a hint whether to refresh; the refresh synchronises through the mutex.
        // Coherence still makes this load see any store that happened before the call.
        if self.cell.version.load(Ordering::Relaxed) != self.version {
            self.refresh();
        }
        &self.value
    }

    #[cold]
    fn refresh(&mut self) {
        let current = self.cell.lock();
        self.version = current.0;
        let stale = std::mem::replace(&mut self.value, current.1.clone());
        drop(current);
        drop(stale); // possibly the last reference: drop the old value outside the lock
    }
}

impl<T: ?Sized> SwapReader<T> for VersionedReader<'_, T> {
    #[inline]
    fn load(&mut self) -> &T {
        VersionedReader::load(self)
    }
}

impl<T: Send + Sync> SwapCell<T> for VersionedArcCell<T> {
    type Guard<'a>
        = Arc<T>
    where
        Self: 'a;
    type Reader<'a>
        = VersionedReader<'a, T>
    where
        Self: 'a;

    fn new(value: T) -> Self {
        Self::from_arc(Arc::new(value))
    }

    fn load(&self) -> Arc<T> {
        self.load_arc()
    }

    fn reader(&self) -> VersionedReader<'_, T> {
        VersionedArcCell::reader(self)
    }

    fn store(&self, value: T) {
        chaos::point();
        // The old value may be the last reference: it is dropped here, after the unlock.
        drop(self.replace(Arc::new(value)));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_reader_follows_stores_and_keeps_its_value_alive() {
        let cell = VersionedArcCell::new(String::from("v0"));
        let mut reader = cell.reader();
        assert_eq!(reader.load(), "v0");
        let held = SwapCell::load(&cell);
        cell.store(String::from("v1"));
        assert_eq!(*held, "v0", "a loaded value outlives the store");
        assert_eq!(reader.load(), "v1");
        assert_eq!(*SwapCell::load(&cell), "v1");
        let unchanged: *const String = reader.load();
        assert!(
            std::ptr::eq(unchanged, reader.load()),
            "no refresh while the version is unchanged"
        );
    }

    #[test]
    fn unsized_values() {
        let cell: VersionedArcCell<[u8]> = VersionedArcCell::from_arc(Arc::from(&[1, 2][..]));
        let mut reader = cell.reader();
        let previous = cell.replace(Arc::from(&[3][..]));
        assert_eq!((&*previous, reader.load()), (&[1, 2][..], &[3][..]));
    }
}
