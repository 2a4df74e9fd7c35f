#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, integration against real processes and real
# nginx, benchmark smoke runs). Extra arguments go to ctest, e.g. ./test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
ctest --test-dir build --output-on-failure -j2 "$@"
