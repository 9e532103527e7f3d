//! The user's model checks: one line each. Run them under loom and under shuttle:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p user-model-check
//! RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test --release -p user-model-check
//! ```
//!
//! Without either, the models run on real threads (a smoke test), where neither broken lock can be
//! relied on to fail, so their tests exist only under a checker.

#[test]
fn my_spin_lock_is_a_mutex() {
    primitives::model::mutex::<user_model_check::MySpinLock>();
}

/// Loom sees that the second holder's read is not ordered after the first holder's write.
#[cfg(loom)]
#[test]
#[should_panic(expected = "Causality violation")]
fn a_relaxed_unlock_fails_its_model() {
    primitives::model::mutex::<user_model_check::RelaxedUnlockLock>();
}

/// Both checkers see two holders at once.
#[cfg(any(loom, shuttle))]
#[test]
#[should_panic]
fn a_load_then_store_lock_fails_its_model() {
    primitives::model::mutex::<user_model_check::LoadThenStoreLock>();
}

#[test]
fn my_rwlock_excludes_and_keeps_its_writer_preference() {
    use user_model_check::WriterFirstRwLock;
    primitives::model::rwlock::<WriterFirstRwLock>();
    primitives::model::rwlock_writer_preference::<WriterFirstRwLock>(
        WriterFirstRwLock::is_writer_waiting,
    );
}

/// Both checkers find the schedule in which the second reader enters while the first still holds
/// the lock and the writer, reported waiting, has not entered.
#[cfg(any(loom, shuttle))]
#[test]
#[should_panic(expected = "a reader entered past a writer the lock reported waiting")]
fn a_lock_whose_readers_pass_a_waiting_writer_fails_its_preference_model() {
    use user_model_check::ReadersPassRwLock;
    primitives::model::rwlock_writer_preference::<ReadersPassRwLock>(
        ReadersPassRwLock::is_writer_waiting,
    );
}
