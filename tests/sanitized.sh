#!/bin/sh
# Runs a test of the `sanitize` label (the ASan/UBSan build, -DDUPLEX_FUZZ=ON) with every
# sanitizer report written to a file under $1: the test's own and its children's, since the
# servers inherit the options. A report fails the test even where the test could not see it
# (a leak or a bad free while a node shuts down, after the test's last check); the reports
# are printed. A report while the test runs also aborts the process that made it
# (abort_on_error; UBSan is built without recovery), which the tests see as a node that died.
# Usage: tests/sanitized.sh <report dir> <test binary> [arguments...]
set -u
dir=$1
shift
rm -rf "$dir"
mkdir -p "$dir"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:log_path=$dir/report"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$dir/report"
"$@"
rc=$?
if [ -n "$(ls -A "$dir")" ]; then
    for report in "$dir"/*; do
        echo "=== $report"
        cat "$report"
    done
    echo "sanitized: the sanitizer reports above fail the test" >&2
    exit 1
fi
exit $rc
