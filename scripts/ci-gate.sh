#!/usr/bin/env bash
# The performance regression gate: is the working tree slower than BASE_REV?
#
#   scripts/ci-gate.sh [BASE_REV]        (default BASE_REV: HEAD, i.e. your uncommitted changes)
#
# Absolute numbers from another machine mean nothing on a noisy CI runner, so the gate measures
# both sides here, now, side by side: it builds BASE_REV in its own git work tree and target folder
# (target/gate/base-src, target/gate/base-target) and the working tree in the usual target folder.
#
# Paired (whenever the base's binary can serve, i.e. it has `syncbench gate`): `syncbench gate`
# keeps both binaries alive and lets them take turns one trial at a time (base head, head base,
# ...), so both trials of a pair meet the same machine; each point takes pairs until the interval
# of its paired change decides it against the threshold, or its share of GATE_BUDGET runs out.
#
# Unpaired (a base from before `syncbench gate`): ROUNDS rounds of `syncbench run --repeats 1`,
# alternating base and head in ABBA order; `syncbench compare` decides point by point with a
# Mann-Whitney U test and a bootstrap interval of the ratio of medians.
#
# Exit code: the comparison's. 0 no significant regression beyond the threshold, 1 a regression
# (or the head broke an invariant), 2 bad input (unknown revision, a build failed, ...).
#
# Settings (environment variables):
#   GATE_WORKLOADS   workloads to run                     (default: counter rwcache)
#   GATE_RUN_ARGS    arguments of every `syncbench run`   (default: --threads 1,2 --duration 100ms --warmup 25ms)
#   GATE_BUDGET      paired: measuring time of the whole gate (default: 7m)
#   GATE_ROUNDS      unpaired: rounds; each side runs once a round  (default: 10, benchstat's minimum)
#   GATE_THRESHOLD   smallest slowdown that fails, in %   (default: 3 paired, 5 unpaired)
#   GATE_PAIRED      auto (default), 1 (fail with exit 2 if the base cannot pair) or 0 (unpaired)
#   GATE_ALPHA       significance level                   (default: 0.05)
#   GATE_OUT         where the runs and the verdict go    (default: target/gate/<timestamp>)
#   GATE_HEAD_ARGS   unpaired only: extra arguments for the head's runs (e.g. the hidden, test-only
#                    `--slowdown IMPL=PCT`; leave empty otherwise)
#   GATE_SKIP_DISTURBED  1: `compare --skip-disturbed`, leaving out the repeats the environment
#                    guard flagged (another process or the hypervisor took CPU time)  (default: 0)
set -euo pipefail
cd "$(dirname "$0")/.."

base_rev=${1:-HEAD}
workloads=${GATE_WORKLOADS:-counter rwcache}
run_args=${GATE_RUN_ARGS:---threads 1,2 --duration 100ms --warmup 25ms}
rounds=${GATE_ROUNDS:-10}
threshold=${GATE_THRESHOLD:-}
budget=${GATE_BUDGET:-7m}
paired=${GATE_PAIRED:-auto}
alpha=${GATE_ALPHA:-0.05}
head_args=${GATE_HEAD_ARGS:-}
skip_disturbed=${GATE_SKIP_DISTURBED:-0}
out=${GATE_OUT:-target/gate/$(date -u +%Y%m%dT%H%M%SZ)}

fail() { echo "ci-gate: $*" >&2; exit 2; }
say() { echo "ci-gate: $*" >&2; }

[[ $skip_disturbed =~ ^[01]$ ]] || fail "GATE_SKIP_DISTURBED must be 0 or 1, not '$skip_disturbed'"
[[ $paired =~ ^(auto|0|1)$ ]] || fail "GATE_PAIRED must be auto, 0 or 1, not '$paired'"

[[ $rounds =~ ^[1-9][0-9]*$ ]] || fail "GATE_ROUNDS must be a positive whole number, not '$rounds'"
base_commit=$(git rev-parse --verify --quiet "$base_rev^{commit}") \
    || fail "unknown revision '$base_rev'"
[[ -e $out ]] && fail "output folder $out already exists; set GATE_OUT to a new one"

gate=target/gate
base_src=$gate/base-src
base_target=$(pwd)/$gate/base-target
mkdir -p "$gate"

say "base: $base_rev ($(git log -1 --format='%h %s' "$base_commit"))"
say "head: the working tree ($(git log -1 --format='%h' HEAD)$(git diff --quiet HEAD || echo ', with uncommitted changes'))"

# The base's own work tree, at exactly base_commit (reused between runs, so its target stays warm).
if [[ -d $base_src ]]; then
    git -C "$base_src" checkout --quiet --detach --force "$base_commit" \
        || fail "cannot check out $base_rev in $base_src"
else
    git worktree prune
    git worktree add --quiet --detach "$base_src" "$base_commit" \
        || fail "cannot create a work tree for $base_rev"
fi

say "building the base (target folder $base_target)"
(cd "$base_src" && CARGO_TARGET_DIR=$base_target cargo build --release --quiet -p harness --bin syncbench) \
    || fail "the base revision does not build"
say "building the head"
cargo build --release --quiet -p harness --bin syncbench || fail "the working tree does not build"
head_target=${CARGO_TARGET_DIR:-target}
base_bin=$base_target/release/syncbench
head_bin=$head_target/release/syncbench

# A base that serves answers an empty request stream by exiting 0; one from before `syncbench
# gate` rejects the unknown subcommand.
if [[ $paired == auto ]]; then
    if "$base_bin" __serve </dev/null >/dev/null 2>&1; then paired=1; else
        paired=0
        say "the base predates \`syncbench gate\`: comparing unpaired rounds"
    fi
fi
if ((paired)); then
    [[ -z $head_args ]] || fail "GATE_HEAD_ARGS applies to unpaired runs only (set GATE_PAIRED=0)"
    ((skip_disturbed)) && say "note: GATE_SKIP_DISTURBED does not apply to a paired run (both trials of a pair meet the same machine)"
    mkdir -p "$(dirname "$out")"
    status=0
    # shellcheck disable=SC2086 # the settings are word lists on purpose
    "$head_bin" gate --base "$base_bin" --head "$head_bin" --out "$out" --threshold "${threshold:-3}" \
        --alpha "$alpha" --budget "$budget" -- $workloads $run_args || status=$?
    say "verdict: exit $status (table: $out/comparison.txt, markdown for a pull request: $out/comparison.md)"
    exit "$status"
fi

compare_args=(--threshold "${threshold:-5}" --alpha "$alpha")
if ((skip_disturbed)); then compare_args+=(--skip-disturbed); fi

mkdir -p "$out/rounds"
# shellcheck disable=SC2086 # the settings are word lists on purpose
run_side() { # side round -> runs that side once into $out/rounds/<side>-<round>
    local side=$1 round=$2 bin extra=""
    if [[ $side == base ]]; then bin=$base_bin; else bin=$head_bin; extra=$head_args; fi
    local status=0
    "$bin" run $workloads $run_args $extra --repeats 1 --out "$out/rounds/$side-$round" \
        > "$out/rounds/$side-$round.log" 2>&1 || status=$?
    case $status in
        0) ;;
        1) if [[ $side == head ]]; then
               say "the head broke an invariant in round $round (see $out/rounds/$side-$round.log)"
               exit 1
           fi
           say "warning: the base broke an invariant in round $round" ;;
        *) tail -n 3 "$out/rounds/$side-$round.log" >&2
           fail "syncbench run failed on the $side side (exit $status)" ;;
    esac
}

started=$SECONDS
for ((round = 1; round <= rounds; round++)); do
    if ((round % 2)); then order="base head"; else order="head base"; fi
    for side in $order; do
        say "round $round/$rounds: $side"
        run_side "$side" "$round"
    done
done

# One summary.csv per side: the header once, then every round's rows.
for side in base head; do
    mkdir -p "$out/$side"
    first=1
    for ((round = 1; round <= rounds; round++)); do
        csv=$out/rounds/$side-$round/summary.csv
        if ((first)); then cat "$csv"; first=0; else tail -n +2 "$csv"; fi
    done > "$out/$side/summary.csv"
done
say "measured in $((SECONDS - started)) s; comparing"

status=0
"$head_bin" compare "$out/base" "$out/head" "${compare_args[@]}" \
    | tee "$out/comparison.txt" || status=${PIPESTATUS[0]}
"$head_bin" compare "$out/base" "$out/head" "${compare_args[@]}" --markdown \
    > "$out/comparison.md" || true
say "verdict: exit $status (table: $out/comparison.txt, markdown for a pull request: $out/comparison.md)"
exit "$status"
