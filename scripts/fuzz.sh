#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz in build-fuzz/ (clang, -DDUPLEX_FUZZ=ON:
# ASan + UBSan + coverage) and runs each for a bounded time on a temporary copy of its seed
# corpus (tests/fuzz/corpus/<target>, never modified), then prints a table. Any crash,
# sanitizer report, broken invariant, leak, timeout or OOM fails the script and names the
# reproducer: `build-fuzz/bin/<target> <file>` runs it again.
#
# Usage: scripts/fuzz.sh [target...]          (default: every target)
#   FUZZ_SECONDS  seconds per target (30)     FUZZ_JOBS  targets run at once (2)
#   FUZZ_RSS_MB   memory limit (2048)         FUZZ_TIMEOUT  seconds for one input (10)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-2}
rss=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-10}
build=build-fuzz
src=tests/fuzz

if [ ! -f "$build/build.ninja" ]; then
    CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDUPLEX_FUZZ=ON >/dev/null
fi
cmake --build "$build" --target fuzzers

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < "$build/fuzzers.txt"
fi

work=$(mktemp -d /tmp/duplex-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
artifacts=$PWD/$build/fuzz-artifacts
mkdir -p "$artifacts"

# Sanitizer reports end the input at once (UBSan is built without recovery too).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The binaries are started from $work, so give them an absolute path.
run_one() {
    local t=$1
    local corpus=$work/corpus/$t
    mkdir -p "$corpus"
    if [ -d "$src/corpus/$t" ]; then
        cp -r "$src/corpus/$t/." "$corpus/"
    fi
    local args=(-max_total_time="$seconds" -rss_limit_mb="$rss" -timeout="$timeout" -max_len=4096
                -print_final_stats=1 -artifact_prefix="$artifacts/$t-")
    if [ -f "$src/$t.dict" ]; then
        args+=(-dict="$PWD/$src/$t.dict")
    fi
    local rc=0
    (cd "$work" && "$bin/$t" "${args[@]}" "$corpus") >"$work/$t.log" 2>&1 || rc=$?
    echo "$rc" > "$work/$t.rc"
}
bin=$PWD/$build/bin

echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $jobs at a time"
for t in "${targets[@]}"; do
    if [ ! -x "$bin/$t" ]; then
        echo "fuzz: no such target: $t" >&2
        exit 2
    fi
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    run_one "$t" &
done
wait

failed=0
printf '\n%-22s %12s %8s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
    log=$work/$t.log
    rc=$(cat "$work/$t.rc" 2>/dev/null || echo 99)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(find "$work/corpus/$t" -type f | wc -l)
    if [ "$rc" = 0 ]; then
        result=ok
    else
        failed=1
        reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        kind=$(grep -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)[^ ]*: [a-z-]+|fuzz check failed|runtime error|out-of-memory|timeout' "$log" | head -1 || true)
        result="FAILED (${kind:-exit $rc}) ${reproducer:-no reproducer written}"
        cp "$log" "$artifacts/$t.log"
    fi
    printf '%-22s %12s %8s %8s  %s\n' "$t" "${execs:--}" "${rate:--}" "$corpus" "$result"
done

if [ "$failed" != 0 ]; then
    echo
    for t in "${targets[@]}"; do
        if [ "$(cat "$work/$t.rc" 2>/dev/null || echo 99)" != 0 ]; then
            echo "=== $t (whole log: $artifacts/$t.log)"
            # The report and the stack frames in Duplex's own code.
            grep -E 'fuzz check failed|ERROR:|SUMMARY:|runtime error|^ *#[0-9]+ 0x.* in .*(/core/|/tests/)' "$artifacts/$t.log" | head -20
        fi
    done
    echo
    echo "fuzz: FAILED. Reproduce with: $build/bin/<target> <reproducer>" >&2
    exit 1
fi
echo "fuzz: every target ran ${seconds}s without a finding"
