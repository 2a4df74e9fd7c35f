#!/usr/bin/env bash
# Sets up, builds and runs Duplex: the cluster behind nginx on http://127.0.0.1:8080/.
#   ./run.sh --headless [duplexctl up options]   e.g. ./run.sh --headless --ws 3 --port 9090
# Stop with Ctrl-C: every process of the cluster stops with it.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
if [ "${1:-}" = "--headless" ]; then
    shift
elif [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "run.sh: the control panel is not built yet; running the cluster headless." >&2
fi
exec build/bin/duplexctl up "$@"
