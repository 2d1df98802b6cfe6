#!/usr/bin/env bash
# Runs the local stack: Azurite (data kept in .azurite/, git-ignored) and the Web PubSub (:8080) and ACS identity
# (:8090) emulators. Ctrl-C stops everything. Later issues add the functions host and the web app here.
set -euo pipefail
cd "$(dirname "$0")/.."

WPS_PORT=${WPS_PORT:-8080}
ACS_PORT=${ACS_PORT:-8090}
BLOB_PORT=${BLOB_PORT:-10000}

source scripts/processes.sh

[ -d node_modules/azurite ] || npm ci --no-audit --no-fund --loglevel=error
dotnet build Emulators --configuration Release --nologo -v quiet 2>&1 | grep -vE "warning NU1603" || true

pids=()
stop() { stop_pids "${pids[@]}"; }
trap stop EXIT INT TERM

if port_in_use "$BLOB_PORT"; then
  echo "Azurite: port $BLOB_PORT is already in use; assuming Azurite is running there."
else
  mkdir -p .azurite
  node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --location .azurite \
    --blobPort "$BLOB_PORT" --queuePort $((BLOB_PORT + 1)) --tablePort $((BLOB_PORT + 2)) &
  pids+=($!)
fi

for port in "$WPS_PORT" "$ACS_PORT"; do
  if port_in_use "$port"; then
    echo "Port $port is already in use; set WPS_PORT / ACS_PORT to choose others." >&2
    exit 1
  fi
done

dotnet Emulators/bin/Release/net10.0/Collab.Emulators.dll --wps-port "$WPS_PORT" --acs-port "$ACS_PORT" &
pids+=($!)

cat <<INFO
Collab local stack
  Azurite blob        http://127.0.0.1:${BLOB_PORT}/devstoreaccount1  (UseDevelopmentStorage=true)
  Web PubSub emulator http://localhost:${WPS_PORT}   health: HEAD /api/health
  ACS identity        http://localhost:${ACS_PORT}/
Press Ctrl-C to stop.
INFO
wait -n "${pids[@]}"
