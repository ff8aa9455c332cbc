#!/usr/bin/env bash
# Installs the locked npm dependencies when node_modules is missing or older than the lock file,
# then builds. better-sqlite3 compiles from source here (about a minute the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
