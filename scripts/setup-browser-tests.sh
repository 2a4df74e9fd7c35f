#!/usr/bin/env bash
# Installs the browser tests' npm packages (playwright-core, exactly as package-lock.json
# says) into tests/browser/node_modules. No browser is downloaded: the tests drive Debian's
# chromium (/usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
    echo "setup-browser-tests: Node.js $(node --version) is too old; playwright-core needs 20 or newer" >&2
    exit 1
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error
