#!/usr/bin/env bash
# A 1 GiB multipart upload through the API's part URLs against a plain S3 multipart upload (the SDK's
# TransferUtility) of the same file to the same local RGW, in one run: throughput of each and the ratio, the
# bytes the client exchanged with the API, and the processor's peak RSS profiling the file. Not part of ./test.sh.
#   scripts/upload-bench.sh [MiB]     (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/local/install.sh
dotnet build tests/Enclave.Benchmarks/Enclave.Benchmarks.csproj -c Release --nologo -v quiet
scripts/publish-api.sh
STATE=$(mktemp -d "${TMPDIR:-/tmp}/enclave-upload-bench.XXXXXX")
trap 'scripts/local/stack.sh stop "$STATE" >/dev/null 2>&1 || true; rm -rf "$STATE"' EXIT
# The OSD keeps objects in memory and RGW frees deleted ones only at garbage collection (hours later): the
# warm-up, the plain upload and the API's upload need room for three copies of the file.
ENCLAVE_STORAGE_BYTES=$(( (${1:-1024} * 4 + 1024) * 1024 * 1024 )) scripts/local/stack.sh start "$STATE" >/dev/null
ENCLAVE_STACK_ENV="$STATE/stack.env" ENCLAVE_REPO="$PWD" dotnet tests/Enclave.Benchmarks/bin/Release/net10.0/Enclave.Benchmarks.dll upload "${1:-1024}"
