//! Stress test of the banker on real threads: processes take their claims in two steps (hold and
//! wait) and give them back, many times over, more threads than cores. The banker must grant only
//! safe states (checked on every grant, on the books it returns), never deadlock (the test would
//! hang; nextest's slow-timeout or CI's time limit backs it up), and get every unit back.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;

use primitives::Banker;

const PROCESSES: usize = 6;
const JOBS: usize = if cfg!(debug_assertions) { 2_000 } else { 20_000 };
const TOTAL: [u64; 3] = [4, 5, 3];

#[test]
fn processes_holding_and_waiting_never_deadlock_and_every_grant_is_safe() {
    // Claims that oversubscribe every resource together, each within the totals.
    let maximum: Vec<Vec<u64>> = (0..PROCESSES)
        .map(|p| TOTAL.iter().enumerate().map(|(r, &t)| 1 + (p as u64 + r as u64) % t).collect())
        .collect();
    let banker = Banker::new(TOTAL.to_vec(), maximum.clone());
    let unsafe_grants = AtomicU64::new(0);
    let start = Barrier::new(PROCESSES);
    std::thread::scope(|s| {
        for (process, claim) in maximum.iter().enumerate() {
            let (banker, unsafe_grants, start) = (&banker, &unsafe_grants, &start);
            s.spawn(move || {
                let first: Vec<u64> = claim.iter().map(|c| c.div_ceil(2)).collect();
                let rest: Vec<u64> = claim.iter().zip(&first).map(|(c, f)| c - f).collect();
                start.wait();
                for _ in 0..JOBS {
                    for request in [&first, &rest] {
                        if !banker.request(process, request).is_safe() {
                            unsafe_grants.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    banker.release(process, claim);
                }
            });
        }
    });
    assert_eq!(unsafe_grants.load(Ordering::Relaxed), 0);
    let books = banker.books_snapshot();
    assert_eq!(books.available, TOTAL, "every unit came back");
    assert!(books.allocation.iter().flatten().all(|&held| held == 0));
}

#[test]
fn try_request_refuses_what_a_blocking_request_would_wait_for() {
    let banker = Banker::new(vec![2], vec![vec![2], vec![2]]);
    assert_eq!(banker.try_request(0, &[1]), Ok(()));
    // Granting P1 a unit now would leave both needing one with none free.
    assert_eq!(banker.try_request(1, &[1]), Err(primitives::banker::Refusal::Unsafe));
    assert_eq!(banker.try_request(0, &[1]), Ok(()));
    assert_eq!(banker.try_request(1, &[1]), Err(primitives::banker::Refusal::Unavailable));
}
