#!/usr/bin/env bash
# The full-size load test: 100 clients × 1,000 operations on 5 boards (CI runs 20 × 100), through the Web PubSub
# emulator and the local functions host on a scratch Azurite. Prints the summary line of the test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/processes.sh
start_scratch_azurite
COLLAB_TEST_AZURITE_BLOB="$AZURITE_BLOB" COLLAB_LOAD_CLIENTS=${COLLAB_LOAD_CLIENTS:-100} COLLAB_LOAD_OPS=${COLLAB_LOAD_OPS:-1000} \
  dotnet test Functions.Tests -c Release --filter "FullyQualifiedName~LoadTests" --logger "console;verbosity=detailed" 2>&1 | grep -E "clients ×|Passed!|Failed!"
