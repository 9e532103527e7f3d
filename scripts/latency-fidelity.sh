#!/usr/bin/env bash
# Checks the reported latency distribution against known truths: a user lock with a 1 ms stall in
# 1 of 10^5 acquisitions, the same lock without it, and a lock of constant cost, plugged in
# through the library API and run through `syncbench run`. Exit 0 when every figure agrees.
# Usage: scripts/latency-fidelity.sh [--out DIR] [--duration D]
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p harness --example latency_fidelity -- check "$@"
