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
