#!/usr/bin/env bash
# Event-handler throughput and board load time: starts a scratch Azurite, runs the driver, stops Azurite.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/processes.sh
start_scratch_azurite
dotnet run -c Release --project bench/EventHandlerLoad -- "$AZURITE_BLOB"
