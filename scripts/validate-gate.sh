#!/usr/bin/env bash
# Validates the regression gate on real code changes: builds variants of the hand-rolled spin
# lock whose lock() does STEPS extra dependent instructions while it holds the lock (a real,
# known extra cost in the primitive's own code, not harness padding), measures each variant's
# true change side by side, then runs the gate (`syncbench gate`, as scripts/ci-gate.sh does)
# TRIALS times per variant, variants interleaved so all meet the same machine. It prints a
# detection curve — how often each size of slowdown was flagged, at one and at two threads — and
# the false-alarm rate of the identical build (STEPS=0).
#
#   scripts/validate-gate.sh                     (defaults below; about 20-30 min on 2 cores)
#   TRIALS=3 VARIANTS="0 4" scripts/validate-gate.sh   (a quick look)
#
# Settings (environment variables):
#   VARIANTS      extra steps per lock() of each variant; 0 is the identical build (default: 0 8 16 24 32 48)
#   TRIALS        gate runs per variant                             (default: 10)
#   TRUTH_PAIRS   pairs per point when measuring the true change    (default: 40)
#   GATE_BUDGET   budget of each gate run                           (default: 40s)
#   VALIDATE_REV  the revision the base and the variants are built from (default: HEAD)
#   BUILD_ONLY    1: build (or reuse) the binaries and stop, e.g. before a quiet moment to measure
#   POINT_ARGS    the run arguments of every measurement
#                 (default: counter --impls spin-lock --threads 1,2 --duration 50ms --warmup 10ms)
#
# Everything goes to target/gate-validation/<timestamp>/: each gate run's folder, truth.csv and
# detection.txt (the table). Exit 0 when every variant was measured, 2 on bad input or a failed
# build; the table is the result, not the exit code.
set -euo pipefail
cd "$(dirname "$0")/.."

variants=${VARIANTS:-0 8 16 24 32 48}
trials=${TRIALS:-10}
truth_pairs=${TRUTH_PAIRS:-40}
budget=${GATE_BUDGET:-40s}
point_args=${POINT_ARGS:-counter --impls spin-lock --threads 1,2 --duration 50ms --warmup 10ms}

fail() { echo "validate-gate: $*" >&2; exit 2; }
say() { echo "validate-gate: $*" >&2; }
[[ $trials =~ ^[1-9][0-9]*$ ]] || fail "TRIALS must be a positive whole number, not '$trials'"
[[ $truth_pairs =~ ^[1-9][0-9]*$ ]] || fail "TRUTH_PAIRS must be a positive whole number"
for steps in $variants; do [[ $steps =~ ^[0-9]+$ ]] || fail "VARIANTS must be whole numbers, not '$steps'"; done
rev=${VALIDATE_REV:-HEAD}
commit=$(git rev-parse --verify --quiet "$rev^{commit}") || fail "unknown revision '$rev'"
if [[ -z ${VALIDATE_REV:-} ]]; then
    git diff --quiet HEAD -- primitives harness workloads reports \
        || fail "the working tree has uncommitted changes in the crates; the variants are built from HEAD"
fi

root=target/gate-validation
work=$root/$(date -u +%Y%m%dT%H%M%SZ)
bins=$root/bin
mkdir -p "$work" "$bins"

# The extra cost: a chain of dependent shift-and-add steps (which the compiler cannot fold) whose
# result the unlocking store waits for, so each step the chain takes beyond what the lock's own
# swap and the critical section hide lengthens every acquisition. How much each variant costs is
# measured, not assumed (the truth table below).
patch_variant() { # src steps
    local file=$1/primitives/src/spin_lock.rs
    perl -0pi -e 's/        self\.locked\.store\(false, Ordering::Release\);/        self.locked.store(gate_validation_extra_cost(self as *const Self as u64) == 0, Ordering::Release);/' "$file"
    cat >> "$file" <<EOF

/// Gate validation only: $2 dependent steps of extra work in every unlock(). The chain starts
/// from the lock's address and only grows (no overflow in $2 steps), so it is never 0 and the
/// store above always writes false; the compiler cannot know that.
#[inline(always)]
fn gate_validation_extra_cost(seed: u64) -> u64 {
    let mut x = seed;
    for _ in 0..$2 {
        x = x.wrapping_add(x >> 3);
    }
    x
}
EOF
    grep -q "gate_validation_extra_cost(self" "$file" || fail "the patch no longer applies to $file"
}

# Builds (or reuses) the binary of each variant at HEAD; the base is the unpatched HEAD.
build() { # name steps(or "") -> path of the binary
    local name=$1 steps=$2
    local bin=$bins/syncbench-$name-${commit:0:12}
    if [[ ! -x $bin ]]; then
        local src=$root/src-$name
        if [[ -d $src ]]; then
            git -C "$src" checkout --quiet --detach --force "$commit"
        else
            git worktree prune
            git worktree add --quiet --detach "$src" "$commit" || fail "cannot create $src"
        fi
        # 0 steps: the source as it is, built apart: an identical build.
        if [[ -n $steps && $steps != 0 ]]; then patch_variant "$src" "$steps"; fi
        say "building $name"
        (cd "$src" && CARGO_TARGET_DIR=$(pwd)/../target cargo build --release --quiet -p harness --bin syncbench) \
            || fail "the $name variant does not build"
        cp "$root/target/release/syncbench" "$bin"
    fi
    echo "$bin"
}

base_bin=$(build base "")
declare -A variant_bin
for steps in $variants; do variant_bin[$steps]=$(build "steps-$steps" "$steps"); done
if [[ ${BUILD_ONLY:-0} == 1 ]]; then say "built the base and $(wc -w <<<"$variants") variants in $bins"; exit 0; fi

# One gate run; prints its exit code. $1 folder, $2 head binary, $3...: extra gate arguments.
gate() {
    local out=$1 head=$2 status=0
    shift 2
    # shellcheck disable=SC2086 # the settings are word lists on purpose
    "$base_bin" gate --base "$base_bin" --head "$head" --out "$out" "$@" -- $point_args \
        > "$out.log" 2>&1 || status=$?
    if ((status > 1)); then
        tail -n 5 "$out.log" >&2
        fail "the gate itself failed (exit $status); see $out.log"
    fi
    echo "$status"
}

# The verdict column of threads $2 in a gate folder $1 (spin-lock's point).
verdict_at() { awk -F, -v t="$2" '$2 == "spin-lock" && $5 == t { print $10 }' "$1/verdicts.csv"; }
change_at() { awk -F, -v t="$2" '$2 == "spin-lock" && $5 == t { printf "%+.1f%% [%+.1f, %+.1f]", 100*$7, 100*$8, 100*$9 }' "$1/verdicts.csv"; }

say "measuring each variant's true change: $truth_pairs pairs per point"
echo "steps,threads,true_change" > "$work/truth.csv"
declare -A truth
for steps in $variants; do
    gate "$work/truth-$steps" "${variant_bin[$steps]}" --pairs "$truth_pairs" >/dev/null
    for threads in 1 2; do
        truth[$steps,$threads]=$(change_at "$work/truth-$steps" "$threads")
        echo "$steps,$threads,${truth[$steps,$threads]}" >> "$work/truth.csv"
        say "  $steps steps, $threads thread(s): ${truth[$steps,$threads]}"
    done
done

declare -A flagged
started=$SECONDS
for ((trial = 1; trial <= trials; trial++)); do
    for steps in $variants; do
        out=$work/trial-$trial-steps-$steps
        status=$(gate "$out" "${variant_bin[$steps]}" --budget "$budget")
        line="trial $trial/$trials, $steps steps: exit $status"
        for threads in 1 2; do
            verdict=$(verdict_at "$out" "$threads")
            [[ $verdict == slower ]] && flagged[$steps,$threads]=$((${flagged[$steps,$threads]:-0} + 1))
            line+="; $threads thread(s) $verdict"
        done
        say "$line"
    done
done

{
    echo "gate validation, $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) CPUs"
    echo "points: $point_args; gate budget $budget per run; $trials runs per variant; commit ${commit:0:12}"
    echo
    printf '%-6s  %-28s  %-9s  %-28s  %-9s\n' steps "true change, 1 thread" flagged "true change, 2 threads" flagged
    for steps in $variants; do
        printf '%-6s  %-28s  %-9s  %-28s  %-9s\n' "$steps" "${truth[$steps,1]}" "${flagged[$steps,1]:-0}/$trials" \
            "${truth[$steps,2]}" "${flagged[$steps,2]:-0}/$trials"
    done
    echo
    echo "steps 0 is the identical build: its 'flagged' counts are false alarms."
    echo "$((trials * $(wc -w <<<"$variants"))) gate runs in $(((SECONDS - started) / 60)) min; every run's folder is in $work"
} | tee "$work/detection.txt"
