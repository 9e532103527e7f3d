#!/usr/bin/env bash
# Validates the regression gate itself (scripts/ci-gate.sh) on this machine:
#   - a known slowdown must be caught: the head's `atomic-counter` is slowed by 20 % (the hidden,
#     test-only `syncbench run --slowdown atomic-counter=20`: every timed batch busy-waits for a
#     fifth of its own time), and the gate must fail on it in at least 9 of 10 trials;
#   - two identical builds must pass: the gate may fail in at most 1 of 10 trials.
# Slowed and identical trials alternate, so both meet the same machine. Base and head are both
# HEAD, so commit (or stash) your changes first.
#
#   scripts/validate-gate.sh            (TRIALS=10 by default; each trial is a whole gate run)
#
# Exit 0 when both counts meet their bounds, 1 when not, 2 on bad input.
set -euo pipefail
cd "$(dirname "$0")/.."

trials=${TRIALS:-10}
[[ $trials =~ ^[1-9][0-9]*$ ]] || { echo "validate-gate: TRIALS must be a positive whole number" >&2; exit 2; }
git diff --quiet HEAD -- . ':!target' \
    || { echo "validate-gate: the working tree has uncommitted changes; base and head would differ" >&2; exit 2; }

root=target/gate-validation/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$root"
export GATE_WORKLOADS=counter
export GATE_RUN_ARGS="--impls atomic-counter,std-mutex,spin-lock --threads 1,2 --duration 100ms --warmup 25ms"
export GATE_ROUNDS=${GATE_ROUNDS:-10}

# One gate run; prints its exit code. $1: trial folder, $2: extra head arguments.
gate() {
    local status=0
    GATE_OUT=$1 GATE_HEAD_ARGS=$2 scripts/ci-gate.sh HEAD > "$1.log" 2>&1 || status=$?
    if ((status > 1)); then
        tail -n 5 "$1.log" >&2
        echo "validate-gate: the gate itself failed (exit $status); see $1.log" >&2
        exit 2
    fi
    echo "$status"
}

# Whether the comparison table marks implementation $2's throughput slower at some thread count.
slower_throughput() {
    awk -v impl="$2" '/: throughput/ { on = 1; next } /^$/ { on = 0 }
        on && $1 == impl && / slower/ { found = 1 } END { exit !found }' "$1"
}

caught=0
false_alarms=0
started=$SECONDS
for ((trial = 1; trial <= trials; trial++)); do
    status=$(gate "$root/slowed-$trial" "--slowdown atomic-counter=20")
    # Caught means: the gate failed, and on the slowed implementation.
    if [[ $status == 1 ]] && slower_throughput "$root/slowed-$trial/comparison.txt" atomic-counter; then
        caught=$((caught + 1)); verdict=caught
    else
        verdict=missed
    fi
    echo "trial $trial/$trials: 20% slowdown $verdict (gate exit $status)"

    status=$(gate "$root/identical-$trial" "")
    if [[ $status == 1 ]]; then false_alarms=$((false_alarms + 1)); verdict="FLAGGED (false alarm)"; else verdict=passed; fi
    echo "trial $trial/$trials: identical builds $verdict (gate exit $status)"
done

minutes=$(((SECONDS - started) / 60))
echo "injected 20% slowdown flagged in $caught/$trials trials (needed: at least $(((9 * trials + 9) / 10)))"
echo "identical builds flagged in $false_alarms/$trials trials (allowed: at most $((trials / 10)))"
echo "$((2 * trials)) gate runs in about $minutes min; every trial's runs and verdict are in $root"
if ((10 * caught >= 9 * trials && 10 * false_alarms <= trials)); then
    exit 0
fi
exit 1
