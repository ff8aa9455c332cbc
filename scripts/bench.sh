#!/usr/bin/env bash
# `npm run bench`: installs what the benchmark needs (slapd, ldap-utils, time; the locked npm
# dependencies), builds, and runs bench/bench.ts. Arguments go to the benchmark, e.g.
# `npm run bench -- --1m`; `npm run bench -- --help` lists them. Prints a Markdown table on stdout,
# progress on stderr. Takes about 5 minutes for 10k and 100k on 2 cores, about 25 more with --1m.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/node-deps.sh
exec node dist/bench/bench.js "$@"
