# Helpers shared by start.sh and test.sh (sourced, not run).

# Prints a free loopback TCP port.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# Succeeds when something listens on 127.0.0.1:$1.
port_in_use() { node -e "require('net').connect($1,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"; }

# Waits up to 10 s for 127.0.0.1:$1 to accept connections.
wait_for_port() {
  for _ in $(seq 1 100); do
    port_in_use "$1" && return 0
    sleep 0.1
  done
  echo "Nothing is listening on port $1 after 10 s." >&2
  return 1
}

# Stops each pid: TERM first, KILL after 5 s, because Azurite can close its services yet keep running.
stop_pids() {
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
}

# Starts a throwaway Azurite blob service for tests and benchmarks: installs the npm packages, picks a free port,
# keeps data in a temporary folder (or where the arguments say, e.g. --inMemoryPersistence), stops and removes it on
# exit. Sets AZURITE_BLOB to its blob endpoint.
start_scratch_azurite() {
  npm ci --no-audit --no-fund --loglevel=error
  AZURITE_DIR=$(mktemp -d)
  local port storage=(--location "$AZURITE_DIR/data")
  [ $# -eq 0 ] || storage=("$@")
  port=$(free_port)
  node_modules/.bin/azurite-blob --silent --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --blobPort "$port" "${storage[@]}" >"$AZURITE_DIR/azurite.log" 2>&1 &
  AZURITE_PID=$!
  trap 'stop_pids "$AZURITE_PID"; rm -rf "$AZURITE_DIR"' EXIT INT TERM
  wait_for_port "$port"
  AZURITE_BLOB="http://127.0.0.1:${port}/devstoreaccount1"
}
