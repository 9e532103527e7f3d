#!/usr/bin/env bash
# The fidelity suite: every family's figure beside a bare loop of the same operations on the same
# rival, interleaved (harness/examples/fidelity/). Exits 1 if any point leaves its tolerance.
# Then the broken twin: the counter's suite side padded to twice its time must fail (exit 1);
# if the suite passes it, this script fails.
# Usage: scripts/fidelity.sh [--rounds N] [--only FAMILY,..] [--point TEXT]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p harness --example fidelity
fidelity=${CARGO_TARGET_DIR:-target}/release/examples/fidelity
suite=0
"$fidelity" "$@" || suite=$?
echo "== broken twin: counter's suite side twice as slow must fail"
twin=0
"$fidelity" --only counter --slow counter --rounds 3 || twin=$?
if [ "$twin" -ne 1 ]; then
    echo "fidelity: the slowed counter was not caught (exit $twin)" >&2
    exit 1
fi
echo "broken twin caught"
exit "$suite"
