// Whiteboard clients built only on the unmodified @azure/web-pubsub-client, against the Web PubSub emulator whose
// hub calls our event handler. Usage: node whiteboard.mjs <scenario>; env USERS (JSON [{userId, name, url}]),
// OPS_PER_CLIENT, OUT_FILE (where each client's final view is written for the .NET test to compare).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { runScenario, waitFor } from "./scenario.mjs";

const users = JSON.parse(process.env.USERS ?? "[]");
const opsPerClient = Number(process.env.OPS_PER_CLIENT ?? "5");
const clients = [];

async function join(user) {
  const client = new WebPubSubClient({ getClientAccessUrl: async () => user.url }, { autoReconnect: false });
  const state = { user, client, presence: null, ops: [], batches: [], responses: [] };
  client.on("group-message", (e) => {
    const message = e.message.data;
    if (message?.name === "presence") state.presence = message.data;
    if (message?.name === "ops") {
      state.batches.push(message.data.ops.map((o) => o.seq));
      state.ops.push(...message.data.ops);
    }
  });
  client.on("server-message", (e) => state.responses.push(e.message.data));
  clients.push(client);
  await client.start();
  return state;
}

// The board as a client sees it: the committed operations applied in seq order.
function view(ops) {
  const shapes = new Map();
  for (const { op } of [...ops].sort((a, b) => a.seq - b.seq)) {
    if (op.type === "addShape") shapes.set(op.shape.id, op.shape);
    if (op.type === "updateShape" && shapes.has(op.shape.id)) shapes.set(op.shape.id, op.shape);
    if (op.type === "removeShape") shapes.delete(op.shapeId);
    if (op.type === "clear") shapes.clear();
  }
  return [...shapes.values()];
}

const rect = (id, n) => ({ id, kind: "rect", color: "#1e90ff", width: 2, x: n, y: n * 2, w: 30, h: 40 });

const scenarios = {
  async threeClients() {
    const states = [];
    for (const user of users) states.push(await join(user));
    const everyone = users.map((u) => u.userId).sort();
    for (const state of states) {
      await waitFor(() => state.presence?.count === users.length, `${state.user.userId} to see everyone present`);
      assert.deepEqual(state.presence.users.map((u) => u.userId), everyone);
      assert.deepEqual(state.presence.users.map((u) => u.name), everyone.map((id) => users.find((u) => u.userId === id).name));
    }

    await Promise.all(states.map(async (state, c) => {
      for (let i = 0; i < opsPerClient; i++) {
        await state.client.sendEvent("addShape", { opId: `${state.user.userId}-${i}`, shape: rect(`${state.user.userId}-s${i}`, c * 100 + i) }, "json");
      }
    }));
    const first = states[0];
    await first.client.sendEvent("updateShape", { opId: "update-1", shape: { ...rect(`${states[1].user.userId}-s0`, 999), color: "#ff0000" } }, "json");
    await first.client.sendEvent("removeShape", { opId: "remove-1", shapeId: `${states[2].user.userId}-s1` }, "json");
    await first.client.sendEvent("setBackground", { opId: "background-1", color: "#ffeecc" }, "json");

    const total = users.length * opsPerClient + 3;
    for (const state of states) {
      await waitFor(() => state.ops.length >= total, `${state.user.userId} to receive all ${total} operations`);
      assert.deepEqual(state.ops.map((o) => o.seq), Array.from({ length: total }, (_, i) => i + 1), "committed operations arrive once each, in seq order");
    }

    for (const state of states) {
      const mine = state.user === first.user ? opsPerClient + 3 : opsPerClient;
      await waitFor(() => state.responses.length >= mine, `${state.user.userId}'s event responses`);
      assert.ok(state.responses.every((r) => Number.isInteger(r.seq) && r.seq >= 1 && r.seq <= total), "each sender is answered with { seq }");
    }

    const views = states.map((s) => ({ userId: s.user.userId, seq: total, shapes: view(s.ops) }));
    for (const v of views) assert.deepEqual(v.shapes, views[0].shapes, "every client sees the same board");
    writeFileSync(process.env.OUT_FILE, JSON.stringify(views));

    for (const state of states) state.client.stop();
  },

  // Every client sends all its operations at once, so operations from several connections queue behind an append in
  // flight and commit together: each committed batch reaches the group as one message (one REST send-to-group), its
  // ops in seq order, and the messages together carry every op once.
  async batchedBroadcast() {
    const states = [];
    for (const user of users) states.push(await join(user));
    await Promise.all(states.map((state, c) => Promise.all(Array.from({ length: opsPerClient }, (_, i) =>
      state.client.sendEvent("addShape", { opId: `${state.user.userId}-${i}`, shape: rect(`${state.user.userId}-s${i}`, c * 100 + i) }, "json")))));

    const total = users.length * opsPerClient;
    for (const state of states) {
      await waitFor(() => state.ops.length >= total, `${state.user.userId} to receive all ${total} operations`);
      assert.deepEqual(state.ops.map((o) => o.seq), Array.from({ length: total }, (_, i) => i + 1), "committed operations arrive once each, in seq order");
      for (const batch of state.batches) {
        assert.ok(batch.length > 0 && batch.every((seq, i) => i === 0 || seq === batch[i - 1] + 1), `a batch message carries consecutive seqs: ${batch}`);
      }

      assert.deepEqual(state.batches, states[0].batches, "every client receives the same batch messages");
    }

    const messages = states[0].batches.length;
    assert.ok(messages < total, `operations committed together arrive together: ${messages} messages for ${total} operations`);
    console.log(`${total} committed operations in ${messages} broadcast messages: ${(messages / total).toFixed(2)} REST calls per op`);
    for (const state of states) state.client.stop();
  },
};

await runScenario(scenarios, async () => {
  for (const client of clients) client.stop();
});
