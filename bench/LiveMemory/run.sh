#!/usr/bin/env bash
# Memory of the live boards after touching N boards with one operation each: starts a scratch Azurite, runs the
# driver (board counts as arguments, default 1000 10000), stops Azurite.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/processes.sh
start_scratch_azurite
dotnet run -c Release --project bench/LiveMemory -- "$AZURITE_BLOB" "${@:-1000 10000}"
