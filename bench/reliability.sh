#!/usr/bin/env bash
# The full-size load test: 100 clients × 1,000 operations on 5 boards (CI runs 20 × 100), through the Web PubSub
# emulator and the local functions host on Azurite. Prints the summary line of the test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/processes.sh
npm ci --no-audit --no-fund --loglevel=error
work=$(mktemp -d)
port=$(free_port)
node_modules/.bin/azurite-blob --silent --skipApiVersionCheck --loose --blobHost 127.0.0.1 --blobPort "$port" --location "$work" >"$work/azurite.log" 2>&1 &
azurite=$!
trap 'stop_pids "$azurite"; rm -rf "$work"' EXIT INT TERM
wait_for_port "$port"
COLLAB_TEST_AZURITE_BLOB="http://127.0.0.1:${port}/devstoreaccount1" COLLAB_LOAD_CLIENTS=${COLLAB_LOAD_CLIENTS:-100} COLLAB_LOAD_OPS=${COLLAB_LOAD_OPS:-1000} \
  dotnet test Functions.Tests -c Release --filter "FullyQualifiedName~LoadTests" --logger "console;verbosity=detailed" 2>&1 | grep -E "clients ×|Passed!|Failed!"
