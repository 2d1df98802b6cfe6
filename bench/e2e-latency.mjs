// End-to-end latency through the running local stack (./scripts/start.sh): CLIENTS signed-in users on one board,
// each committing RATE operations per second for SECONDS through @azure/web-pubsub-client; latency is measured from
// the sender's sendEvent to each other client receiving the committed op (same process, same clock), so it includes
// the emulator, the event handler, persistence to Azurite and the broadcast.
// The floor, in the same run and with the same clients: the emulator's fan-out alone, each message sent by the
// service REST API straight to the board's group (no worker). RUNS rounds alternate worker and floor; the tables give
// each round, then the median and spread (min–max), absolute and as a multiple of the floor of the same round.
// Stages of one committed op, from what a client can observe: the sender's ack (client → emulator → upstream HTTP →
// host → worker gRPC → commit → answer → ack), the fan-out floor (REST → emulator → receivers), and the rest of the
// delivery (broadcast REST issued after the commit, its fan-out), and hops probed one at a time during the load (below).
// REST calls per committed op = batch messages ÷ ops.
// Usage: node bench/e2e-latency.mjs; env BASE_URL (default http://localhost:7071), WPS_URL (http://localhost:8080),
// WPS_KEY (the emulator's development key), HUB (collab), CLIENTS (50), RATE (5), SECONDS (10), RUNS (5), WARMUP
// (5: seconds of unmeasured load on both paths first).
import { createHmac } from "node:crypto";
import { WebPubSubClient } from "@azure/web-pubsub-client";

const base = process.env.BASE_URL ?? "http://localhost:7071";
const wpsUrl = process.env.WPS_URL ?? "http://localhost:8080";
const wpsKey = process.env.WPS_KEY ?? "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const hub = process.env.HUB ?? "collab";
const clientCount = Number(process.env.CLIENTS ?? 50);
const rate = Number(process.env.RATE ?? 5);
const seconds = Number(process.env.SECONDS ?? 10);
const runs = Number(process.env.RUNS ?? 5);
const warmup = Number(process.env.WARMUP ?? 5);

async function signIn(name) {
  const response = await fetch(`${base}/.auth/login/dev`, { method: "POST", body: new URLSearchParams({ name }), redirect: "manual" });
  return response.headers.get("set-cookie").split(";")[0];
}

// The REST data plane's bearer token: HS256 over the request URL as audience (shared/protocols/web-pubsub.md §5.1).
function restToken(audience) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ aud: audience, iat: now, exp: now + 3600 })}`;
  return `${unsigned}.${createHmac("sha256", wpsKey).update(unsigned).digest("base64url")}`;
}

const boardId = `latency-${Date.now()}`;
const owner = await signIn("latency-owner");
await fetch(`${base}/api/boards/${boardId}`, { method: "PUT", headers: { cookie: owner, "content-type": "application/json" }, body: JSON.stringify({ title: "latency" }) });
const sendUrl = `${wpsUrl}/api/hubs/${hub}/groups/${encodeURIComponent(`board.${boardId}`)}/:send?api-version=2024-12-01`;
const authorization = `Bearer ${restToken(sendUrl)}`;

// What the current phase measures; receivers add to it.
let phase = null;
const clients = [];
for (let i = 0; i < clientCount; i++) {
  const cookie = await signIn(`latency-${i}`);
  const client = new WebPubSubClient({
    getClientAccessUrl: async () => (await (await fetch(`${base}/api/boards/${boardId}/negotiate`, { method: "POST", headers: { cookie } })).json()).url,
  }, { autoReconnect: false });
  client.on("group-message", (e) => {
    if (e.message.data?.name !== "ops" || !phase) return;
    const now = performance.now();
    if (i === 0) phase.messages++;
    for (const op of e.message.data.data.ops) {
      if (i === 0) phase.ops++;
      if (!op.opId.startsWith(`c${i}-`) && phase.sentAt.has(op.opId)) phase.latencies.push(now - phase.sentAt.get(op.opId));
    }
  });
  await client.start();
  clients.push(client);
}

// Hops of the live path measured one at a time while the load runs, PROBE_RATE (20) a second each: a client frame
// the emulator acks itself (client → emulator → client), the event handler's abuse-protection OPTIONS (HTTP → host →
// worker gRPC → answer, no storage; the emulator's upstream hop is the same kind of request). The broadcast and its
// fan-out are the floor: the emulator fans out before it answers 202, so the REST call cannot be timed apart from it.
const probeRate = Number(process.env.PROBE_RATE ?? 20);
async function probe(samples, until) {
  const timed = async (list, action) => {
    const started = performance.now();
    await action();
    list.push(performance.now() - started);
  };
  while (!until()) {
    await Promise.all([
      timed(samples.emulator, () => clients[0].sendToGroup(`preview.${boardId}`, { kind: "probe" }, "json", { noEcho: true })),
      timed(samples.handler, async () => {
        const response = await fetch(`${base}/api/eventhandler`, { method: "OPTIONS", headers: { "WebHook-Request-Origin": new URL(wpsUrl).hostname } });
        if (!response.ok) throw new Error(`abuse-protection OPTIONS answered ${response.status}`);
      }),
      new Promise((resolve) => setTimeout(resolve, 1000 / probeRate)),
    ]);
  }
}

// Every client sends RATE ops per second, spread evenly over the second; send(i, opId) starts one op.
async function measure(name, send, probes = null, duration = seconds) {
  phase = { name, sentAt: new Map(), latencies: [], acks: [], messages: 0, ops: 0 };
  let sending = true;
  const probing = probes ? probe(probes, () => !sending) : Promise.resolve();
  const started = performance.now();
  const pending = [];
  await Promise.all(clients.map(async (_, i) => {
    for (let n = 0; n < rate * duration; n++) {
      const due = started + (n * 1000) / rate + (i * 1000) / rate / clientCount;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const opId = `c${i}-${name}-${n}`;
      const sent = performance.now();
      phase.sentAt.set(opId, sent);
      const current = phase;
      pending.push(send(i, n, opId).then(() => current.acks.push(performance.now() - sent)));
    }
  }));
  sending = false;
  await Promise.all([...pending, probing]);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const done = phase;
  phase = null;
  return { name, latencies: done.latencies.sort((a, b) => a - b), acks: done.acks.sort((a, b) => a - b), messages: done.messages, ops: done.ops };
}

// Each client redraws its own 40 shapes, so the board stays far below its size cap (Boards:MaxShapes) however long it runs.
const viaWorker = (i, n, opId) => clients[i].sendEvent("addShape", { opId, shape: { id: `s${i}-${n % 40}`, kind: "line", color: "#112233", width: 2, points: [[n, i], [n + 5, i + 5]] } }, "json");
const viaRest = async (i, n, opId) => {
  const body = JSON.stringify({ name: "ops", data: { ops: [{ seq: 0, opId, author: `latency-${i}`, at: new Date().toISOString(), op: { type: "floor" } }] } });
  const response = await fetch(sendUrl, { method: "POST", headers: { authorization, "content-type": "application/json" }, body });
  if (response.status !== 202) throw new Error(`send-to-group answered ${response.status}`);
};

const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values, digits = 2) => `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

// A fresh stack's first operations pay for JIT of the whole path (a warm instance on Azure would not): not measured.
await measure("warmup", viaWorker, null, warmup);
await measure("warmup-floor", viaRest, null, warmup);

const expected = clientCount * rate * seconds * (clientCount - 1);
console.log(`| Round | Worker deliveries | Worker p50 | Worker p99 | Floor p50 | Floor p99 | p99 ÷ floor | Sender ack p50 / p99 | REST calls per op |`);
console.log("|---|---|---|---|---|---|---|---|---|");
const rounds = [];
for (let r = 1; r <= runs; r++) {
  const probes = { emulator: [], handler: [] };
  const worker = await measure(`w${r}`, viaWorker, probes);
  for (const list of Object.values(probes)) list.sort((a, b) => a - b);
  const floor = await measure(`f${r}`, viaRest);
  const round = {
    worker, floor,
    p50: at(worker.latencies, 0.5), p99: at(worker.latencies, 0.99), floorP50: at(floor.latencies, 0.5), floorP99: at(floor.latencies, 0.99),
    ackP50: at(worker.acks, 0.5), ackP99: at(worker.acks, 0.99), callsPerOp: worker.messages / worker.ops,
    emulatorP50: at(probes.emulator, 0.5), emulatorP99: at(probes.emulator, 0.99),
    handlerP50: at(probes.handler, 0.5), handlerP99: at(probes.handler, 0.99),
  };
  rounds.push(round);
  console.log(`| ${r} | ${worker.latencies.length.toLocaleString("en")} of ${expected.toLocaleString("en")} | ${round.p50.toFixed(2)} ms | ${round.p99.toFixed(2)} ms | ${round.floorP50.toFixed(2)} ms | ${round.floorP99.toFixed(2)} ms | ${(round.p99 / round.floorP99).toFixed(2)}× | ${round.ackP50.toFixed(2)} / ${round.ackP99.toFixed(2)} ms | ${round.callsPerOp.toFixed(3)} (${worker.messages} messages, ${worker.ops} ops) |`);
}
for (const client of clients) client.stop();

const pick = (key) => rounds.map((round) => round[key]);
console.log();
console.log(`${clientCount} clients on one board, ${rate} ops/s each for ${seconds} s; ${runs} rounds alternating worker and floor: median (min–max).`);
console.log();
console.log("| Path | p50 | p99 | p50 ÷ floor | p99 ÷ floor | Target |");
console.log("|---|---|---|---|---|---|");
console.log(`| Through the worker | ${spread(pick("p50"))} ms | ${spread(pick("p99"))} ms | ${spread(rounds.map((x) => x.p50 / x.floorP50))}× | ${spread(rounds.map((x) => x.p99 / x.floorP99))}× | p99 < 25 ms, ≤ 2× floor |`);
console.log(`| Floor: REST send-to-group, emulator fan-out | ${spread(pick("floorP50"))} ms | ${spread(pick("floorP99"))} ms | 1× | 1× | |`);
console.log();
const derived = (key, minus) => rounds.map((x) => x[key] - minus.reduce((sum, k) => sum + x[k], 0));
console.log("| Stage of one committed op, during the worker rounds | p50 | p99 |");
console.log("|---|---|---|");
console.log(`| 1. Client → emulator → client (a frame the emulator acks itself) | ${spread(pick("emulatorP50"))} ms | ${spread(pick("emulatorP99"))} ms |`);
console.log(`| 2. HTTP → host → worker gRPC → answer, no storage (event handler OPTIONS) | ${spread(pick("handlerP50"))} ms | ${spread(pick("handlerP99"))} ms |`);
console.log(`| 3. Handler and commit (storage append), queueing included: sender's ack − 1 − 2 | ${spread(derived("ackP50", ["emulatorP50", "handlerP50"]))} ms | ${spread(derived("ackP99", ["emulatorP99", "handlerP99"]))} ms |`);
console.log(`| Sender's ack: 1 + 2 + 3 (client → emulator → upstream → host → worker → commit → ack) | ${spread(pick("ackP50"))} ms | ${spread(pick("ackP99"))} ms |`);
console.log(`| 4. Broadcast and fan-out: REST send-to-group → emulator → ${clientCount - 1} receivers (the floor) | ${spread(pick("floorP50"))} ms | ${spread(pick("floorP99"))} ms |`);
console.log(`| Delivery to the other clients (whole path; the broadcast starts after the commit, beside the answer) | ${spread(pick("p50"))} ms | ${spread(pick("p99"))} ms |`);
console.log(`| REST calls per committed op | ${spread(pick("callsPerOp"), 3)} | |`);
console.log("Row 3 subtracts percentiles measured apart, so it is an estimate.");
process.exit(0);
