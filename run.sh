#!/usr/bin/env bash
# Sets up, builds and runs Duplex: the cluster behind nginx on http://127.0.0.1:8080/.
#   ./run.sh --headless [duplexctl up options]   e.g. ./run.sh --headless --ws 3 --port 9090
#   ./run.sh [--port N --ws N --comet N --restart]   with a display: the control panel
# Stop with Ctrl-C: every process of the cluster stops with it.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
if [ "${1:-}" = "--headless" ]; then
    shift
elif [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    # A display: the control panel (it takes --port, --ws, --comet, --restart).
    exec build/bin/duplex-panel "$@"
fi
exec build/bin/duplexctl up "$@"
