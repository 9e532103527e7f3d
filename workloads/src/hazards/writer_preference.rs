//! The check of the writer-preferring claim: a reader that arrives while a writer waits must
//! wait for that writer.
//!
//! Under load the claim is hard to see: a writer counts itself waiting a moment before it reaches
//! the lock, and a writer preempted in that moment lets readers pass on any lock. So the check is
//! a directed probe on real threads, run after the measured phase: a first reader holds the lock,
//! a writer asks for it and is given [`WRITER_SETTLE`] to reach it and wait, then a second reader
//! asks. A writer-preferring lock lets the second reader in only after the writer; a lock that
//! lets it in at once, while the first reader is still inside, has let it overtake the waiting
//! writer. A writer that got no CPU for the whole settling time looks the same, so the claim
//! fails only when every one of [`PROBES`] probes was overtaken.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

use primitives::RwLock;

/// How long the writer is given to reach the lock and wait before the second reader asks.
pub const WRITER_SETTLE: Duration = Duration::from_millis(20);
/// How long the second reader is given to enter ahead of the writer.
const SECOND_READER_GRACE: Duration = Duration::from_millis(10);
/// Probes tried; the claim fails only when all are overtaken.
pub const PROBES: usize = 3;

/// `Err` with what was seen when the lock lets a new reader overtake a waiting writer in every
/// probe.
pub fn check_writer_preference<T, L: RwLock<T>>(lock: &L) -> Result<(), String> {
    if (0..PROBES).any(|_| !second_reader_overtakes(lock)) {
        Ok(())
    } else {
        Err(format!(
            "claims writer preference, but a reader that asked while a writer waited \
             ({} ms after the writer asked) entered before it, in {PROBES} of {PROBES} probes",
            WRITER_SETTLE.as_millis()
        ))
    }
}

/// One probe: whether the second reader entered before the waiting writer.
fn second_reader_overtakes<T, L: RwLock<T>>(lock: &L) -> bool {
    let first_reader_in = AtomicBool::new(false);
    let release_first_reader = AtomicBool::new(false);
    let writer_done = AtomicBool::new(false);
    thread::scope(|scope| {
        scope.spawn(|| {
            lock.read(|_| {
                first_reader_in.store(true, SeqCst);
                while !release_first_reader.load(SeqCst) {
                    thread::sleep(Duration::from_millis(1));
                }
            })
        });
        while !first_reader_in.load(SeqCst) {
            thread::yield_now();
        }
        scope.spawn(|| lock.write(|_| writer_done.store(true, SeqCst)));
        thread::sleep(WRITER_SETTLE);
        let second_reader = scope.spawn(|| lock.read(|_| !writer_done.load(SeqCst)));
        thread::sleep(SECOND_READER_GRACE);
        release_first_reader.store(true, SeqCst);
        second_reader.join().expect("the second reader panicked")
    })
}

#[cfg(test)]
mod tests {
    use primitives::rwlock_reader_pref::ReaderPrefRwLock;
    use primitives::rwlock_writer_pref::WriterPrefRwLock;

    use super::*;

    #[test]
    fn the_writer_preferring_lock_keeps_its_claim() {
        assert_eq!(check_writer_preference(&WriterPrefRwLock::new(0u64)), Ok(()));
        assert_eq!(check_writer_preference(&parking_lot::RwLock::new(0u64)), Ok(()));
    }

    #[test]
    fn a_reader_preferring_lock_fails_the_claim() {
        // A second reader that got no CPU within its grace looks like one that waited, so on a
        // loaded machine (the test suite's own threads) one check can miss; a broken lock must
        // still be caught within a few.
        let broken = (0..5)
            .find_map(|_| check_writer_preference(&ReaderPrefRwLock::new(0u64)).err())
            .expect("a reader-preferring lock passed five checks of the writer-preferring claim");
        assert!(broken.starts_with("claims writer preference, but a reader"), "{broken}");
    }
}
