// Puts the unmodified @azure/web-pubsub-express handler behind the Web PubSub emulator and checks every event
// it receives. Env: WPS_CONNECTION_STRING, WPS_HUB, HANDLER_PORT (the emulator's hub must send connect,
// connected, disconnected and user events to http://127.0.0.1:HANDLER_PORT/eventhandler/{event}).
import assert from "node:assert/strict";
import express from "express";
import { WebPubSubEventHandler } from "@azure/web-pubsub-express";
import { WebPubSubServiceClient } from "@azure/web-pubsub";
import { WebPubSubClient } from "@azure/web-pubsub-client";

const hub = process.env.WPS_HUB;
const service = new WebPubSubServiceClient(process.env.WPS_CONNECTION_STRING, hub, { allowInsecureConnection: true });
const seen = { connect: null, connected: null, userEvent: null, disconnected: null };

const handler = new WebPubSubEventHandler(hub, {
  path: "/eventhandler",
  handleConnect(req, res) {
    seen.connect = req;
    res.setState("board", "b1");
    res.success({ userId: "alice-from-connect", groups: ["joined-by-connect"] });
  },
  onConnected(req) {
    seen.connected = req;
  },
  handleUserEvent(req, res) {
    seen.userEvent = req;
    res.success(`echo:${req.data}`, "text");
  },
  onDisconnected(req) {
    seen.disconnected = req;
  },
});

const app = express();
app.use(handler.getMiddleware());
const server = await new Promise((resolve) => {
  const s = app.listen(Number(process.env.HANDLER_PORT), "127.0.0.1", () => resolve(s));
});

async function waitFor(predicate, what, timeoutMs = 10000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let exitCode = 0;
const client = new WebPubSubClient(
  { getClientAccessUrl: async () => (await service.getClientAccessToken({ userId: "alice", roles: ["custom.role"] })).url },
  { autoReconnect: false },
);
try {
  const serverMessages = [];
  let connected = null;
  client.on("connected", (e) => (connected = e));
  client.on("server-message", (e) => serverMessages.push(e.message));
  await client.start();
  await waitFor(() => connected, "the connected message");

  assert.equal(seen.connect.context.userId, "alice");
  assert.equal(seen.connect.context.hub, hub);
  assert.equal(seen.connect.context.connectionId, connected.connectionId);
  assert.deepEqual(seen.connect.claims.sub, ["alice"]);
  assert.deepEqual(seen.connect.claims.role, ["custom.role"]);
  assert.ok(seen.connect.subprotocols.includes("json.reliable.webpubsub.azure.v1"));
  assert.equal(seen.connect.queries.access_token, undefined, "the token is not forwarded in the query");
  assert.equal(connected.userId, "alice-from-connect", "the connect response sets the user id");
  assert.equal(await service.groupExists("joined-by-connect"), true, "the connect response sets the groups");

  await waitFor(() => seen.connected, "the connected event");
  assert.equal(seen.connected.context.connectionId, connected.connectionId);
  assert.equal(seen.connected.context.userId, "alice-from-connect");
  assert.equal(seen.connected.context.states.board, "b1", "connection state round-trips");

  await client.sendEvent("draw", "hello", "text");
  await waitFor(() => serverMessages.length === 1, "the user event response");
  assert.equal(seen.userEvent.context.eventName, "draw");
  assert.equal(seen.userEvent.data, "hello");
  assert.equal(seen.userEvent.dataType, "text");
  assert.equal(seen.userEvent.context.states.board, "b1");
  assert.equal(serverMessages[0].data, "echo:hello", "the handler's response reaches the sender");

  client.stop();
  await waitFor(() => seen.disconnected, "the disconnected event");
  assert.equal(seen.disconnected.context.connectionId, connected.connectionId);
  assert.equal(seen.disconnected.context.userId, "alice-from-connect");
  assert.equal(seen.disconnected.context.hub, hub);
  console.log("ok web-pubsub-express");
} catch (error) {
  console.error("not ok web-pubsub-express");
  console.error(error);
  exitCode = 1;
} finally {
  client.stop();
  server.close();
  setTimeout(() => process.exit(exitCode), 100);
}
