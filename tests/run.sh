#!/usr/bin/env bash
# Runs the whole test suite (xunit, hosting the real PowerShell engine) and prints, as the very
# last line, "N passed, N failed". Usage: tests/run.sh [extra dotnet test args, e.g. --filter X]
set -uo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
dotnet test tests/DcosTls.Tests/DcosTls.Tests.csproj --logger "trx;LogFileName=results.trx" \
    --results-directory "$results" "$@"
status=$?
trx="$results/results.trx"
if [ -f "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    passed=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
    failed=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
    errors=$(echo "$counters" | sed -n 's/.* error="\([0-9]*\)".*/\1/p')
    failed=$(( ${failed:-0} + ${errors:-0} ))
else
    passed=0; failed=1   # the build or the test host failed before any result was written
fi
rm -rf "$results"
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "${passed:-0} passed, ${failed} failed"
[ "$failed" -eq 0 ]
