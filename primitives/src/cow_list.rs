//! A copy-on-write list (the read-copy-update pattern of `CopyOnWriteArrayList` in Java and of
//! RCU-protected arrays in Linux): readers take an immutable snapshot, writers copy the whole list,
//! append and publish the copy as a new `Arc<[T]>`.
//!
//! Publication goes through a [`VersionedArcCell`], so a reader holding a [`VersionedReader`]
//! re-snapshots with one load of an unshared cache line while nothing was appended, and a snapshot
//! stays valid and unchanged for as long as it is held, however many pushes follow. Writers
//! serialise on their own mutex: the O(len) copy happens outside the cell's lock, which is held
//! only to swap the `Arc`, so readers are never blocked behind a copy. Suits lists that are read
//! far more often than written (listeners, routing tables); each push costs O(len).

use crate::cache::CowList;
use crate::chaos;
use crate::swap_cell::{VersionedArcCell, VersionedReader};
use crate::sync::{Arc, Mutex};

/// A list extended by copy-on-write; see the [module documentation](self).
pub struct CopyOnWriteList<T> {
    /// Serialises writers, so the list a writer copied is still current when it publishes.
    writer: Mutex<()>,
    /// Invariant: every published list extends the one before it by exactly one item.
    list: VersionedArcCell<[T]>,
}

impl<T: Clone> CopyOnWriteList<T> {
    /// An empty list.
    pub fn new() -> Self {
        Self { writer: Mutex::new(()), list: VersionedArcCell::from_arc(shared_slice(Vec::new())) }
    }

    /// The list as it is now (locks the cell briefly and clones the `Arc`).
    pub fn snapshot(&self) -> Arc<[T]> {
        self.list.load_arc()
    }

    /// A handle for repeated snapshots by one thread, each a single unshared load while the list
    /// has not changed.
    pub fn reader(&self) -> VersionedReader<'_, [T]> {
        self.list.reader()
    }

    /// Appends `item` by publishing a copy of the list with `item` at the end.
    pub fn push(&self, item: T) {
        chaos::point();
        // A panic in `T::clone` leaves the list as it was: poisoning carries no meaning here.
        let writer = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = self.list.load_arc();
        let mut copy = Vec::with_capacity(current.len() + 1);
        copy.extend_from_slice(&current);
        copy.push(item);
        let previous = self.list.replace(shared_slice(copy));
        drop(writer);
        drop((current, previous)); // the old list is freed, if at all, outside both locks
    }
}

impl<T: Clone> Default for CopyOnWriteList<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// `Arc<[T]>` from a `Vec` (loom's `Arc` has no such `From`, only a conversion from std's).
fn shared_slice<T>(items: Vec<T>) -> Arc<[T]> {
    #[cfg(loom)]
    return Arc::from_std(std::sync::Arc::from(items));
    #[cfg(not(loom))]
    return Arc::from(items);
}

impl<T: Clone + Send + Sync> CowList<T> for CopyOnWriteList<T> {
    type Snapshot<'a>
        = Arc<[T]>
    where
        Self: 'a;
    type Reader<'a>
        = VersionedReader<'a, [T]>
    where
        Self: 'a;

    fn new() -> Self {
        CopyOnWriteList::new()
    }

    fn snapshot(&self) -> Arc<[T]> {
        CopyOnWriteList::snapshot(self)
    }

    fn reader(&self) -> VersionedReader<'_, [T]> {
        CopyOnWriteList::reader(self)
    }

    fn push(&self, item: T) {
        CopyOnWriteList::push(self, item);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::cache::SwapReader;

    #[test]
    fn snapshots_are_frozen_and_readers_follow_pushes() {
        let list = CopyOnWriteList::new();
        let mut reader = list.reader();
        let empty = list.snapshot();
        list.push('a');
        let one = list.snapshot();
        list.push('b');
        assert_eq!((&*empty, &*one, &*list.snapshot()), (&[][..], &['a'][..], &['a', 'b'][..]));
        assert_eq!(SwapReader::load(&mut reader), ['a', 'b']);
        list.push('c');
        assert_eq!(reader.load(), ['a', 'b', 'c']);
    }
}
