#!/usr/bin/env bash
# Runs every benchmark and writes the raw tables of this run into docs/benchmarks.md (between the latest-run markers).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
{
  echo "Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores."
  echo
  echo '### Token minting (BenchmarkDotNet)'
  dotnet run -c Release --project bench/TokenBenchmarks -- --filter '*' 2>/dev/null | grep -E '^\|' || true
  echo
  echo '### Event handler and growth'
  bench/EventHandlerLoad/run.sh 2>/dev/null | grep -E '^\|'
  echo
  echo '### Snapshot timer: 10 boards against 10,000 idle + 10 active'
  bench/SnapshotTimerLoad/run.sh 2>/dev/null | grep -E '^\|'
  echo
  echo '### Telemetry off vs on, then the peer comparison'
  bench/compare.sh 2>/dev/null | grep -E '^(\||$|Telemetry on:)' | cat -s
  echo
  echo '### Full-size load'
  bench/reliability.sh 2>/dev/null | grep -E 'clients ×'
  echo
  echo '### Worker memory as boards accumulate'
  bench/BoardScale/run.sh 2>/dev/null | grep -E '^\|'
  echo
  echo '### Emulator fan-out against a bare Kestrel floor'
  dotnet build bench/EmulatorLoad -c Release --nologo -v quiet >/dev/null
  dotnet bench/EmulatorLoad/bin/Release/net10.0/Collab.Bench.EmulatorLoad.dll Emulators/bin/Release/net10.0/Collab.Emulators.dll 2>/dev/null
  echo
  echo '### End to end through the local stack, against the emulator fan-out floor'
  ./scripts/start.sh >/tmp/collab-bench-stack.log 2>&1 &
  stack=$!
  for _ in $(seq 1 90); do curl -sf -o /dev/null http://localhost:7071/api/health && break; sleep 2; done
  node bench/e2e-latency.mjs
  kill -TERM "$stack"; wait "$stack" || true
} | tee "$out"
node -e '
  const fs = require("fs");
  const [doc, run] = process.argv.slice(1);
  const text = fs.readFileSync(doc, "utf8");
  const begin = "<!-- latest-run:begin -->", end = "<!-- latest-run:end -->";
  const updated = text.slice(0, text.indexOf(begin) + begin.length) + "\n" + fs.readFileSync(run, "utf8") + text.slice(text.indexOf(end));
  fs.writeFileSync(doc, updated);
' docs/benchmarks.md "$out"
rm -f "$out"
echo "docs/benchmarks.md updated."
