#!/usr/bin/env bash
# What sampled single-operation timing costs in throughput: atomic-counter and spin-lock at 1 and
# 2 threads, measured pair by pair with `syncbench gate` (both sides this build; the base with
# `--latency batch-mean`, which times no operation alone, the head with the default `sampled`).
# The cost of a point is minus the Hodges-Lehmann estimate of its paired change, with the
# Wilcoxon signed-rank 95 % interval. Exit 1 if any point's estimated cost reaches 2 %.
# Run it on a quiet machine.
#
#   scripts/sampling-cost.sh [PAIRS] [DURATION]      (default 60 pairs of 200ms trials)
#
# The older in-process measurement (ABBA rounds, a sign-test interval) is still there:
#   cargo run --release -p harness --example sampling_cost -- ROUNDS DURATION_MS
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-60}
duration=${2:-200ms}
[[ $pairs =~ ^[0-9]+$ ]] && ((pairs >= 2)) || { echo "sampling-cost: PAIRS must be a whole number ≥ 2" >&2; exit 2; }
cargo build --release --quiet -p harness --bin syncbench
bin=${CARGO_TARGET_DIR:-target}/release/syncbench
out=target/sampling-cost/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$(dirname "$out")"
status=0
"$bin" gate --base "$bin" --head "$bin" --pairs "$pairs" --out "$out" --base-arg=--latency=batch-mean \
    -- counter --impls atomic-counter,spin-lock --threads 1,2 --duration "$duration" --warmup 25ms \
    > "$out.log" 2>&1 || status=$?
((status <= 1)) || { tail -n 5 "$out.log" >&2; exit 2; }
echo "cost of sampled latency in throughput (sampled vs batch-mean, $pairs pairs per point, 95 % interval):"
awk -F, 'NR > 1 && $6 != "" {
    printf "  %-15s %s thread(s): %+5.1f %%  [%+5.1f, %+5.1f]\n", $2, $5, -100*$7, -100*$9, -100*$8
    if (-$7 >= 0.02) over = 1
} END { exit over }' "$out/verdicts.csv"
