#!/usr/bin/env bash
# Starts the whole system locally (DynamoDB Local, Ceph RGW as S3, the API serving the web app, the upload processor) at http://127.0.0.1:${PORT:-8080};
# Ctrl-C or SIGTERM stops everything it started.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
PORT=${PORT:-8080}

scripts/local/install.sh
scripts/publish-api.sh
scripts/build-web.sh

STATE=$(mktemp -d "${TMPDIR:-/tmp}/enclave-run.XXXXXX")
API_PID=""
PROCESSOR_PID=""
cleanup() {
  trap - EXIT INT TERM
  for pid in $API_PID $PROCESSOR_PID; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  scripts/local/stack.sh stop "$STATE" >/dev/null 2>&1 || true
  rm -rf "$STATE"
  echo "Stopped."
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The SMTP sink writes every mail the app sends into .local/mail/ (one .eml each), where you read your links.
MAIL_DIR="$PWD/.local/mail" scripts/local/stack.sh start "$STATE"
# shellcheck source=/dev/null
source "$STATE/stack.env"
# shellcheck source=scripts/local/api-env.sh
source scripts/local/api-env.sh
# Local mode generates random development secrets here once (git-ignored), and says so in the log.
export Enclave__Secrets__LocalFile="$PWD/.local/secrets.json"
# Account mail goes to the stack's SMTP sink over plain SMTP on loopback; links point at this site.
export Enclave__Mail__SmtpHost=127.0.0.1 Enclave__Mail__SmtpPort="$MAIL_PORT" Enclave__Mail__RequireStartTls=false
export Enclave__Mail__Sender=enclave@localhost.localdomain Enclave__Mail__SiteOrigin="http://127.0.0.1:$PORT"

# The API also serves the web app; the page may connect to the bucket, whose CORS rule allows only this site.
Enclave__Web__Root="$PWD/web/dist" Enclave__Web__UploadOrigin="$S3_URL" Enclave__Web__SiteOrigin="http://127.0.0.1:$PORT" \
  artifacts/api/Enclave.Functions --urls "http://127.0.0.1:$PORT" &
API_PID=$!
# The upload processor: the same binary in its Processor role, fed by DynamoDB Local's stream.
Enclave__Role=Processor artifacts/api/Enclave.Functions --urls "http://127.0.0.1:0" &
PROCESSOR_PID=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && break
  kill -0 "$API_PID" 2>/dev/null || { echo "The API failed to start." >&2; exit 1; }
  sleep 0.1
done
echo
echo "Enclave is running at http://127.0.0.1:$PORT  (web app at /, API under /api, OpenAPI at /api/openapi.json). Ctrl-C stops it."
echo "Mail (verification and reset links) lands in $MAIL_DIR, one .eml per message."
wait "$API_PID"
