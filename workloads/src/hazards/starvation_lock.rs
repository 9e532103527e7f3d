//! How a user's lock joins `starvation` through the one plug-in shape, `with::<T>(name, kind,
//! about)`: the workload runs mutexes and RW locks alike, so the type says which side it is on.
//!
//! ```
//! use workloads::hazards::starvation::StarvationWorkload;
//! use workloads::hazards::starvation_lock::{AsMutex, AsRwLock};
//! use workloads::ImplKind::User;
//!
//! let workload = StarvationWorkload::empty()
//!     .with::<AsMutex<primitives::SpinLock<u64>>>("my-mutex", User, "a Lock<u64>")
//!     .with::<AsRwLock<primitives::ReaderPrefRwLock<[u64; 2]>>>("my-rw", User, "an RwLock");
//! ```

use std::marker::PhantomData;

use primitives::{Lock, RwLock};

use super::starvation::StarvationWorkload;
use crate::workload::ImplInfo;

/// A lock `starvation` can run: [`AsMutex`] or [`AsRwLock`] around your type.
pub trait StarvationLock: 'static {
    /// `workload` with the lock `info` describes added, on its side.
    fn add_to(workload: StarvationWorkload, info: ImplInfo) -> StarvationWorkload;
}

/// The mutex `L`: every thread takes it in turn.
pub struct AsMutex<L>(PhantomData<fn() -> L>);

/// The RW lock `L`: the first `writers` threads write, the others read.
pub struct AsRwLock<L>(PhantomData<fn() -> L>);

impl<L: Lock<u64> + 'static> StarvationLock for AsMutex<L> {
    fn add_to(workload: StarvationWorkload, info: ImplInfo) -> StarvationWorkload {
        workload.with_mutex_info::<L>(info)
    }
}

impl<L: RwLock<[u64; 2]> + 'static> StarvationLock for AsRwLock<L> {
    fn add_to(workload: StarvationWorkload, info: ImplInfo) -> StarvationWorkload {
        workload.with_rwlock_info::<L>(info)
    }
}
