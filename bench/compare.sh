#!/usr/bin/env bash
# Collab vs the Node peer baseline (negotiate, Fluid token, event handler), alternating on one load generator.
# Starts a scratch Azurite, builds, runs bench/PeerComparison, stops Azurite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/processes.sh
start_scratch_azurite
dotnet build LocalHost -c Release --nologo -v quiet >/dev/null
dotnet run -c Release --project bench/PeerComparison -- "$AZURITE_BLOB" "$PWD"
