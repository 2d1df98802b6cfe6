#!/usr/bin/env bash
# Bundles the official client SDKs the web app imports (web/sdks.js: @azure/web-pubsub-client,
# @azure/communication-chat) into one browser ES module, web/dist/sdks.js (git-ignored), with the pinned esbuild from
# node_modules (npm ci installs it). start.sh and test.sh run this; so do the browser tests when the bundle is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/esbuild ] || { echo "node_modules/.bin/esbuild is missing: run 'npm ci' first." >&2; exit 1; }
node_modules/.bin/esbuild web/sdks.js --bundle --format=esm --platform=browser --target=es2022 --minify \
  --sourcemap --log-level=warning --outfile=web/dist/sdks.js
