#!/usr/bin/env bash
# The worker's memory as boards accumulate: starts a scratch Azurite, builds, and touches 1,000, then 10,000, then
# 100,000 boards with one operation each through the local host and the real worker. Pass other totals as arguments
# (e.g. bench/BoardScale/run.sh 1000 10000).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/processes.sh
start_scratch_azurite
dotnet build bench/BoardScale -c Release --nologo -v quiet >/dev/null
dotnet run -c Release --no-build --project bench/BoardScale -- "$AZURITE_BLOB" "$PWD" "${@:-1000 10000 100000}"
