#!/usr/bin/env bash
# What sampled single-operation timing costs: atomic-counter and spin-lock at 1 and 2 threads,
# throughput with --latency sampled against batch-mean, paired in ABBA rounds in one process.
# Exit 1 if any point's median cost reaches 2 %. Run it on a quiet machine.
# Usage: scripts/sampling-cost.sh [ROUNDS] [DURATION_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p harness --example sampling_cost -- "$@"
