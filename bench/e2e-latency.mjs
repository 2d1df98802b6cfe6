// End-to-end latency through the running local stack (./scripts/start.sh): CLIENTS signed-in users on one board,
// each committing RATE operations per second for SECONDS through @azure/web-pubsub-client; latency is measured from
// the sender's sendEvent to each other client receiving the committed op (same process, same clock), so it includes
// the emulator, the event handler, persistence to Azurite and the broadcast. Usage: node bench/e2e-latency.mjs
// env BASE_URL (default http://localhost:7071), CLIENTS (50), RATE (5), SECONDS (10).
import { WebPubSubClient } from "@azure/web-pubsub-client";

const base = process.env.BASE_URL ?? "http://localhost:7071";
const clientCount = Number(process.env.CLIENTS ?? 50);
const rate = Number(process.env.RATE ?? 5);
const seconds = Number(process.env.SECONDS ?? 10);

async function signIn(name) {
  const response = await fetch(`${base}/.auth/login/dev`, { method: "POST", body: new URLSearchParams({ name }), redirect: "manual" });
  return response.headers.get("set-cookie").split(";")[0];
}

const boardId = `latency-${Date.now()}`;
const owner = await signIn("latency-owner");
await fetch(`${base}/api/boards/${boardId}`, { method: "PUT", headers: { cookie: owner, "content-type": "application/json" }, body: JSON.stringify({ title: "latency" }) });

const sentAt = new Map();
const latencies = [];
const clients = [];
for (let i = 0; i < clientCount; i++) {
  const cookie = await signIn(`latency-${i}`);
  const client = new WebPubSubClient({
    getClientAccessUrl: async () => (await (await fetch(`${base}/api/boards/${boardId}/negotiate`, { method: "POST", headers: { cookie } })).json()).url,
  }, { autoReconnect: false });
  client.on("group-message", (e) => {
    const op = e.message.data?.name === "op" ? e.message.data.data : null;
    if (op && !op.opId.startsWith(`c${i}-`) && sentAt.has(op.opId)) latencies.push(performance.now() - sentAt.get(op.opId));
  });
  await client.start();
  clients.push(client);
}

const started = performance.now();
await Promise.all(clients.map(async (client, i) => {
  for (let n = 0; n < rate * seconds; n++) {
    const due = started + (n * 1000) / rate + (i * 1000) / rate / clientCount;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    const opId = `c${i}-${n}`;
    sentAt.set(opId, performance.now());
    await client.sendEvent("addShape", { opId, shape: { id: opId, kind: "line", color: "#112233", width: 2, points: [[n, i], [n + 5, i + 5]] } }, "json", { fireAndForget: true });
  }
}));
await new Promise((resolve) => setTimeout(resolve, 3000));
for (const client of clients) client.stop();

latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))].toFixed(2);
const expected = clientCount * rate * seconds * (clientCount - 1);
console.log(`| ${clientCount} clients, one board, ${rate} ops/s each for ${seconds} s | ${latencies.length.toLocaleString("en")} of ${expected.toLocaleString("en")} deliveries | p50 ${at(0.5)} ms | p99 ${at(0.99)} ms |`);
process.exit(0);
