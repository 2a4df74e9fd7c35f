#!/usr/bin/env bash
# Draws the build's target graph (libraries and programs, without tests and Qt) into
# docs/layers.svg, from CMake's own --graphviz output: the picture of the layers in
# DEVELOPERS.md. Needs graphviz (apt-get install graphviz); not part of the build.
#   scripts/layer-graph.sh [BUILD_DIR]    (default: a temporary one)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dot >/dev/null || { echo "layer-graph: needs graphviz's dot (apt-get install graphviz)" >&2; exit 1; }
build=${1:-$(mktemp -d)}
trap '[ -z "${1:-}" ] && rm -rf "$build"' EXIT
cat > "$build/CMakeGraphVizOptions.cmake" <<'CMAKE'
set(GRAPHVIZ_EXTERNAL_LIBS FALSE)
set(GRAPHVIZ_GENERATE_PER_TARGET FALSE)
set(GRAPHVIZ_GENERATE_DEPENDERS FALSE)
set(GRAPHVIZ_IGNORE_TARGETS "^tst_" "^duplextestsupport$" "_resources_" "_autogen")
CMAKE
cmake -S . -B "$build" -G Ninja --graphviz="$build/targets.dot" >/dev/null
# Without CMake's legend: every box is a static library, every oval a program.
sed '/^subgraph clusterLegend/,/^}/d' "$build/targets.dot" | dot -Tsvg -Grankdir=BT -o docs/layers.svg
echo "layer-graph: docs/layers.svg"
