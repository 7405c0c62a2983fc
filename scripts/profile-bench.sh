#!/usr/bin/env bash
# Compares the streaming profiler (src/Core/Profiling) with DuckDB.NET on the same generated CSVs (~100 MiB and
# ~1 GiB by default): wall time, MiB/s and peak RSS, each measurement in its own child process, JIT and Native AOT.
# The CSVs live in a temporary directory and are deleted afterwards. Arguments pass through, e.g.
#   scripts/profile-bench.sh --sizes 100 --repeat 1
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=tests/Enclave.ProfileBench/Enclave.ProfileBench.csproj
AOT_DIR=artifacts/profile-bench-aot

dotnet build "$PROJECT" -c Release --nologo -v quiet

# The AOT build is part of the evaluation: DuckDB.NET.Data's trim/AOT warnings are counted, not fatal; ours must be zero.
LOG=$(mktemp)
trap 'rm -f "$LOG" "$LOG.il"' EXIT
dotnet publish "$PROJECT" -c Release -r linux-x64 -p:PublishAot=true -p:TreatWarningsAsErrors=false -p:TrimmerSingleWarn=false \
  -o "$AOT_DIR" --nologo -v quiet >"$LOG" 2>&1 || { cat "$LOG"; exit 1; }
# Each line ends with the project being published; strip that so only the warning's origin is matched.
grep -E 'warning IL[0-9]+' "$LOG" | sed 's/ \[[^]]*\]$//' | sort -u >"$LOG.il" || true
duck=$(grep -c 'DuckDB' "$LOG.il" || true)
ours=$(grep -c 'Enclave\.' "$LOG.il" || true)
echo "Native AOT publish: $duck trim/AOT warnings from DuckDB.NET, $ours from Enclave code; binary $(du -m "$AOT_DIR/Enclave.ProfileBench" | cut -f1) MB + libduckdb.so $(du -m "$AOT_DIR/libduckdb.so" | cut -f1) MB"
if [ "$ours" != "0" ]; then grep 'Enclave\.' "$LOG.il"; exit 1; fi

tests/Enclave.ProfileBench/bin/Release/net10.0/Enclave.ProfileBench --aot "$AOT_DIR/Enclave.ProfileBench" "$@"
