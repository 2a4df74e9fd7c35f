#!/usr/bin/env bash
# Installs the browser tests' npm packages (playwright-core, exactly as package-lock.json
# says) into tests/browser/node_modules. No browser is downloaded: the tests drive Debian's
# chromium (/usr/bin/chromium). playwright-core 1.61 is the last release whose engines
# accept Node.js 18, the version Debian 12 ships.
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
    echo "setup-browser-tests: Node.js $(node --version) is too old; playwright-core needs 18 or newer" >&2
    exit 1
fi
# Already installed as the lock says: nothing to do, so a second run stays instant.
wanted=$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')
have=$(node -p 'try { require("./node_modules/playwright-core/package.json").version } catch { "" }')
[ "$have" = "$wanted" ] && exit 0
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error
