// Drives the Web PubSub emulator with the unmodified @azure/web-pubsub and @azure/web-pubsub-client SDKs.
// Usage: node web-pubsub.mjs <scenario>; env WPS_CONNECTION_STRING, WPS_HUB.
// Exits 0 when the scenario's assertions hold; prints the failure otherwise.
import assert from "node:assert/strict";
import net from "node:net";
import { WebPubSubServiceClient } from "@azure/web-pubsub";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { runScenario } from "./scenario.mjs";

const hub = process.env.WPS_HUB ?? "conformance";
const connectionString = process.env.WPS_CONNECTION_STRING;
const service = new WebPubSubServiceClient(connectionString, hub, { allowInsecureConnection: true });
const clients = [];

function waitFor(predicate, what, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const value = predicate();
      if (value) {
        clearInterval(timer);
        resolve(value);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 10);
  });
}

async function connect(options = {}, serviceClient = service, clientOptions = {}) {
  const client = new WebPubSubClient(
    { getClientAccessUrl: async () => (await serviceClient.getClientAccessToken(options)).url },
    { autoReconnect: false, ...clientOptions },
  );
  const state = { connected: null, groupMessages: [], serverMessages: [], disconnected: [] };
  client.on("connected", (e) => (state.connected = e));
  client.on("group-message", (e) => state.groupMessages.push(e.message));
  client.on("server-message", (e) => state.serverMessages.push(e.message));
  client.on("disconnected", (e) => state.disconnected.push(e));
  clients.push(client);
  await client.start();
  await waitFor(() => state.connected, "the connected message");
  return { client, state };
}

const scenarios = {
  async clientConnects() {
    const token = await service.getClientAccessToken({ userId: "alice" });
    assert.match(token.url, /^ws:\/\/.*\/client\/hubs\//);
    const { state } = await connect({ userId: "alice" });
    assert.equal(state.connected.userId, "alice");
    assert.ok(state.connected.connectionId.length > 0);
  },
  async groupMessaging() {
    const roles = ["webpubsub.joinLeaveGroup.draw", "webpubsub.sendToGroup.draw"];
    const a = await connect({ userId: "alice", roles });
    const b = await connect({ userId: "bob", roles });
    const c = await connect({ userId: "carol", roles });
    await a.client.joinGroup("draw");
    await b.client.joinGroup("draw");
    await a.client.sendToGroup("draw", { shape: "line" }, "json");
    await a.client.sendToGroup("draw", "plain text", "text", { noEcho: true });
    await a.client.sendToGroup("draw", new Uint8Array([1, 2, 3]).buffer, "binary", { noEcho: true });
    await waitFor(() => b.state.groupMessages.length === 3, "bob's three group messages");
    assert.deepEqual(b.state.groupMessages[0].data, { shape: "line" });
    assert.equal(b.state.groupMessages[0].fromUserId, "alice");
    assert.equal(b.state.groupMessages[0].group, "draw");
    assert.equal(b.state.groupMessages[1].data, "plain text");
    assert.deepEqual([...new Uint8Array(b.state.groupMessages[2].data)], [1, 2, 3]);
    await waitFor(() => a.state.groupMessages.length === 1, "alice's echo of her json message");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(a.state.groupMessages.length, 1, "noEcho messages are not echoed");
    assert.equal(c.state.groupMessages.length, 0, "a non-member receives nothing");
    await b.client.leaveGroup("draw");
    await a.client.sendToGroup("draw", "after leave", "text");
    await waitFor(() => a.state.groupMessages.length === 2, "alice's echo");
    assert.equal(b.state.groupMessages.length, 3, "a client that left receives nothing more");
  },
  async serverSends() {
    const a = await connect({ userId: "alice" });
    const b = await connect({ userId: "bob" });
    await service.sendToAll({ to: "all" });
    await service.sendToUser("bob", "to bob", { contentType: "text/plain" });
    await service.sendToConnection(a.state.connected.connectionId, { to: "alice's connection" });
    await service.sendToAll({ to: "all but bob" }, { filter: undefined, excludedConnections: [b.state.connected.connectionId] });
    await waitFor(() => a.state.serverMessages.length === 3, "alice's three server messages");
    await waitFor(() => b.state.serverMessages.length === 2, "bob's two server messages");
    assert.deepEqual(a.state.serverMessages.map((m) => m.data), [{ to: "all" }, { to: "alice's connection" }, { to: "all but bob" }]);
    assert.deepEqual(b.state.serverMessages.map((m) => m.data), [{ to: "all" }, "to bob"]);
  },
  async groupManagement() {
    const a = await connect({ userId: "alice", groups: ["g1"] });
    assert.equal(await service.groupExists("g1"), true, "webpubsub.group claim joins the group");
    assert.equal(await service.groupExists("nobody-here"), false);
    assert.equal(await service.userExists("alice"), true);
    assert.equal(await service.connectionExists(a.state.connected.connectionId), true);
    await service.group("g2").addConnection(a.state.connected.connectionId);
    await service.group("g2").sendToAll("via rest", { contentType: "text/plain" });
    await waitFor(() => a.state.groupMessages.length === 1, "the REST group message");
    assert.equal(a.state.groupMessages[0].group, "g2");
    // The 1.2.0 SDK resolves listConnections() to the paged iterator of the generated client.
    const listed = [];
    for await (const member of await service.group("g2").listConnections()) listed.push(member);
    const b = await connect({ userId: "bob", groups: ["g2"] });
    const pages = [];
    for await (const member of await service.group("g2").listConnections({ maxPageSize: 1 })) pages.push(member);
    assert.deepEqual(listed.map((m) => [m.connectionId, m.userId]), [[a.state.connected.connectionId, "alice"]]);
    assert.deepEqual(
      pages.map((m) => m.userId).sort(),
      ["alice", "bob"],
      "both members, one page each, through nextLink",
    );
    await service.group("g2").removeConnection(a.state.connected.connectionId);
    await service.group("g2").removeConnection(b.state.connected.connectionId);
    assert.equal(await service.groupExists("g2"), false);
    await service.group("g3").addUser("alice");
    assert.equal(await service.groupExists("g3"), true);
    await service.removeUserFromAllGroups("alice");
    assert.equal(await service.groupExists("g3"), false);
  },
  async closeConnection() {
    const a = await connect({ userId: "alice" });
    const id = a.state.connected.connectionId;
    await service.closeConnection(id, { reason: "bye" });
    await waitFor(() => a.state.disconnected.length === 1, "the disconnected event");
    assert.equal(a.state.disconnected[0].connectionId, id);
    assert.equal(await service.connectionExists(id), false);
  },
  async forbiddenWithoutRole() {
    const a = await connect({ userId: "mallory" });
    await assert.rejects(a.client.joinGroup("draw"), (error) => {
      assert.equal(error.errorDetail?.name, "Forbidden");
      return true;
    });
    await assert.rejects(a.client.sendToGroup("draw", "x", "text"), (error) => error.errorDetail?.name === "Forbidden");
  },
  async wrongKeyRefused() {
    const wrongKey = connectionString.replace(/AccessKey=[^;]*/i, "AccessKey=" + "Z".repeat(44));
    const wrong = new WebPubSubServiceClient(wrongKey, hub, { allowInsecureConnection: true });
    await assert.rejects(wrong.sendToAll("x", { contentType: "text/plain" }), (error) => error.statusCode === 401);
    const client = new WebPubSubClient((await wrong.getClientAccessToken()).url, { autoReconnect: false });
    await assert.rejects(client.start());
  },
  async reliableRecovery() {
    // A TCP proxy stands in for the network, so the test can cut the client's socket without telling either side.
    const target = new URL(connectionString.match(/Endpoint=([^;]*)/i)[1]);
    const sockets = new Set();
    const proxy = net.createServer((downstream) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      downstream.pipe(upstream).pipe(downstream);
      for (const s of [downstream, upstream]) {
        sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => sockets.delete(s));
      }
    });
    await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
    const proxied = connectionString.replace(/Endpoint=[^;]*/i, `Endpoint=http://127.0.0.1:${proxy.address().port}`);
    const proxiedService = new WebPubSubServiceClient(proxied, hub, { allowInsecureConnection: true });
    const a = await connect({ userId: "alice", groups: ["room"] }, proxiedService);
    const connectionId = a.state.connected.connectionId;
    const sender = await connect({ userId: "sender", roles: ["webpubsub.sendToGroup.room"] });
    for (let i = 1; i <= 5; i++) await sender.client.sendToGroup("room", i, "json");
    await waitFor(() => a.state.groupMessages.length === 5, "messages before the drop");
    for (const s of sockets) s.destroy();
    for (let i = 6; i <= 15; i++) await sender.client.sendToGroup("room", i, "json");
    await waitFor(() => a.state.groupMessages.length >= 15, "messages sent while dropped", 15000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(a.state.groupMessages.map((m) => m.data), Array.from({ length: 15 }, (_, i) => i + 1), "every message exactly once, in order");
    assert.equal(a.state.disconnected.length, 0, "the connection was recovered, not replaced");
    assert.equal(await service.connectionExists(connectionId), true);
    proxy.close();
  },
  async refusedRecoveryCloses1008() {
    const { WebSocket } = await import("ws");
    const token = await service.getClientAccessToken();
    const url = `${token.url}&awps_connection_id=unknown&awps_reconnection_token=forged`;
    const ws = new WebSocket(url, "json.reliable.webpubsub.azure.v1");
    const code = await new Promise((resolve, reject) => {
      ws.on("close", (c) => resolve(c));
      ws.on("error", reject);
    });
    assert.equal(code, 1008);
  },
};

await runScenario(scenarios, async () => {
  for (const client of clients) client.stop();
});
