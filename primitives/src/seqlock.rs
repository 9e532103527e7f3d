//! Sequence lock over `N` words: the read-mostly design, in which a read writes nothing shared
//! (Lamport, "Concurrent reading and writing", CACM 1977; the Linux kernel's `seqlock_t`; the
//! orderings follow Boehm, "Can seqlocks get along with programming language memory models?",
//! MSPC 2012).
//!
//! A writer makes the sequence number odd, writes the words, and makes it even again. A reader
//! reads the sequence, the words, and the sequence again, and keeps the copy only if both reads
//! saw the same even number; otherwise a writer was active and it retries. Readers only load, so
//! the cache line stays shared by every reading core and reads scale with cores, where every
//! read of an RW lock writes the reader count (FACTS.md: two readers of a std `RwLock` are slower
//! than one). The price: writers exclude each other and stall readers, readers may retry (a
//! steady stream of writes can starve them), and a reader gets a copy, never a reference.
//!
//! Soundness: a reader races with the writer by design, and a racy read of plain memory is
//! undefined behaviour in Rust, whatever the retry later decides. So the value is stored as `N`
//! `AtomicU64` words, read and written with Relaxed atomics (plain `mov`s on x86), and the
//! supported value type is `[u64; N]`; other `Copy` data is packed into words by the caller
//! (`f64::to_bits`, two `u32`s per word, ...). No `unsafe` is needed.

use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::chaos;
use crate::rwlock::RwLock;
use crate::sync::{fence, AtomicU64, Ordering};

/// A value of `N` `u64` words that many threads read and a few replace.
///
/// ```
/// use primitives::seqlock::SeqLock;
///
/// let config = SeqLock::new([1, 2, 3, 4]);
/// config.write(|words| words.iter_mut().for_each(|w| *w *= 10));
/// assert_eq!(config.read(), [10, 20, 30, 40]);
/// ```
pub struct SeqLock<const N: usize> {
    /// Sequence number and words together on one padded line: a read touches one line, and no
    /// neighbouring data shares it.
    shared: CachePadded<Shared<N>>,
}

struct Shared<const N: usize> {
    /// Even: no writer, and the words are a complete value. Odd: a writer is inside, and the
    /// words may be half written. Only a writer changes it, `+1` on entry and `+1` on exit, so
    /// a reader that sees the same even number before and after its copy saw no write (a `u64`
    /// does not wrap in any realistic run).
    seq: AtomicU64,
    /// The value. Written only by the writer holding `seq` odd.
    words: [AtomicU64; N],
}

impl<const N: usize> SeqLock<N> {
    /// A seqlock holding `value`.
    pub fn new(value: [u64; N]) -> Self {
        let words = std::array::from_fn(|i| AtomicU64::new(value[i]));
        Self { shared: CachePadded::new(Shared { seq: AtomicU64::new(0), words }) }
    }

    /// A consistent copy of the value, retrying while writers interfere.
    #[inline]
    pub fn read(&self) -> [u64; N] {
        chaos::point();
        match self.try_read() {
            Some(value) => value,
            None => self.read_contended(),
        }
    }

    #[cold]
    fn read_contended(&self) -> [u64; N] {
        chaos::point();
        let mut backoff = Backoff::new();
        loop {
            backoff.snooze();
            if let Some(value) = self.try_read() {
                return value;
            }
        }
    }

    /// A consistent copy of the value, or `None` if a write was in progress or happened during
    /// the copy. Writes nothing shared.
    #[inline]
    pub fn try_read(&self) -> Option<[u64; N]> {
        chaos::point();
        // Acquire: pairs with the writer's Release exit, so the words it wrote are visible.
        let before = self.shared.seq.load(Ordering::Acquire);
        if before & 1 != 0 {
            return None;
        }
        let value = std::array::from_fn(|i| self.shared.words[i].load(Ordering::Relaxed));
        // Acquire fence: if any word load above saw a store made after a writer's Release fence,
        // that writer's odd `seq` is visible to the load below, which then differs from `before`.
        fence(Ordering::Acquire);
        (self.shared.seq.load(Ordering::Relaxed) == before).then_some(value)
    }

    /// Runs `f` on a copy of the value with writers excluded and readers held off, stores the
    /// result and returns what `f` returned. If `f` panics the value is left unchanged.
    pub fn write<R>(&self, f: impl FnOnce(&mut [u64; N]) -> R) -> R {
        chaos::point();
        let exit = self.enter_write();
        // Relaxed: we are the only writer, and entering acquired the last writer's stores.
        let mut value = std::array::from_fn(|i| self.shared.words[i].load(Ordering::Relaxed));
        let result = f(&mut value);
        // Release fence: orders the odd `seq` of `enter_write` before every word store below,
        // for any reader that sees one of them (see the Acquire fence in `try_read`).
        fence(Ordering::Release);
        for (word, new) in self.shared.words.iter().zip(value) {
            word.store(new, Ordering::Relaxed);
        }
        drop(exit);
        result
    }

    /// Replaces the value.
    pub fn store(&self, value: [u64; N]) {
        self.write(|words| *words = value);
    }

    /// Makes `seq` odd, waiting for any other writer to finish first.
    #[inline]
    fn enter_write(&self) -> WriteExit<'_> {
        let seq = self.shared.seq.load(Ordering::Relaxed);
        if seq & 1 == 0 && self.try_enter_write(seq) {
            return WriteExit { seq: &self.shared.seq, odd: seq + 1 };
        }
        self.enter_write_contended()
    }

    #[cold]
    fn enter_write_contended(&self) -> WriteExit<'_> {
        let mut backoff = Backoff::new();
        loop {
            let seq = self.shared.seq.load(Ordering::Relaxed);
            if seq & 1 == 0 && self.try_enter_write(seq) {
                return WriteExit { seq: &self.shared.seq, odd: seq + 1 };
            }
            backoff.snooze();
        }
    }

    fn try_enter_write(&self, even: u64) -> bool {
        // Acquire: pairs with the previous writer's Release exit (we read its words).
        self.shared
            .seq
            .compare_exchange_weak(even, even + 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }
}

/// Leaves the write section on drop, even when the writer's closure panics, so readers and later
/// writers are never locked out by a panic.
struct WriteExit<'a> {
    seq: &'a AtomicU64,
    /// The odd value this writer stored on entry.
    odd: u64,
}

impl Drop for WriteExit<'_> {
    fn drop(&mut self) {
        // Release: publishes the words to readers' and writers' Acquire loads of `seq`.
        self.seq.store(self.odd + 1, Ordering::Release);
    }
}

/// A seqlock is an [`RwLock`] for `[u64; N]`: `read` runs its closure on a consistent copy (not
/// under the lock), `write` as [`SeqLock::write`].
impl<const N: usize> RwLock<[u64; N]> for SeqLock<N> {
    fn new(value: [u64; N]) -> Self {
        SeqLock::new(value)
    }

    #[inline]
    fn read<R>(&self, f: impl FnOnce(&[u64; N]) -> R) -> R {
        f(&SeqLock::read(self))
    }

    #[inline]
    fn write<R>(&self, f: impl FnOnce(&mut [u64; N]) -> R) -> R {
        SeqLock::write(self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn read_write_store() {
        let lock = SeqLock::new([7; 3]);
        assert_eq!(lock.read(), [7; 3]);
        assert_eq!(lock.write(|words| std::mem::replace(&mut words[1], 8)), 7);
        assert_eq!(lock.try_read(), Some([7, 8, 7]));
        lock.store([1, 2, 3]);
        assert_eq!(RwLock::read(&lock, |words| words.iter().sum::<u64>()), 6);
    }

    #[test]
    fn try_read_fails_while_a_write_is_in_progress() {
        let lock = SeqLock::new([0; 2]);
        lock.write(|words| {
            words[0] = 1;
            assert_eq!(lock.try_read(), None, "read a value while a writer was inside");
        });
        assert_eq!(lock.try_read(), Some([1, 0]));
    }

    #[test]
    fn panicking_writer_leaves_the_value_and_unlocks() {
        let lock = SeqLock::new([5; 2]);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lock.write(|words| {
                words[0] = 6;
                panic!("writer fails halfway");
            })
        }));
        assert!(panicked.is_err());
        assert_eq!(lock.try_read(), Some([5; 2]), "a failed write must change nothing");
        lock.store([9; 2]);
        assert_eq!(lock.read(), [9; 2]);
    }
}
