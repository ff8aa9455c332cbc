#!/usr/bin/env bash
# `npm test`: everything the test suite needs, then the whole suite (unit, integration against a
# real slapd, PostgreSQL, MariaDB and SQLite, end to end through a real Postfix). Extra arguments go
# to mocha, e.g. `npm test -- --grep postmap`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/node-deps.sh
exec npx mocha --reporter ./test/reporter.cjs "$@"
