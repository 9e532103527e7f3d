//! Plug your own lock into syncbench without editing the project.
//!
//! This file is all a user writes: a plain test-and-set spin lock (no backoff, no test-before-set)
//! implementing `lock_api::RawMutex`, added to the `counter` workload beside the project's own
//! implementations, and the ordinary `syncbench` command line run over it:
//!
//! ```text
//! cargo run --release -p harness --example custom_lock -- run counter \
//!     --impls my-tas-lock,spin-lock,parking-lot-mutex --threads 1,2,4
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

use lock_api::{GuardSend, RawMutex};
use primitives::counters::LockedCounter;
use workloads::counter::CounterWorkload;
use workloads::{ImplKind, Registry};

/// Test-and-set: every waiting thread hammers the lock's cache line with swaps.
pub struct RawTasLock {
    locked: AtomicBool,
}

// SAFETY: `lock` returns only after this thread swapped `locked` from false to true (Acquire),
// and `unlock` stores false (Release), so exactly one holder exists at a time and the holder's
// writes are visible to the next one.
unsafe impl RawMutex for RawTasLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self { locked: AtomicBool::new(false) };
    type Guard = GuardSend;

    fn lock(&self) -> GuardSend {
        while self.locked.swap(true, Ordering::Acquire) {
            std::hint::spin_loop();
        }
        GuardSend::new()
    }

    fn try_lock(&self) -> Option<GuardSend> {
        (!self.locked.swap(true, Ordering::Acquire)).then(GuardSend::new)
    }

    unsafe fn unlock(&self, _guard: GuardSend) {
        self.locked.store(false, Ordering::Release);
    }

    fn is_locked(&self) -> bool {
        self.locked.load(Ordering::Relaxed)
    }
}

/// A mutex over the raw lock: `lock_api` supplies the guard, and the project's `Lock` trait
/// comes with it.
pub type TasLock<T> = lock_api::Mutex<RawTasLock, T>;

fn main() -> std::process::ExitCode {
    let counter = CounterWorkload::standard().with::<LockedCounter<TasLock<u64>>>(
        "my-tas-lock",
        ImplKind::User,
        "a user's test-and-set spin lock, no backoff",
    );
    let registry = Registry::standard().with(counter);
    harness::app::run_with_registry(&registry, std::env::args_os())
}
