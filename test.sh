#!/usr/bin/env bash
# Runs every test suite against local servers it starts itself; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/local/install.sh
dotnet build Serverless.sln -c Release --nologo -v quiet
dotnet format Serverless.sln --verify-no-changes --no-restore
# The API tests run against the Native AOT binary: the artefact Lambda runs.
scripts/publish-api.sh
# The browser tests drive this build in Chromium.
scripts/build-web.sh

STATE=$(mktemp -d "${TMPDIR:-/tmp}/enclave-test.XXXXXX")
cleanup() { scripts/local/stack.sh stop "$STATE" >/dev/null 2>&1 || true; rm -rf "$STATE"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
scripts/local/stack.sh start "$STATE"
export ENCLAVE_STACK_ENV="$STATE/stack.env"
export ENCLAVE_API_BINARY="$PWD/artifacts/api/Enclave.Functions"

RESULTS="$STATE/results"
SUMMARIES=artifacts/test-results
rm -f "$SUMMARIES"/*-summary.txt "$SUMMARIES"/iam-matrix.txt
status=0
dotnet test Serverless.sln -c Release --no-build --nologo \
  --logger "trx;LogFilePrefix=enclave" --logger "console;verbosity=minimal" --results-directory "$RESULTS" || status=$?

# Fuzzing smoke run (afl-fuzz + SharpFuzz, 15 s per target); counts as one check below.
fuzz_status=0
scripts/fuzz.sh 15 || fuzz_status=$?

# The measured numbers of the load, throttle and IAM suites (users, processes, requests, violations, times).
cat "$SUMMARIES"/*-summary.txt 2>/dev/null || true
head -n1 "$SUMMARIES"/iam-matrix.txt 2>/dev/null || true

# One plain closing line for CI, summed over every test assembly.
passed=0 failed=0 skipped=0
for trx in "$RESULTS"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
  skipped=$((skipped + $(sed -E 's/.* notExecuted="([0-9]+)".*/\1/' <<<"$counters")))
done
if [[ $fuzz_status == 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
