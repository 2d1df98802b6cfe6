// Revocation as the unmodified @azure/web-pubsub-client sees it, through the Web PubSub emulator whose hub calls our
// event handler. Usage: node revocation.mjs <whileConnected|afterDrop>; env BASE_URL (the local functions host),
// BOARD_ID (a private board whose only member is the member), OWNER_COOKIE and MEMBER_COOKIE (dev sign-in cookies).
import assert from "node:assert/strict";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { runScenario, waitFor } from "./scenario.mjs";

const { BASE_URL, BOARD_ID, OWNER_COOKIE, MEMBER_COOKIE } = process.env;
const clients = [];

const negotiate = (cookie) => fetch(`${BASE_URL}/api/boards/${BOARD_ID}/negotiate`, { method: "POST", headers: { cookie } });

async function connect(cookie, options) {
  const response = await negotiate(cookie);
  assert.equal(response.status, 200, "negotiate");
  const { url } = await response.json();
  const client = new WebPubSubClient({ getClientAccessUrl: async () => url }, options);
  const state = { client, ops: [], connected: 0, disconnectedAt: null, stopped: false };
  client.on("connected", () => state.connected++);
  client.on("disconnected", () => (state.disconnectedAt ??= Date.now()));
  client.on("stopped", () => (state.stopped = true));
  client.on("group-message", (e) => {
    if (e.message.data?.name === "ops") state.ops.push(...e.message.data.data.ops);
  });
  clients.push(client);
  await client.start();
  await waitFor(() => state.connected > 0, "connected");
  return state;
}

// The owner makes the board private with no members; returns when the change is stored.
async function removeMember() {
  const response = await fetch(`${BASE_URL}/api/boards/${BOARD_ID}`, {
    method: "PUT",
    headers: { cookie: OWNER_COOKIE, "content-type": "application/json" },
    body: JSON.stringify({ title: "t", visibility: "private", members: [] }),
  });
  assert.equal(response.status, 200, "the owner's change");
  return Date.now();
}

// A text shape: chat no longer travels as a board operation (it lives in the board's ACS thread).
const text = (id, value) => ({ id, kind: "text", color: "#000000", width: 1, x: 10, y: 10, fontSize: 12, text: value });

// After the change: the owner draws, the member hears none of it, its own event is refused, and negotiate says no.
async function assertCutOff(owner, member) {
  await owner.client.sendEvent("addShape", { opId: `after-${Date.now()}`, shape: text("after", "members only") }, "json");
  await waitFor(() => owner.ops.some((op) => op.op.shape?.text === "members only"), "the owner's own op");
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.ok(!member.ops.some((op) => op.op.shape?.text === "members only"), "a removed member hears no later operation");
  await assert.rejects(member.client.sendEvent("addShape", { opId: "sneak", shape: text("sneak", "still here") }, "json", { fireAndForget: false }));
  assert.equal((await negotiate(MEMBER_COOKIE)).status, 403, "negotiate refuses a removed member");
}

const scenarios = {
  async whileConnected() {
    const owner = await connect(OWNER_COOKIE, { autoReconnect: false });
    const member = await connect(MEMBER_COOKIE, { autoReconnect: false });
    await member.client.sendEvent("addShape", { opId: "before", shape: text("before", "hello") }, "json");

    const changedAt = await removeMember();
    await waitFor(() => member.disconnectedAt, "the member's disconnection", 3000);
    assert.ok(member.disconnectedAt - changedAt <= 1000, `cut off ${member.disconnectedAt - changedAt} ms after the change`);
    await assertCutOff(owner, member);
  },

  async afterDrop() {
    const owner = await connect(OWNER_COOKIE, { autoReconnect: false });
    const member = await connect(MEMBER_COOKIE, { autoReconnect: true, reconnectRetryOptions: { maxRetries: 2, retryDelayInMs: 200 } });

    // The client offers no way to lose its socket, so its internal WebSocket (the ws package) is destroyed without a
    // close frame, as a network failure would: the reliable protocol then recovers the same connection, skipping
    // connect, unless the service ended it meanwhile.
    member.client._wsClient._socket.terminate();
    const changedAt = await removeMember();
    await waitFor(() => member.stopped || member.disconnectedAt, "the member's connection to end", 5000);
    assert.ok((member.disconnectedAt ?? Date.now()) - changedAt <= 1000 || member.stopped, "cut off within a second");
    await assertCutOff(owner, member);
  },
};

await runScenario(scenarios, async () => {
  for (const client of clients) client.stop();
});
