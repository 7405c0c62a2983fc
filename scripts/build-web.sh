#!/usr/bin/env bash
# Builds the browser app into web/dist from the committed lockfile (exact versions): type check, then bundle.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../web"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
