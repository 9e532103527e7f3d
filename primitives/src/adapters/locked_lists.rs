//! The textbook rivals of a copy-on-write list: a plain `Vec` behind one std lock, which is what a
//! copy-on-write list replaces.
//!
//! Writers append in place under the lock (no copy: amortised O(1)). A [`CowList`] snapshot must
//! stay valid while writers carry on, and a reader may hold one for a long time, so a read cannot
//! walk the list under the lock: it copies the list out under the lock (O(len) per read, into the
//! reader's own reused buffer) and walks the copy. That is the trade the comparison shows: the
//! copy-on-write list pays O(len) per append and nothing shared per read; these pay O(len) under a
//! shared lock per read. With the `RwLock`, readers copy concurrently but every read still writes
//! the lock's reader count.
//!
//! | type | lock | a read | an append |
//! |---|---|---|---|
//! | [`MutexVecList`] | `std::sync::Mutex<Vec<T>>` | lock, copy out, unlock | lock, push, unlock |
//! | [`RwLockVecList`] | `std::sync::RwLock<Vec<T>>` | read-lock, copy out (readers in parallel) | write-lock, push |

use std::sync::{Mutex, PoisonError, RwLock};

use crate::cache::{CowList, SwapReader};

/// A `Vec` behind one std lock `L`: the two textbook rivals below share everything but the lock.
pub struct LockedVecList<L>(L);

/// A `Vec` behind a `std::sync::Mutex`: readers and writers all take turns.
pub type MutexVecList<T> = LockedVecList<Mutex<Vec<T>>>;

/// A `Vec` behind a `std::sync::RwLock`: readers copy it out together, a writer alone.
pub type RwLockVecList<T> = LockedVecList<RwLock<Vec<T>>>;

/// A reader's handle: the list, and the buffer its last read was copied into.
pub struct CopyingReader<'a, L, T> {
    list: &'a LockedVecList<L>,
    copy: Vec<T>,
}

/// The lock around the `Vec`: how a reader copies it out and a writer appends. Poisoning is
/// ignored: a push either completed or did not start, so the list is whole.
pub trait VecLock<T>: Send + Sync {
    fn empty() -> Self;
    /// Replaces `into`'s contents with the list's, under the lock.
    fn copy_into(&self, into: &mut Vec<T>);
    fn push(&self, item: T);
}

impl<T: Clone + Send> VecLock<T> for Mutex<Vec<T>> {
    fn empty() -> Self {
        Mutex::new(Vec::new())
    }

    #[inline]
    fn copy_into(&self, into: &mut Vec<T>) {
        let list = self.lock().unwrap_or_else(PoisonError::into_inner);
        into.clear();
        into.extend_from_slice(&list);
    }

    fn push(&self, item: T) {
        self.lock().unwrap_or_else(PoisonError::into_inner).push(item);
    }
}

impl<T: Clone + Send + Sync> VecLock<T> for RwLock<Vec<T>> {
    fn empty() -> Self {
        RwLock::new(Vec::new())
    }

    #[inline]
    fn copy_into(&self, into: &mut Vec<T>) {
        let list = self.read().unwrap_or_else(PoisonError::into_inner);
        into.clear();
        into.extend_from_slice(&list);
    }

    fn push(&self, item: T) {
        self.write().unwrap_or_else(PoisonError::into_inner).push(item);
    }
}

impl<L: VecLock<T>, T> SwapReader<[T]> for CopyingReader<'_, L, T> {
    #[inline]
    fn load(&mut self) -> &[T] {
        self.list.0.copy_into(&mut self.copy);
        &self.copy
    }
}

impl<T: Clone + Send + Sync, L: VecLock<T>> CowList<T> for LockedVecList<L> {
    type Snapshot<'a>
        = Vec<T>
    where
        Self: 'a;
    type Reader<'a>
        = CopyingReader<'a, L, T>
    where
        Self: 'a;

    fn new() -> Self {
        Self(L::empty())
    }

    fn snapshot(&self) -> Vec<T> {
        let mut copy = Vec::new();
        self.0.copy_into(&mut copy);
        copy
    }

    fn reader(&self) -> Self::Reader<'_> {
        CopyingReader { list: self, copy: Vec::new() }
    }

    fn push(&self, item: T) {
        self.0.push(item);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A snapshot taken before a push keeps its length; the reader's next load sees the push.
    fn snapshots_are_prefixes<L: CowList<u64>>() {
        let list = L::new();
        list.push(1);
        let before = list.snapshot();
        let mut reader = list.reader();
        assert_eq!(reader.load(), [1]);
        list.push(2);
        assert_eq!(&*before, [1], "a snapshot must not change");
        assert_eq!(reader.load(), [1, 2]);
        assert_eq!(&*list.snapshot(), [1, 2]);
    }

    #[test]
    fn mutex_vec_list_snapshots_are_prefixes() {
        snapshots_are_prefixes::<MutexVecList<u64>>();
    }

    #[test]
    fn rwlock_vec_list_snapshots_are_prefixes() {
        snapshots_are_prefixes::<RwLockVecList<u64>>();
    }
}
