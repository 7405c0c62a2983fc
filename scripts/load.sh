#!/usr/bin/env bash
# Load beyond the suite (issue 16.5): the isolation suite's simulated users, 1,000 by default, against 6 API processes
# (the Native AOT binary) and the processor on a local stack of their own, for a bounded time; prints requests, latency,
# statuses, isolation violations and every process's RSS over time. Not part of ./test.sh.
#   scripts/load.sh [--users N] [--minutes M]    (defaults: 1000 users, 4 minutes of load; M at most 10)
# Exits non-zero on any isolation violation, 5xx answer or user whose step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/local/install.sh
dotnet build tests/Enclave.Load/Enclave.Load.csproj -c Release --nologo -v quiet
scripts/publish-api.sh

STATE=$(mktemp -d "${TMPDIR:-/tmp}/enclave-load.XXXXXX")
cleanup() { scripts/local/stack.sh stop "$STATE" >/dev/null 2>&1 || true; rm -rf "$STATE"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
scripts/local/stack.sh start "$STATE" >/dev/null
export ENCLAVE_STACK_ENV="$STATE/stack.env"
export ENCLAVE_API_BINARY="$PWD/artifacts/api/Enclave.Functions"
echo "load.sh: installed, built, published and started the stack in ${SECONDS} s"
dotnet tests/Enclave.Load/bin/Release/net10.0/Enclave.Load.dll "$@"
