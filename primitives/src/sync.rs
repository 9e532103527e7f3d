//! The loom shim: primitives import their atomics and spin hints from here, so the very same code
//! runs on real threads and, under `--cfg loom`, inside loom's model checker.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// A spin-wait hint. Under loom it is a scheduling point, so spin loops stay explorable (a bare
/// `while flag.swap(true)` loop makes loom report a false branch-limit failure).
#[inline]
pub(crate) fn spin_loop() {
    #[cfg(loom)]
    loom::hint::spin_loop();
    #[cfg(not(loom))]
    std::hint::spin_loop();
}

/// Gives the rest of this time slice to another thread (a scheduling point under loom).
#[inline]
pub(crate) fn yield_now() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::thread::yield_now();
}
