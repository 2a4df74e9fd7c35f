#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, integration against real processes and real
# nginx, browser tests in Debian's chromium, benchmark smoke runs). Extra arguments go to
# ctest, e.g. ./test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")"

# The browser tests need chromium and Node.js with npm, on top of what the build needs.
extra=(chromium)
command -v node >/dev/null || extra+=(nodejs)
command -v npm >/dev/null || extra+=(npm)
scripts/setup.sh "${extra[@]}"
scripts/setup-browser-tests.sh

# A test whose outside program (nginx, the nchan module) is missing fails here instead of
# skipping: what this script installed must be there.
export DUPLEX_TEST_REQUIRE_ALL=1
ctest --test-dir build --output-on-failure -j2 "$@"
