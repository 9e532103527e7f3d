#!/usr/bin/env bash
# The last job of the benchmark matrix (.github/workflows/benchmark-matrix.yml), runnable here:
# draws every runner kind's results folder into one merged report and adds them to the history,
# then draws the trend page and runs the window check.
#
#   scripts/matrix-history.sh ARTIFACTS DB OUT
#
# ARTIFACTS holds one folder per runner kind, named results-<kind> (as actions/download-artifact
# lays them out), each with one or more results folders somewhere inside. Each kind's runs are
# filed under the host name <kind> (`history add --host`): a hosted runner's hostname changes from
# job to job, its kind does not. Writes OUT/merged/, OUT/history-report/, OUT/history-check.txt.
#
# Exit code: the check's — 0 no regression (or nothing to compare yet), 1 a regression in the
# newest runs, 2 bad input. Settings: SYNCBENCH (the binary, default target/release/syncbench),
# HISTORY_CHECK_ARGS (extra arguments of `history check`, e.g. "--threshold 10").
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 ARTIFACTS DB OUT" >&2
    exit 2
fi
artifacts=$1 db=$2 out=$3
syncbench=${SYNCBENCH:-target/release/syncbench}
mkdir -p "$out"

all=()
for kind_dir in "$artifacts"/results-*/; do
    kind=$(basename "$kind_dir")
    kind=${kind#results-}
    mapfile -t folders < <(find "$kind_dir" -name summary.csv -exec dirname {} \; | sort)
    if [ ${#folders[@]} -eq 0 ]; then
        echo "$0: $kind_dir holds no results folder" >&2
        exit 2
    fi
    "$syncbench" history --db "$db" add --host "$kind" "${folders[@]}" || exit 2
    all+=("${folders[@]}")
done
if [ ${#all[@]} -eq 0 ]; then
    echo "$0: no results-<kind> folder in $artifacts" >&2
    exit 2
fi

rm -rf "$out/merged" "$out/history-report"
"$syncbench" report "${all[@]}" --out "$out/merged" || exit 2
"$syncbench" history --db "$db" list
"$syncbench" history --db "$db" report --out "$out/history-report" || exit 2
status=0
# shellcheck disable=SC2086 # HISTORY_CHECK_ARGS is a list of arguments
"$syncbench" history --db "$db" check ${HISTORY_CHECK_ARGS:-} > "$out/history-check.txt" || status=$?
cat "$out/history-check.txt"
exit "$status"
