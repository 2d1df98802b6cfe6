#!/usr/bin/env bash
# Collab vs the Node peer baseline (negotiate, Fluid token, event handler), alternating on one load generator.
# Starts Azurite on a free port, builds, runs bench/PeerComparison, stops Azurite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/processes.sh
npm ci --no-audit --no-fund --loglevel=error
dotnet build LocalHost -c Release --nologo -v quiet >/dev/null
work=$(mktemp -d)
port=$(free_port)
node_modules/.bin/azurite-blob --silent --skipApiVersionCheck --loose --blobHost 127.0.0.1 --blobPort "$port" --location "$work" >"$work/azurite.log" 2>&1 &
azurite=$!
trap 'stop_pids "$azurite"; rm -rf "$work"' EXIT INT TERM
wait_for_port "$port"
dotnet run -c Release --project bench/PeerComparison -- "http://127.0.0.1:${port}/devstoreaccount1" "$PWD"
