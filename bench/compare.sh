#!/usr/bin/env bash
# First the cost of telemetry: the same Collab with OpenTelemetry off and on (OTLP/gRPC to a sink in the benchmark
# process), alternating; then Collab vs the Node peer baseline (negotiate, Fluid token, event handler), alternating on
# one load generator, with Collab in the real isolated worker behind the local Functions host; then the floor (a
# constant through the same host and worker vs a bare Kestrel) and the time from start to first answer.
# Usage: bench/compare.sh [telemetry]   (with "telemetry", only the telemetry off/on table)
# Starts a scratch Azurite, builds (LocalHost, the Function App and bench/FloorApp come through references), runs
# bench/PeerComparison, stops Azurite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/processes.sh
start_scratch_azurite
dotnet build bench/PeerComparison -c Release --nologo -v quiet >/dev/null
dotnet run -c Release --no-build --project bench/PeerComparison -- "$AZURITE_BLOB" "$PWD" "$@"
