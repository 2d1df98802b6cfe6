#!/usr/bin/env bash
# Runs every test: installs the pinned npm packages and Debian's chromium, starts Azurite on a free port, runs the
# .NET test suite (which hosts the emulators and the local functions host in-process, drives them with the official
# SDKs under Node and the web app in headless chromium), and stops Azurite.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v dotnet >/dev/null || { echo "dotnet (SDK 10) is required" >&2; exit 1; }
command -v node >/dev/null || { echo "node (20+) is required" >&2; exit 1; }

# The browser tests drive Debian's chromium; playwright-core never downloads a browser.
if [ ! -x /usr/bin/chromium ]; then
  echo "==> apt-get install chromium"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

source scripts/processes.sh
echo "==> npm ci, Azurite (blob) on a free port"
start_scratch_azurite
export COLLAB_TEST_AZURITE_BLOB="$AZURITE_BLOB"
work="$AZURITE_DIR"
echo "==> web app bundle (scripts/build-web.sh)"
./scripts/build-web.sh
echo "==> dotnet test"
set +e
dotnet test Collab.sln --configuration Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$work/test.log" | grep -vE "warning NU1603"
status=${PIPESTATUS[0]}
set -e
passed=$({ grep -E "^\s+Passed: [0-9]+" "$work/test.log" || true; } | awk '{s+=$2} END {print s+0}')
failed=$({ grep -E "^\s+Failed: [0-9]+" "$work/test.log" || true; } | awk '{s+=$2} END {print s+0}')
echo "${passed} passed, ${failed} failed"
exit "$status"
