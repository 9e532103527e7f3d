//! Loom models of the caching family: lazy initialisation racing, a swapped value stored while
//! read, a copy-on-write list pushed while snapshotted. Values are built from `loom::cell::
//! UnsafeCell`s, whose creation loom records as a write, so a reader that could see a value
//! without happening-after its construction fails the model. Two deliberately broken lazy cells
//! (a Relaxed ready flag; no second check under the lock) prove the models can fail.
//!
//! The LRU caches have no model: they hold no atomics of their own, only a lock around
//! single-threaded code (the locks are modelled in `loom_locks.rs`).
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test loom_caches`
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use primitives::cache::{LazyInit, SwapCell, SwapReader};
use primitives::cow_list::CopyOnWriteList;
use primitives::lazy_init::DoubleCheckedLazy;
use primitives::model;
use primitives::swap_cell::VersionedArcCell;

/// A number that loom tracks: reading it checks that its construction happened before.
struct Published(UnsafeCell<usize>);

// SAFETY: the cell is written only when created, before the value is shared; every later access
// is a read, and loom checks that each read happens after the creation.
unsafe impl Sync for Published {}

impl Published {
    fn new(value: usize) -> Self {
        Self(UnsafeCell::new(value))
    }

    fn get(&self) -> usize {
        // SAFETY: only reads follow the creation (see the `Sync` impl); loom checks the ordering.
        self.0.with(|value| unsafe { *value })
    }
}

impl Clone for Published {
    fn clone(&self) -> Self {
        Self::new(self.get())
    }
}

#[test]
fn lazy_init_races() {
    model::lazy_init::<DoubleCheckedLazy<model::Published>>();
}

/// One writer stores a new value while the main thread reads through a handle and without one:
/// each read is the old or the new value, complete, and a handle never goes back.
#[test]
fn swap_cell_store_while_reading() {
    loom::model(|| {
        let cell = Arc::new(<VersionedArcCell<[Published; 2]> as SwapCell<_>>::new([
            Published::new(0),
            Published::new(0),
        ]));
        let writer = thread::spawn({
            let cell = cell.clone();
            move || cell.store([Published::new(1), Published::new(1)])
        });
        let read = |pair: &[Published; 2]| {
            let (first, second) = (pair[0].get(), pair[1].get());
            assert_eq!(first, second, "a torn value");
            first
        };
        let mut reader = SwapCell::reader(&*cell);
        let before = read(SwapReader::load(&mut reader));
        let unhandled = read(&SwapCell::load(&*cell));
        let after = read(SwapReader::load(&mut reader));
        assert!(
            before <= unhandled && unhandled <= after,
            "went back: {before} {unhandled} {after}"
        );
        writer.join().unwrap();
        assert_eq!(read(SwapReader::load(&mut reader)), 1, "a finished store is not visible");
    });
}

/// One writer pushes twice while the main thread snapshots, through a handle and without one:
/// every snapshot is a prefix of the pushes and a handle's snapshots never shrink.
#[test]
fn cow_list_push_while_snapshotting() {
    loom::model(|| {
        let list = Arc::new(CopyOnWriteList::new());
        list.push(Published::new(0));
        let writer = thread::spawn({
            let list = list.clone();
            move || (1..=2).for_each(|item| list.push(Published::new(item)))
        });
        let prefix = |items: &[Published]| {
            let values: Vec<usize> = items.iter().map(Published::get).collect();
            assert!(
                [0, 1, 2].starts_with(&values) && !values.is_empty(),
                "not a prefix: {values:?}"
            );
            values.len()
        };
        let mut reader = list.reader();
        let before = prefix(reader.load());
        let unhandled = prefix(&list.snapshot());
        let after = prefix(reader.load());
        assert!(before <= unhandled && unhandled <= after, "shrank: {before} {unhandled} {after}");
        writer.join().unwrap();
        assert_eq!(prefix(reader.load()), 3, "a finished push is not visible");
    });
}

/// Double-checked locking with the wrong details, to show that the models catch them.
struct BrokenLazy {
    /// Ordering of the lock-free first check.
    check_ordering: Ordering,
    /// Ordering of the store that publishes.
    publish_ordering: Ordering,
    /// Whether the flag is checked again under the lock.
    second_check: bool,
    ready: AtomicBool,
    lock: Mutex<()>,
    value: UnsafeCell<Option<model::Published>>,
    init: fn() -> model::Published,
}

// SAFETY: deliberately unsound, for the model to find: it is never used outside loom.
unsafe impl Sync for BrokenLazy {}

impl BrokenLazy {
    fn get(&self) -> &model::Published {
        if !self.ready.load(self.check_ordering) {
            let _lock = self.lock.lock().unwrap();
            if !self.second_check || !self.ready.load(Ordering::Relaxed) {
                let value = (self.init)();
                // SAFETY: not safe without the right ordering and the second check: the point.
                self.value.with_mut(|slot| unsafe { *slot = Some(value) });
                self.ready.store(true, self.publish_ordering);
            }
        }
        // SAFETY: as above.
        self.value.with(|slot| unsafe { (*slot).as_ref().unwrap() })
    }
}

macro_rules! broken_lazy {
    ($name:ident, $check:expr, $publish:expr, $second_check:expr) => {
        struct $name(BrokenLazy);
        impl LazyInit<model::Published> for $name {
            fn new(init: fn() -> model::Published) -> Self {
                Self(BrokenLazy {
                    check_ordering: $check,
                    publish_ordering: $publish,
                    second_check: $second_check,
                    ready: AtomicBool::new(false),
                    lock: Mutex::new(()),
                    value: UnsafeCell::new(None),
                    init,
                })
            }
            fn get(&self) -> &model::Published {
                self.0.get()
            }
        }
    };
}
broken_lazy!(RelaxedReadyLazy, Ordering::Relaxed, Ordering::Relaxed, true);
broken_lazy!(SingleCheckLazy, Ordering::Acquire, Ordering::Release, false);

/// A Relaxed flag does not order the initialiser's write before another thread's read.
#[test]
#[should_panic]
fn model_catches_relaxed_ready_flag() {
    model::lazy_init::<RelaxedReadyLazy>();
}

/// Without the second check, a thread that waited for the lock initialises again.
#[test]
#[should_panic]
fn model_catches_missing_second_check() {
    model::lazy_init::<SingleCheckLazy>();
}
