//! The model of a reader–writer lock's writer-preference claim: once a writer waits, a reader
//! that arrives after it does not enter before some writer has.
//!
//! Why it needs the lock's own probe: "a writer waits" is a state inside the lock. A flag the
//! writer sets just before `lock_exclusive` is not it — in the schedules where the writer is
//! stopped between the flag and the lock, every lock lets a new reader in, and a checker explores
//! exactly those schedules. No model can tell from outside when a thread has become a waiter, so
//! this one takes the lock's answer: `is_writer_waiting` must become true once a writer is waiting
//! in the sense the lock's preference uses (the bit that turns readers away), and only then. Given
//! that, the model is sound: it fails only for a lock that let a reader pass a writer it itself
//! reported waiting. (A probe that never turns true makes the model spin until the checker gives
//! up on the schedule; one that turns true early makes a correct lock fail.)

use super::check::check_bounded;
use super::rwlock::ModelRwLock;
use crate::sync::{thread, Arc, AtomicBool, Ordering::SeqCst};

/// A reader holds the lock; a writer asks for it; once `is_writer_waiting` says the writer
/// waits, a second reader asks and the first leaves. The second reader must find the writer's
/// write done. Three threads, so within one preemption under loom (loom issue 53).
///
/// ```ignore
/// primitives::model::rwlock_writer_preference::<MyRawRwLock>(MyRawRwLock::is_writer_waiting);
/// ```
pub fn rwlock_writer_preference<L: ModelRwLock>(is_writer_waiting: fn(&L) -> bool) {
    check_bounded(1, move || {
        let lock = Arc::new(L::new());
        let written = Arc::new(AtomicBool::new(false));
        let first = lock.lock_shared();
        let writer = thread::spawn({
            let (lock, written) = (lock.clone(), written.clone());
            move || {
                lock.lock_exclusive();
                written.store(true, SeqCst);
                // SAFETY: taken just above.
                unsafe { lock.unlock_exclusive() };
            }
        });
        while !is_writer_waiting(&lock) {
            thread::yield_now();
        }
        let second_reader = thread::spawn({
            let (lock, written) = (lock.clone(), written.clone());
            move || {
                let hold = lock.lock_shared();
                let writer_first = written.load(SeqCst);
                // SAFETY: taken just above.
                unsafe { lock.unlock_shared(hold) };
                assert!(writer_first, "a reader entered past a writer the lock reported waiting");
            }
        });
        // SAFETY: the shared hold taken above.
        unsafe { lock.unlock_shared(first) };
        writer.join().unwrap();
        second_reader.join().unwrap();
    });
}
