#!/usr/bin/env bash
# Web assets for the tests of the tablet app, from the npm registry at set-up (never a CDN, never committed):
# axe-core (MPL-2.0), injected by tests/web/test_app_browser.py to check every page's accessibility.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.11.0
dest=.venv/share/smpstudio/node
if [ -f "$dest/node_modules/axe-core/axe.min.js" ] && grep -q "\"version\": \"$AXE_VERSION\"" "$dest/node_modules/axe-core/package.json"; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "npm not found: the browser tests' accessibility check (axe-core) will be skipped" >&2
    exit 0
fi
mkdir -p "$dest"
npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$dest" "axe-core@$AXE_VERSION"
