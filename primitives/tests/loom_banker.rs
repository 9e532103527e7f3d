//! Loom model of the banker: two processes that each take their claim in two steps (hold and
//! wait) and give it back. In every interleaving loom explores, both finish (a deadlock makes loom
//! fail), every grant leaves a safe state, and every unit comes back. The claims together exceed
//! the totals, so an allocator that granted whatever was free could deadlock here.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom LOOM_MAX_PREEMPTIONS=2
//! cargo test -p primitives --release --test loom_banker`
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use primitives::Banker;

/// Process `p` takes one unit, then another, then gives both back.
fn job(banker: &Banker, p: usize) {
    assert!(banker.request(p, &[1]).is_safe());
    assert!(banker.request(p, &[1]).is_safe());
    banker.release(p, &[2]);
}

#[test]
fn two_processes_holding_and_waiting_both_finish() {
    loom::model(|| {
        let banker = Arc::new(Banker::new(vec![3], vec![vec![2], vec![2]]));
        let other = {
            let banker = banker.clone();
            thread::spawn(move || job(&banker, 1))
        };
        job(&banker, 0);
        other.join().unwrap();
        let books = banker.books_snapshot();
        assert_eq!(books.available, [3]);
    });
}
