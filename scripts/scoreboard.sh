#!/usr/bin/env bash
# The scoreboard: every hand-rolled primitive against its home rivals (`syncbench homes`), on its
# home workload, interleaved and repeated at 1 thread, 2 threads and an oversubscribed count, then
# the median ratio hand-rolled / rival of paired adjacent repeats with a distribution-free
# interval (`syncbench scoreboard`).
#
# One `syncbench run` per workload, over the union of its homes and rivals, so the runner
# interleaves them all (A B C A B C ...) and repeat k of each sat next to repeat k of the others.
#
# Usage: scripts/scoreboard.sh [OUT_DIR]
# Settings (environment):
#   SCOREBOARD_THREADS   thread counts (default 1,2,8)
#   SCOREBOARD_REPEATS   repeats per point (default 7: the fewest that give a 98% range)
#   SCOREBOARD_DURATION  measured time per repeat (default 200ms)
#   SCOREBOARD_WARMUP    warm-up per repeat (default 25ms)
#   SCOREBOARD_WORKLOADS only these workloads, comma-separated (default: every home workload)
#   SYNCBENCH            a built syncbench binary (default: cargo build --release -p harness)
# With the defaults the whole board takes about 7 minutes on 2 cores; a quick end-to-end check:
#   SCOREBOARD_REPEATS=2 SCOREBOARD_DURATION=20ms SCOREBOARD_WARMUP=5ms scripts/scoreboard.sh
set -euo pipefail
cd "$(dirname "$0")/.."

threads=${SCOREBOARD_THREADS:-1,2,8}
repeats=${SCOREBOARD_REPEATS:-7}
duration=${SCOREBOARD_DURATION:-200ms}
warmup=${SCOREBOARD_WARMUP:-25ms}
only=${SCOREBOARD_WORKLOADS:-}
out=${1:-results/scoreboard-$(date -u +%Y%m%dT%H%M%SZ)}

if [[ -z "${SYNCBENCH:-}" ]]; then
    cargo build --release --quiet -p harness
    SYNCBENCH="${CARGO_TARGET_DIR:-target}/release/syncbench"
fi

mkdir -p "$out"
homes=$("$SYNCBENCH" homes)

# Workloads in the order the table lists them, each with the union of its implementations.
workloads=$(cut -f1 <<<"$homes" | awk '!seen[$0]++')
started=$SECONDS
folders=()
for workload in $workloads; do
    if [[ -n "$only" && ",$only," != *",$workload,"* ]]; then
        continue
    fi
    impls=$(awk -F'\t' -v w="$workload" '$1 == w { print $2; gsub(",", "\n", $3); print $3 }' \
        <<<"$homes" | awk 'NF && !seen[$0]++' | paste -sd, -)
    sets=()
    for setting in $(awk -F'\t' -v w="$workload" '$1 == w { print $5; exit }' <<<"$homes"); do
        sets+=(--set "$setting")
    done
    echo "scoreboard: $workload: $impls ${sets[*]:-}" >&2
    "$SYNCBENCH" run "$workload" --impls "$impls" --threads "$threads" --repeats "$repeats" \
        --duration "$duration" --warmup "$warmup" ${sets[@]+"${sets[@]}"} --table verdicts \
        --out "$out/$workload" >&2
    folders+=("$out/$workload")
done

"$SYNCBENCH" scoreboard "${folders[@]}" | tee "$out/scoreboard.txt"
echo "scoreboard: $((SECONDS - started)) s; folders and scoreboard.txt in $out" >&2
