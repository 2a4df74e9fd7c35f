#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, integration against real processes and real
# nginx, browser tests in Debian's chromium, benchmark smoke runs, then the fuzzers and the
# sanitized servers' tests). Extra arguments go to ctest and skip the fuzzers and the
# sanitized build, e.g. ./test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")"

# The browser tests need chromium and Node.js with npm, on top of what the build needs.
# The fuzzers and the sanitized servers (scripts/fuzz.sh, label sanitize in build-fuzz/)
# need clang with libFuzzer: libclang-rt-14-dev holds the ASan, UBSan and libFuzzer
# runtimes, which clang only recommends; libfuzzer-14-dev is libFuzzer's own package.
extra=(chromium clang libclang-rt-14-dev libfuzzer-14-dev)
command -v node >/dev/null || extra+=(nodejs)
command -v npm >/dev/null || extra+=(npm)
scripts/setup.sh "${extra[@]}"
scripts/setup-browser-tests.sh

# A test whose outside program (nginx, the nchan module) is missing fails here instead of
# skipping: what this script installed must be there.
export DUPLEX_TEST_REQUIRE_ALL=1
ctest --test-dir build --output-on-failure -j2 "$@"

# A whole run (no arguments) also fuzzes every parser that reads outside bytes and runs
# the bad-input integration tests against ASan/UBSan servers; any finding fails it.
if [ $# -eq 0 ]; then
    scripts/fuzz.sh
    cmake --build build-fuzz
    ctest --test-dir build-fuzz --output-on-failure -L sanitize
fi
