// The event handler's per-request bounds as clients see them, on the unmodified @azure/web-pubsub-client (and the
// `ws` package where the HTTP answer to a refused upgrade matters), against the Web PubSub emulator whose hub calls
// our event handler. Usage: node limits.mjs <scenario>; env USERS (JSON [{userId, name, url}]), BURST, CAP, OUT_FILE.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import WebSocket from "ws";
import { runScenario, waitFor } from "./scenario.mjs";

const users = JSON.parse(process.env.USERS ?? "[]");
const clients = [];

function client(url) {
  const c = new WebPubSubClient({ getClientAccessUrl: async () => url }, { autoReconnect: false });
  clients.push(c);
  return c;
}

const rect = (id, n) => ({ id, kind: "rect", color: "#1e90ff", width: 2, x: n, y: n, w: 10, h: 10 });

// The status and body of a WebSocket upgrade the service refused, or null when it opened.
function upgrade(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "json.webpubsub.azure.v1");
    socket.on("open", () => { socket.close(); resolve(null); });
    socket.on("unexpected-response", (_, response) => {
      let body = "";
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode, body }));
    });
    socket.on("error", reject);
  });
}

const scenarios = {
  // shared/protocols/web-pubsub.md §4.7, §6.4: a user event the handler refuses reaches the sender as an error ack.
  async operationRate() {
    const [user] = users;
    const burst = Number(process.env.BURST);
    const sender = client(user.url);
    const other = client(user.url);
    await sender.start();
    await other.start();
    const attempts = burst + 5;
    const results = await Promise.all(Array.from({ length: attempts }, (_, i) =>
      sender.sendEvent("addShape", { opId: `burst-${i}`, shape: rect(`b${i}`, i) }, "json")
        .then(() => ({ opId: `burst-${i}`, ok: true }))
        .catch((error) => ({ opId: `burst-${i}`, ok: false, name: error.name, detail: error.errorDetail }))));
    const refused = results.filter((r) => !r.ok);
    assert.ok(refused.length >= 1, `a burst of ${attempts} beyond ${burst} is refused in part: ${JSON.stringify(results)}`);
    for (const r of refused) {
      assert.equal(r.name, "SendMessageError");
      assert.match(r.detail.message, /429/, `the ack's error names the refusal: ${JSON.stringify(r.detail)}`);
    }
    // Another connection of the same user has its own budget.
    await other.sendEvent("addShape", { opId: "other-0", shape: rect("o0", 1) }, "json");
    const accepted = [...results.filter((r) => r.ok).map((r) => r.opId), "other-0"];
    console.log(`operationRate: ${attempts} sent, ${attempts - refused.length} accepted, ${refused.length} refused: ${JSON.stringify(refused[0].detail)}`);
    writeFileSync(process.env.OUT_FILE, JSON.stringify(accepted));
  },

  // §4.4: a connect the handler refuses with a 4xx is the answer to the client's upgrade.
  async connectionCap() {
    const [user, together] = users;
    // Connects arriving together, none listed in the group yet when the others are checked.
    const all = await Promise.allSettled(Array.from({ length: Number(process.env.CAP) + 3 }, () => client(together.url).start()));
    const admitted = all.filter((r) => r.status === "fulfilled").length;
    assert.equal(admitted, Number(process.env.CAP), `connects opened together: ${JSON.stringify(all.map((r) => r.reason?.message ?? "open"))}`);

    const cap = Number(process.env.CAP);
    const open = [];
    for (let i = 0; i < cap; i++) {
      const c = client(user.url);
      await c.start();
      open.push(c);
    }
    const refused = client(user.url);
    await assert.rejects(refused.start(), /429/, "the SDK client over the cap fails to start");
    const raw = await upgrade(user.url);
    assert.equal(raw?.status, 429, `the upgrade over the cap is refused: ${JSON.stringify(raw)}`);
    assert.match(raw.body, /at most/);
    console.log(`connectionCap: ${cap} admitted one by one and ${admitted} of ${all.length} together, then ${raw.status} ${raw.body}`);
    // Closing one makes room for another.
    open[0].stop();
    let again = raw;
    for (const until = Date.now() + 10000; again !== null && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await upgrade(user.url);
    }
    assert.equal(again, null, "a connection is admitted again once one closed");
  },

  // Presence cost: N connections joining one board, and the presence messages all of them receive in total.
  async presence() {
    const states = users.map((user) => ({ user, client: client(user.url), frames: 0, last: null }));
    for (const s of states) {
      s.client.on("group-message", (e) => {
        if (e.message.data?.name === "presence") {
          s.frames++;
          s.last = e.message.data.data;
        }
      });
    }
    const started = Date.now();
    await Promise.all(states.map((s) => s.client.start()));
    for (const s of states) await waitFor(() => s.last?.count === users.length, `${s.user.userId} to see all ${users.length} present`, 60000);
    // Late broadcasts still in flight count too.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const total = states.reduce((sum, s) => sum + s.frames, 0);
    const final = states.map((s) => s.last.count);
    console.log(`presence: ${users.length} connections, ${total} presence messages delivered in total (${(total / users.length).toFixed(2)} per connection), ${Date.now() - started} ms`);
    writeFileSync(process.env.OUT_FILE, JSON.stringify({ connections: users.length, total, final }));
  },
};

await runScenario(scenarios, async () => {
  for (const c of clients) c.stop();
});
