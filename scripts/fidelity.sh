#!/usr/bin/env bash
# Compares the suite's uncontended atomic-counter figure with a plain timed fetch_add loop,
# interleaved; exits 1 if they differ by more than the tolerance (default 25%).
# Usage: scripts/fidelity.sh [ROUNDS] [TOLERANCE_PERCENT]
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p harness --example fidelity -- "$@"
