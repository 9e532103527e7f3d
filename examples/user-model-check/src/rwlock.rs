//! A user's reader–writer spin lock that claims writer preference, and its broken twin whose
//! readers look only at the writer-held bit: a waiting writer is visible (the probe says so) but
//! new readers pass it.

use primitives::sync::{spin_loop, AtomicUsize, Ordering};

/// Bit set while a writer holds the lock.
const WRITER: usize = 1;
/// Bit set while a writer waits for the readers to leave.
const WAITING: usize = 2;
/// One reader inside, counted above the two bits.
const READER: usize = 4;

/// A reader–writer spin lock. With `WRITER_FIRST` a waiting writer turns new readers away (the
/// claim); without it readers wait only for a writer inside, and a stream of them starves it.
///
/// State: `readers * READER | WAITING? | WRITER?`.
pub struct MyRwLock<const WRITER_FIRST: bool>(AtomicUsize);

/// Keeps the claim.
pub type WriterFirstRwLock = MyRwLock<true>;
/// Claims writer preference, but its readers pass a waiting writer.
pub type ReadersPassRwLock = MyRwLock<false>;

impl<const WRITER_FIRST: bool> MyRwLock<WRITER_FIRST> {
    pub fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    pub fn lock_shared(&self) {
        loop {
            let state = self.0.load(Ordering::Relaxed);
            let turned_away = state & WRITER != 0 || (WRITER_FIRST && state & WAITING != 0);
            if !turned_away
                && self
                    .0
                    .compare_exchange(state, state + READER, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
            spin_loop();
        }
    }

    /// # Safety
    ///
    /// The caller holds the lock shared.
    pub unsafe fn unlock_shared(&self) {
        self.0.fetch_sub(READER, Ordering::Release);
    }

    pub fn lock_exclusive(&self) {
        loop {
            let state = self.0.load(Ordering::Relaxed);
            if state & !WAITING == 0 {
                // Free: take it (clearing the waiting bit; another waiting writer sets it again).
                let taken =
                    self.0.compare_exchange(state, WRITER, Ordering::Acquire, Ordering::Relaxed);
                if taken.is_ok() {
                    return;
                }
            } else if state & WAITING == 0 {
                let _ = self.0.compare_exchange(
                    state,
                    state | WAITING,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
            spin_loop();
        }
    }

    /// # Safety
    ///
    /// The caller holds the lock exclusive.
    pub unsafe fn unlock_exclusive(&self) {
        self.0.fetch_and(!WRITER, Ordering::Release);
    }

    /// Whether a writer has set the bit that (with `WRITER_FIRST`) turns readers away: the probe
    /// the writer-preference model needs.
    pub fn is_writer_waiting(&self) -> bool {
        self.0.load(Ordering::SeqCst) & WAITING != 0
    }
}

impl<const WRITER_FIRST: bool> Default for MyRwLock<WRITER_FIRST> {
    fn default() -> Self {
        Self::new()
    }
}

primitives::model_rwlock!(WriterFirstRwLock, ReadersPassRwLock);
