//! The stack workload against every shipped container, a yielding tagged stack, and a container
//! broken on purpose, driven by threads of their own (the harness's runner lives in another
//! crate).

use super::*;
use crate::testing::run_trial;

/// Broken on purpose: a mutex-guarded stack that silently drops every 1000th item pushed.
struct DropsEveryThousandth(std::sync::Mutex<(Vec<u64>, u64)>);

impl ConcurrentContainer<u64> for DropsEveryThousandth {
    const ORDER: Order = Order::Lifo;

    fn with_capacity(capacity: usize) -> Self {
        Self(std::sync::Mutex::new((Vec::with_capacity(capacity), 0)))
    }

    fn push(&self, item: u64) -> Result<(), u64> {
        let mut state = self.0.lock().unwrap();
        state.1 += 1;
        if !state.1.is_multiple_of(1000) {
            state.0.push(item);
        }
        Ok(())
    }

    fn pop(&self) -> Option<u64> {
        self.0.lock().unwrap().0.pop()
    }
}

fn workload() -> StackWorkload {
    StackWorkload::standard()
        .with::<YieldingPops<TaggedArenaStack>>(
            "yielding-tagged-arena-stack",
            ImplKind::HandRolled,
            "the tagged stack, pops yielding in the ABA windows",
        )
        .with::<DropsEveryThousandth>(
            "drops-every-thousandth",
            ImplKind::Demonstration,
            "loses one push in a thousand",
        )
}

/// Every thread runs `ops` operations.
fn run(name: &str, threads: usize, seed: u64, sets: &[(&str, &str)], ops: u64) -> Check {
    run_trial(&workload(), name, threads, seed, sets, |_, worker| worker.run(ops))
}

#[test]
fn every_correct_container_holds_at_one_two_and_four_threads() {
    let workload = workload();
    for info in workload.implementations() {
        if info.kind == ImplKind::Demonstration {
            continue;
        }
        for threads in [1, 2, 4] {
            for sets in [&[][..], &[("push_share", "90"), ("per_thread", "64")][..]] {
                let check = run(&info.name, threads, 7, sets, 20_000);
                assert!(
                    matches!(check, Check::Held(_)),
                    "{} t{threads} {sets:?}: {check:?}",
                    info.name
                );
            }
        }
    }
}

#[test]
fn the_untagged_demonstration_holds_alone() {
    // One thread (and two, see the module docs) cannot reorder the arena's slots.
    for threads in [1, 2] {
        let check = run("untagged-arena-stack", threads, 3, &[], 20_000);
        assert!(matches!(check, Check::Held(_)), "t{threads}: {check:?}");
    }
}

#[test]
fn the_untagged_stacks_aba_is_caught_from_three_threads() {
    let caught = (0..20).any(|seed| {
        let check = run("untagged-arena-stack", 4, seed, &[("prefill", "8")], 20_000);
        matches!(check, Check::Violated(_))
    });
    assert!(caught, "the untagged arena stack held 20 trials at 4 threads");
}

#[test]
fn a_container_that_drops_items_is_caught() {
    for threads in [1, 2] {
        let check = run("drops-every-thousandth", threads, 1, &[], 5_000);
        let Check::Violated(why) = check else { panic!("t{threads}: held") };
        assert!(why.contains("lost"), "{why}");
    }
}

#[test]
fn the_summary_counts_retries_only_where_counted() {
    let Check::Held(counted) = run("treiber-stack", 1, 0, &[], 1_000) else { panic!("violated") };
    assert!(counted.contains("CAS retries per op 0.0000"), "{counted}");
    let Check::Held(locked) = run("mutex-vec", 1, 0, &[], 1_000) else { panic!("violated") };
    assert!(!locked.contains("CAS"), "{locked}");
    assert!(locked.contains("(1024 prefilled)"), "{locked}");
}

#[test]
fn a_push_heavy_mix_stays_within_per_thread() {
    let params = Params::resolve(
        "stack",
        PARAMS,
        &[("push_share".into(), "100".into()), ("per_thread".into(), "10".into())],
    )
    .unwrap();
    let setup = TrialSetup { threads: 1, seed: 0, params: &params };
    let workload = workload();
    let trial = workload.prepare("array-queue", &setup).unwrap();
    // An ArrayQueue of prefill + per_thread slots would refuse a push beyond them.
    let mut worker = trial.worker(0);
    assert_eq!(worker.run(1_000), 1_000);
    assert_eq!(worker.take_metrics().counter("refused_pushes"), 0);
    worker.finish();
    drop(worker);
    let Check::Held(summary) = trial.check(1_000) else { panic!("violated") };
    assert!(summary.contains("(1024 prefilled)"), "{summary}");
}
