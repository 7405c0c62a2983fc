#!/usr/bin/env bash
# Publishes the API as the Native AOT binary that Lambda runs (provided.al2023), into artifacts/api.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dotnet publish "$REPO/src/Functions/Enclave.Functions.csproj" -c Release -r linux-x64 -o "$REPO/artifacts/api" --nologo -v quiet -warnaserror
test -x "$REPO/artifacts/api/Enclave.Functions"
