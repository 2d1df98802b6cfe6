#!/usr/bin/env bash
# Runs the whole local stack in one process tree until Ctrl-C:
#   Azurite (10000-10002, data in .azurite/), the Web PubSub emulator (8080) calling our event handler,
#   the ACS emulator (8090 http, 8091 https with a development certificate in .certs/), the local functions host with the web app and dev sign-in (7071),
#   the Aspire dashboard (18888), an OTLP viewer receiving every process's spans (gRPC 4317, HTTP 4318; --no-dashboard skips it),
#   and, with --with-fluid, Tinylicious (7070).
# Ports: --functions-port, --wps-port, --acs-port, --acs-https-port, --blob-port, --fluid-port, --dashboard-port, --otlp-port,
# --otlp-http-port (or the same names in upper case as environment variables, e.g. FUNCTIONS_PORT=7072).
set -euo pipefail
cd "$(dirname "$0")/.."

FUNCTIONS_PORT=${FUNCTIONS_PORT:-7071}
WPS_PORT=${WPS_PORT:-8080}
ACS_PORT=${ACS_PORT:-8090}
ACS_HTTPS_PORT=${ACS_HTTPS_PORT:-8091}
BLOB_PORT=${BLOB_PORT:-10000}
FLUID_PORT=${FLUID_PORT:-7070}
DASHBOARD_PORT=${DASHBOARD_PORT:-18888}
OTLP_PORT=${OTLP_PORT:-4317}
OTLP_HTTP_PORT=${OTLP_HTTP_PORT:-4318}
WITH_FLUID=0
WITH_DASHBOARD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --with-fluid) WITH_FLUID=1 ;;
    --no-dashboard) WITH_DASHBOARD=0 ;;
    --dashboard-port) DASHBOARD_PORT=$2; shift ;;
    --otlp-port) OTLP_PORT=$2; shift ;;
    --otlp-http-port) OTLP_HTTP_PORT=$2; shift ;;
    --functions-port) FUNCTIONS_PORT=$2; shift ;;
    --wps-port) WPS_PORT=$2; shift ;;
    --acs-port) ACS_PORT=$2; shift ;;
    --acs-https-port) ACS_HTTPS_PORT=$2; shift ;;
    --blob-port) BLOB_PORT=$2; shift ;;
    --fluid-port) FLUID_PORT=$2; shift ;;
    *) echo "Unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

source scripts/processes.sh

required_ports=("$FUNCTIONS_PORT:functions host" "$WPS_PORT:Web PubSub emulator" "$ACS_PORT:ACS emulator" "$ACS_HTTPS_PORT:ACS emulator (https)")
[ "$WITH_DASHBOARD" = 1 ] && required_ports+=("$DASHBOARD_PORT:dashboard" "$OTLP_PORT:dashboard OTLP/gRPC" "$OTLP_HTTP_PORT:dashboard OTLP/HTTP")
for required in "${required_ports[@]}"; do
  if port_in_use "${required%%:*}"; then
    echo "Port ${required%%:*} (${required#*:}) is already in use. Stop what uses it, or choose another port (see the options at the top of scripts/start.sh)." >&2
    exit 1
  fi
done
if [ "$WITH_FLUID" = 1 ] && port_in_use "$FLUID_PORT"; then
  echo "Port $FLUID_PORT (Tinylicious) is already in use. Stop what uses it, or pass --fluid-port." >&2
  exit 1
fi

if [ ! -x node_modules/.bin/azurite ] || [ ! -x node_modules/.bin/tinylicious ]; then npm ci --no-audit --no-fund --loglevel=error; fi
echo "Building..."
./scripts/build-web.sh
for project in LocalHost Emulators; do
  if ! dotnet build "$project" --configuration Release --nologo -v quiet >/tmp/collab-build.log 2>&1; then
    grep -E "error" /tmp/collab-build.log >&2 || cat /tmp/collab-build.log >&2
    exit 1
  fi
done

# The Aspire dashboard is a self-contained executable in a NuGet package: tools/dashboard/ restores it into the NuGet
# cache once (a no-op afterwards), and it runs offline.
dashboard=""
if [ "$WITH_DASHBOARD" = 1 ]; then
  dashboard_version=$(grep -o 'Aspire.Dashboard.Sdk.linux-x64" Version="\[[^]]*' tools/dashboard/Dashboard.csproj | grep -o '[0-9][^[]*$')
  dashboard="${NUGET_PACKAGES:-$HOME/.nuget/packages}/aspire.dashboard.sdk.linux-x64/${dashboard_version}/tools/Aspire.Dashboard"
  if [ ! -x "$dashboard" ] && ! dotnet restore tools/dashboard/Dashboard.csproj --nologo -v quiet >/tmp/collab-dashboard-restore.log 2>&1; then
    cat /tmp/collab-dashboard-restore.log >&2
    exit 1
  fi
fi

settings=local.settings.sample.json
[ -f local.settings.json ] && settings=local.settings.json
# The emulators' keys are public development constants; ports other than the defaults are passed to the functions.
export WebPubSub__ConnectionString="Endpoint=http://localhost:${WPS_PORT};AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;"
export Acs__ConnectionString="endpoint=http://localhost:${ACS_PORT}/;accesskey=bG9jYWwtYWNzLWVtdWxhdG9yLWtleS1ub3QtYS1zZWNyZXQ="
export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:${BLOB_PORT}/devstoreaccount1;"
export FluidRelay__Endpoint="http://localhost:${FLUID_PORT}"
# Browsers and Node use the ACS emulator's https origin: the chat SDK sends bearer tokens over TLS only.
export Acs__ClientEndpoint="https://localhost:${ACS_HTTPS_PORT}/"
if [ -f local.settings.json ]; then
  # Your own settings win: they may point at real Azure resources.
  unset WebPubSub__ConnectionString Acs__ConnectionString AzureWebJobsStorage FluidRelay__Endpoint Acs__ClientEndpoint
fi

pids=()
stop() { stop_pids "${pids[@]}"; }
trap stop EXIT INT TERM

if [ -n "$dashboard" ]; then
  # Local use only: it listens on localhost, and neither the browser nor OTLP asks for a key.
  env ASPNETCORE_URLS="http://localhost:${DASHBOARD_PORT}" \
    DOTNET_DASHBOARD_OTLP_ENDPOINT_URL="http://localhost:${OTLP_PORT}" \
    DOTNET_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="http://localhost:${OTLP_HTTP_PORT}" \
    DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true \
    Logging__LogLevel__Default=Warning \
    "$dashboard" >/tmp/collab-dashboard.log 2>&1 &
  pids+=($!)
  # Every process started from here on sends its spans (and the worker its metrics) there, under its own service name.
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://localhost:${OTLP_PORT}"
  export OTEL_EXPORTER_OTLP_PROTOCOL=grpc
fi

if port_in_use "$BLOB_PORT"; then
  echo "Azurite: port $BLOB_PORT is already in use; assuming Azurite is running there."
else
  mkdir -p .azurite
  node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --location .azurite \
    --blobPort "$BLOB_PORT" --queuePort $((BLOB_PORT + 1)) --tablePort $((BLOB_PORT + 2)) &
  pids+=($!)
fi

# The hub named in the settings calls the functions host's event handler for every event.
hub=$(node -e 'const v=require("./"+process.argv[1]).Values; console.log(v.WebPubSub__Hub || "collab")' "$settings")
handler="COLLAB_EMULATORS_WebPubSub__Hubs__${hub}__EventHandlers__0"
# The ACS emulator delivers chat events to the functions' webhook, with the secret in a header, as the Event Grid
# subscription in infra/ does (a static delivery attribute).
events_secret=$(node -e 'console.log(require("./"+process.argv[1]).Values.Acs__EventsSecret || "")' "$settings")
events="COLLAB_EMULATORS_Acs__Events__Subscriptions__0"
env "${events}__Name=collab-acs-events" \
  "${events}__Endpoint=http://localhost:${FUNCTIONS_PORT}/api/acs/events" \
  "${events}__Headers__X-Collab-Events-Secret=$events_secret" \
  "${handler}__UrlTemplate=http://localhost:${FUNCTIONS_PORT}/api/eventhandler" \
  "${handler}__UserEventPattern=*" \
  "${handler}__SystemEvents__0=connect" "${handler}__SystemEvents__1=connected" "${handler}__SystemEvents__2=disconnected" \
  COLLAB_EMULATORS_Logging__LogLevel__Default=Warning \
  OTEL_SERVICE_NAME=collab-emulators \
  dotnet Emulators/bin/Release/net10.0/Collab.Emulators.dll --wps-port "$WPS_PORT" --acs-port "$ACS_PORT" \
    --acs-https-port "$ACS_HTTPS_PORT" --cert-dir .certs &
pids+=($!)

if [ "$WITH_FLUID" = 1 ]; then
  PORT="$FLUID_PORT" node_modules/.bin/tinylicious >/dev/null &
  pids+=($!)
fi

wait_for_port "$BLOB_PORT"
wait_for_port "$WPS_PORT"
wait_for_port "$ACS_HTTPS_PORT"
# The ACS emulator created (or reused) its development certificate; Node processes started from here on trust it.
export NODE_EXTRA_CA_CERTS="$PWD/.certs/acs-emulator.pem"
# In traces the host is collab-functions-host and the worker it starts collab-functions (unless the settings name it
# with OTEL_SERVICE_NAME).
dotnet LocalHost/bin/Release/net10.0/Collab.LocalHost.dll --port "$FUNCTIONS_PORT" --settings "$settings" --service-name collab-functions-host &
localhost_pid=$!
pids+=($localhost_pid)
wait_for_port "$FUNCTIONS_PORT"
[ -n "$dashboard" ] && wait_for_port "$DASHBOARD_PORT"

echo
echo "Collab local stack"
echo "  Web app + API       http://localhost:${FUNCTIONS_PORT}/   (sign in at /.auth/login)"
echo "  Web PubSub emulator http://localhost:${WPS_PORT}"
echo "  ACS identity        http://localhost:${ACS_PORT}/"
echo "  ACS https (chat)    https://localhost:${ACS_HTTPS_PORT}/   (certificate .certs/acs-emulator.pem; see README)"
echo "  Azurite blob        http://127.0.0.1:${BLOB_PORT}/devstoreaccount1"
# Its own worker only (the child of this host), not one of another stack running on the machine.
worker=$(pgrep -P "$localhost_pid" -f "Collab.Functions.dll --host" | head -1 || true)
[ -n "$worker" ] && echo "  Functions worker    pid ${worker}: dotnet Collab.Functions.dll$(ps -o args= -p "$worker" | grep -o ' --functions-uri [^ ]*') …"
[ "$WITH_FLUID" = 1 ] && echo "  Tinylicious         http://localhost:${FLUID_PORT}"
[ -n "$dashboard" ] && echo "  Dashboard (traces)  http://localhost:${DASHBOARD_PORT}/traces   (OTLP gRPC :${OTLP_PORT}, HTTP :${OTLP_HTTP_PORT}; --no-dashboard to skip)"
node -e '
  const [url, fluid] = process.argv.slice(1);
  const check = async () => {
    const health = await (await fetch(url)).json();
    for (const [name, d] of Object.entries(health.dependencies)) console.log(`  health ${name.padEnd(10)} ${d.healthy ? "up" : "DOWN: " + d.error} (${d.durationMs} ms)`);
    if (fluid) {
      const ok = await fetch(fluid).then(() => true, () => false);
      console.log(`  health ${"tinylicious".padEnd(10)} ${ok ? "up" : "DOWN"}`);
    }
    console.log(`  overall: ${health.status}`);
  };
  check().catch((e) => console.log("  health check failed: " + e.message));
' "http://localhost:${FUNCTIONS_PORT}/api/health" "$([ "$WITH_FLUID" = 1 ] && echo "http://localhost:${FLUID_PORT}" || true)"
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}"
