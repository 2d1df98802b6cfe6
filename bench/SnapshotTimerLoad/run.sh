#!/usr/bin/env bash
# Snapshot timer work: 10 boards in all against 10,000 idle boards + 10 active ones, on a scratch Azurite.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/processes.sh
# In memory: with its metadata on disk, Azurite rewrites the whole database (10,000 boards) on every autosave.
start_scratch_azurite --inMemoryPersistence
dotnet run -c Release --project bench/SnapshotTimerLoad -- "$AZURITE_BLOB" "${1:-10000}"
