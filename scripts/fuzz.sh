#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers with afl-fuzz + SharpFuzz; exits non-zero if any target crashed.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (targets: zip table gzip names; default 20 s each, all four)
# Enclave.Core.dll is instrumented with the pinned SharpFuzz tool (.config/dotnet-tools.json); afl-fuzz is Debian's
# afl++ (scripts/local/install.sh). Findings stay in artifacts/fuzz-findings/TARGET (crashes/ and hangs/);
# reproduce one in-process (uninstrumented build) with: dotnet run --project tests/Enclave.Fuzz -c Release -- TARGET --replay FILE
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-20}
shift || true
TARGETS=("${@:-zip table gzip names}")
read -r -a TARGETS <<<"${TARGETS[*]}"
OUT=artifacts/fuzz
FINDINGS=artifacts/fuzz-findings
CORPUS=tests/Enclave.Fuzz/corpus

command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found (run scripts/local/install.sh)" >&2; exit 1; }
dotnet tool restore >/dev/null
rm -rf "$OUT"
dotnet publish tests/Enclave.Fuzz -c Release -o "$OUT" --nologo -v quiet >/dev/null
# Instrumented code writes coverage to afl's shared memory, so it only runs under afl-fuzz; replays use the plain build.
PLAIN=tests/Enclave.Fuzz/bin/Release/net10.0/Enclave.Fuzz.dll
dotnet sharpfuzz "$OUT/Enclave.Core.dll" >/dev/null

# afl-fuzz runs `dotnet`, which afl did not compile; the instrumentation is SharpFuzz's. No TTY, shared cores,
# and the host's core_pattern and CPU governor are not ours to change.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1

stat() { sed -n "s/^$1 *: //p" "$2"; }
failed=0
for target in "${TARGETS[@]}"; do
  [[ -d $CORPUS/$target ]] || { echo "fuzz.sh: no corpus for target '$target'" >&2; exit 1; }
  # The seeds must pass before afl-fuzz may mutate them (afl refuses crashing seeds less helpfully).
  dotnet "$PLAIN" "$target" --replay "$CORPUS/$target" >/dev/null
  rm -rf "${FINDINGS:?}/$target"; mkdir -p "$FINDINGS"
  afl-fuzz -i "$CORPUS/$target" -o "$FINDINGS/$target" -V "$SECONDS_PER_TARGET" -t 5000 -m none \
    -- dotnet "$OUT/Enclave.Fuzz.dll" "$target" >"$FINDINGS/$target.log" 2>&1 || {
      echo "fuzz.sh: afl-fuzz failed for $target:" >&2; tail -n 30 "$FINDINGS/$target.log" >&2; exit 1; }
  stats=$FINDINGS/$target/default/fuzzer_stats
  crashes=$(stat saved_crashes "$stats")
  echo "fuzz $target: $(stat execs_done "$stats") execs ($(stat execs_per_sec "$stats")/s), $(stat corpus_count "$stats") paths," \
       "coverage $(stat bitmap_cvg "$stats"), $crashes crashes, $(stat saved_hangs "$stats") hangs in ${SECONDS_PER_TARGET}s"
  if [[ $crashes != 0 ]]; then
    failed=1
    for crash in "$FINDINGS/$target/default/crashes"/id:*; do
      dotnet "$PLAIN" "$target" --replay "$crash" || true
    done
  fi
done
exit "$failed"
