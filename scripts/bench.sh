#!/usr/bin/env bash
# Builds what the benchmark measures (AOT and JIT builds of the API and of a bare minimal API),
# starts a local stack, and prints cold-start, AWS round-trip and password-cost numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/local/install.sh
dotnet build Serverless.sln -c Release --nologo -v quiet
scripts/publish-api.sh
dotnet publish tests/BareApi/BareApi.csproj -c Release -r linux-x64 -o artifacts/bare --nologo -v quiet
STATE=$(mktemp -d "${TMPDIR:-/tmp}/enclave-bench.XXXXXX")
trap 'scripts/local/stack.sh stop "$STATE" >/dev/null 2>&1 || true; rm -rf "$STATE"' EXIT
scripts/local/stack.sh start "$STATE" >/dev/null
ENCLAVE_STACK_ENV="$STATE/stack.env" ENCLAVE_REPO="$PWD" dotnet tests/Enclave.Benchmarks/bin/Release/net10.0/Enclave.Benchmarks.dll
