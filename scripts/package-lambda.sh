#!/usr/bin/env bash
# Stages the Lambda asset for `cdk deploy`: the Native AOT publish (scripts/publish-api.sh) with the
# binary as `bootstrap`, which is what provided.al2023 executes. Output: artifacts/lambda.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$REPO/scripts/publish-api.sh"
rm -rf "$REPO/artifacts/lambda"
mkdir -p "$REPO/artifacts/lambda"
cp -a "$REPO/artifacts/api/." "$REPO/artifacts/lambda/"
mv "$REPO/artifacts/lambda/Enclave.Functions" "$REPO/artifacts/lambda/bootstrap"
# Debug symbols are not needed at runtime and only inflate the zip.
find "$REPO/artifacts/lambda" -name '*.dbg' -delete
test -x "$REPO/artifacts/lambda/bootstrap"
