#!/usr/bin/env bash
# Event-handler throughput and board load time: starts Azurite on a free port, runs the driver, stops Azurite.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/processes.sh
npm ci --no-audit --no-fund --loglevel=error
work=$(mktemp -d)
port=$(free_port)
node_modules/.bin/azurite-blob --silent --skipApiVersionCheck --loose --blobHost 127.0.0.1 --blobPort "$port" --location "$work" >"$work/azurite.log" 2>&1 &
azurite=$!
trap 'stop_pids "$azurite"; rm -rf "$work"' EXIT INT TERM
wait_for_port "$port"
dotnet run -c Release --project bench/EventHandlerLoad -- "http://127.0.0.1:${port}/devstoreaccount1"
