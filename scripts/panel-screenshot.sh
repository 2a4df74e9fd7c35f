#!/usr/bin/env bash
# Starts the control panel on a virtual display (xvfb-run), lets it start a cluster of its
# own and run the thesis preset, and saves a picture of the window.
#   scripts/panel-screenshot.sh [FILE [PANEL]]   (default docs/panel.png, build/bin/duplex-panel)
# Run by ./test.sh as the ctest `panel_screenshot`, into and from whichever build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/panel.png}"
panel="${2:-build/bin/duplex-panel}"
rm -f "$out"
# -a: a free display number; the panel quits by itself once the picture is saved.
DUPLEX_PANEL_NO_CONFIRM=1 timeout 180 xvfb-run -a -s "-screen 0 1280x800x24" \
    "$panel" --port 0 --screenshot "$out"
if [ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
    echo "panel-screenshot: $out is not a PNG" >&2
    exit 1
fi
echo "panel-screenshot: $out"
