// The MCP server at /api/mcp as the unmodified @modelcontextprotocol/sdk client sees it (Streamable HTTP client
// transport, protocol negotiated by the SDKs), against the local stack. Usage: node mcp.mjs <scenario>; env BASE_URL
// (the local functions host), BOARD_ID (a private board of the owner with the viewer as its viewer), OWNER_COOKIE,
// VIEWER_COOKIE, STRANGER_COOKIE (dev sign-in cookies; or *_AUTH, an Authorization header value, when set), OWNER_ID.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { runScenario, waitFor } from "./scenario.mjs";

const { BASE_URL, BOARD_ID, OWNER_ID } = process.env;
const endpoint = new URL(`${BASE_URL}/api/mcp`);
const opened = [];

// The request headers that sign a user in: a bearer token when the scenario has one, else the dev sign-in cookie.
const credentials = (who) =>
  process.env[`${who}_AUTH`] ? { authorization: process.env[`${who}_AUTH`] } : { cookie: process.env[`${who}_COOKIE`] };

async function connect(who, name = `conformance-${who.toLowerCase()}`) {
  const client = new Client({ name, version: "1.2.3" });
  const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: credentials(who) } });
  await client.connect(transport);
  opened.push(client);
  return { client, transport };
}

const call = (client, name, args) => client.callTool({ name, arguments: args });
const json = (result) => {
  assert.ok(!result.isError, `tool error: ${result.content?.[0]?.text}`);
  return JSON.parse(result.content[0].text);
};
const refusal = (result) => {
  assert.equal(result.isError, true, `expected a tool error, got ${JSON.stringify(result.content)}`);
  return result.content[0].text;
};

const batch = [
  { kind: "rect", color: "#1e90ff", x: 10, y: 20, w: 100, h: 50, fill: "#ffffff" },
  { id: "label", kind: "text", color: "#000000", x: 20, y: 50, text: "Plan" },
  { kind: "polyline", color: "#ff0000", width: 3, points: [[0, 0], [30, 40], [60, 0]] },
];

const scenarios = {
  // Initialize, tools and their schemas, a batch added (and seen live with the agent's name), read back, one shape
  // removed and one moved, the SVG as a tool result and as a resource, the prompts, invalid arguments.
  async owner() {
    const { client, transport } = await connect("OWNER", "conformance-agent");
    assert.equal(client.getServerVersion()?.name, "collab");
    assert.equal(transport.protocolVersion, LATEST_PROTOCOL_VERSION, "the SDKs negotiate the latest version");
    assert.ok(transport.sessionId, "the server names the session, so clientInfo survives statelessly");
    assert.ok(client.getServerCapabilities()?.tools && client.getServerCapabilities()?.resources && client.getServerCapabilities()?.prompts);

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ["add_shapes", "export_svg", "get_board", "get_ops_since", "list_boards", "remove_shapes", "update_shapes"]);
    for (const tool of tools) {
      assert.ok(tool.description.length > 40, `${tool.name} is described`);
      assert.equal(tool.inputSchema.type, "object");
      assert.equal(tool.inputSchema.additionalProperties, false, `${tool.name} refuses unknown arguments`);
      for (const [name, property] of Object.entries(tool.inputSchema.properties ?? {})) {
        assert.ok(property.description, `${tool.name}.${name} is described`);
      }
    }
    const add = tools.find((t) => t.name === "add_shapes");
    assert.deepEqual(add.inputSchema.required, ["boardId", "idempotencyKey", "shapes"]);
    assert.deepEqual(add.inputSchema.properties.shapes.items.properties.kind.enum, ["polyline", "line", "rect", "ellipse", "circle", "text"]);
    assert.equal(add.inputSchema.properties.shapes.maxItems, 40);
    assert.equal(add.annotations.readOnlyHint, false);
    assert.equal(tools.find((t) => t.name === "get_board").annotations.readOnlyHint, true);

    const { boards } = json(await call(client, "list_boards", {}));
    assert.equal(boards.find((b) => b.boardId === BOARD_ID)?.role, "owner");

    // The board's live channel, as the web app hears it.
    const live = [];
    const negotiated = await (await fetch(`${BASE_URL}/api/boards/${BOARD_ID}/negotiate`, { method: "POST", headers: credentials("OWNER") })).json();
    const socket = new WebPubSubClient({ getClientAccessUrl: async () => negotiated.url });
    socket.on("group-message", (e) => {
      if (e.message.data?.name === "ops") live.push(...e.message.data.data.ops);
    });
    await socket.start();
    opened.push(socket);

    const key = randomUUID();
    const added = json(await call(client, "add_shapes", { boardId: BOARD_ID, idempotencyKey: key, shapes: batch }));
    const sentAt = Date.now();
    assert.equal(added.committed.length, 3);
    assert.deepEqual(added.refused, []);
    assert.ok(added.committed.every((c) => !c.duplicate));
    const seqs = added.committed.map((c) => c.seq);
    assert.deepEqual(seqs, [seqs[0], seqs[0] + 1, seqs[0] + 2], "committed in order, one seq each");
    assert.equal(added.committed[1].shapeId, "label");
    await waitFor(() => live.length >= 3, "the batch on the board's channel", 5000);
    assert.ok(Date.now() - sentAt < 1000, "broadcast within a second");
    for (const op of live.slice(0, 3)) {
      assert.equal(op.author, OWNER_ID);
      assert.equal(op.agent, "conformance-agent");
      assert.equal(op.op.type, "addShape");
    }

    // The same key again commits nothing: same seqs, marked duplicate.
    const again = json(await call(client, "add_shapes", { boardId: BOARD_ID, idempotencyKey: key, shapes: batch }));
    assert.deepEqual(again.committed.map((c) => c.seq), seqs);
    assert.ok(again.committed.every((c) => c.duplicate));
    const history = json(await call(client, "get_ops_since", { boardId: BOARD_ID, after: 0 }));
    assert.equal(history.ops.length, 3, "the repeated batch was committed once");
    assert.ok(history.ops.every((op) => op.agent === "conformance-agent" && op.author === OWNER_ID));
    assert.equal(history.more, false);
    const page = json(await call(client, "get_ops_since", { boardId: BOARD_ID, after: 0, limit: 2 }));
    assert.equal(page.ops.length, 2);
    assert.equal(page.more, true);

    let board = json(await call(client, "get_board", { boardId: BOARD_ID }));
    assert.equal(board.seq, seqs[2]);
    assert.equal(board.role, "owner");
    assert.equal(board.shapeCount, 3);
    const rect = board.shapes.find((s) => s.kind === "rect");
    assert.deepEqual(rect.bounds, { x: 10, y: 20, w: 100, h: 50 });
    assert.equal(board.shapes.find((s) => s.id === "label").text, "Plan");
    assert.ok(Array.isArray(board.people), "the people present are listed");
    assert.ok(board.people.some((p) => p.userId === OWNER_ID), "the owner's connection is present");

    json(await call(client, "remove_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), shapeIds: [rect.id] }));
    json(await call(client, "update_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), changes: [{ id: "label", x: 200, text: "Plan B" }] }));
    board = json(await call(client, "get_board", { boardId: BOARD_ID }));
    assert.equal(board.shapeCount, 2);
    assert.ok(!board.shapes.some((s) => s.id === rect.id), "the removed shape is gone");
    const label = board.shapes.find((s) => s.id === "label");
    assert.equal(label.text, "Plan B");
    assert.equal(label.bounds.x, 200);

    const svg = await call(client, "export_svg", { boardId: BOARD_ID });
    assert.ok(!svg.isError);
    assert.match(svg.content[0].text, /^<svg[\s\S]*Plan B[\s\S]*<\/svg>\s*$/);
    assert.equal(svg.content[1].resource.mimeType, "image/svg+xml");
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.ok(resourceTemplates.some((t) => t.uriTemplate === "collab://boards/{boardId}/board.svg"));
    const resource = await client.readResource({ uri: `collab://boards/${BOARD_ID}/board.svg` });
    assert.match(resource.contents[0].text, /Plan B/);

    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name).sort(), ["summarize_board", "tidy_board_layout"]);
    const prompt = await client.getPrompt({ name: "tidy_board_layout", arguments: { boardId: BOARD_ID } });
    assert.match(prompt.messages[0].content.text, /update_shapes/);

    // Invalid arguments are tool errors that say what is wrong, and nothing is stored.
    assert.match(refusal(await call(client, "add_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), shapes: [batch[0], { kind: "hexagon", color: "#000000" }] })), /item 1: .*kind 'hexagon'/);
    assert.match(refusal(await call(client, "add_shapes", { boardId: BOARD_ID, shapes: batch })), /idempotencyKey is required/);
    assert.match(refusal(await call(client, "get_board", { boardId: "no spaces allowed" })), /boardId/);
    assert.match(refusal(await call(client, "get_board", { boardId: BOARD_ID, colour: "red" })), /Unknown argument 'colour'/);
    assert.match(refusal(await call(client, "update_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), changes: [{ id: "nope", x: 1 }] })), /no shape 'nope'/);
    assert.equal(json(await call(client, "get_board", { boardId: BOARD_ID })).seq, board.seq, "refused calls stored nothing");
  },

  // A viewer reads, and its writes are refused naming why; nothing is stored.
  async viewer() {
    const { client } = await connect("VIEWER");
    const board = json(await call(client, "get_board", { boardId: BOARD_ID }));
    assert.equal(board.role, "viewer");
    const text = refusal(await call(client, "add_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), shapes: batch }));
    assert.match(text, /^forbidden: .*viewer/);
    assert.match(refusal(await call(client, "remove_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), shapeIds: ["label"] })), /viewer/);
    assert.equal(json(await call(client, "get_board", { boardId: BOARD_ID })).seq, board.seq, "nothing was stored");
  },

  // A stranger to the private board gets the answer a board that does not exist gets, from every tool and the resource.
  async stranger() {
    const { client } = await connect("STRANGER");
    const missing = `missing-${randomUUID()}`;
    const same = (text, id) => text.replaceAll(id, "{id}");
    for (const [tool, args] of [
      ["get_board", {}],
      ["export_svg", {}],
      ["get_ops_since", { after: 0 }],
      ["add_shapes", { idempotencyKey: randomUUID(), shapes: batch }],
      ["remove_shapes", { idempotencyKey: randomUUID(), shapeIds: ["label"] }],
    ]) {
      const hidden = refusal(await call(client, tool, { boardId: BOARD_ID, ...args }));
      const absent = refusal(await call(client, tool, { boardId: missing, ...args }));
      assert.match(hidden, /^board-not-found: /, tool);
      assert.equal(same(hidden, BOARD_ID), same(absent, missing), `${tool}: a private board reads as one that does not exist`);
      assert.ok(!hidden.includes("Plan"), "nothing of the board is revealed");
    }
    const { boards } = json(await call(client, "list_boards", {}));
    assert.ok(!boards.some((b) => b.boardId === BOARD_ID));
    await assert.rejects(client.readResource({ uri: `collab://boards/${BOARD_ID}/board.svg` }), /board-not-found/);
  },

  // The live path's operation rate: a full batch uses the burst, a second one at once is refused whole.
  async rate() {
    const { client } = await connect("OWNER");
    const many = (prefix) => Array.from({ length: 40 }, (_, i) => ({ id: `${prefix}${i}`, kind: "circle", color: "#00aa00", x: i * 10, y: 10, r: 4 }));
    assert.equal(json(await call(client, "add_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), shapes: many("a") })).committed.length, 40);
    const limited = await call(client, "add_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), shapes: many("b") });
    assert.match(refusal(limited), /^too-many-operations: /);
    assert.ok(limited.structuredContent.retryAfterSeconds >= 1, "says how long to wait");
    assert.equal(json(await call(client, "get_board", { boardId: BOARD_ID })).shapeCount, 40, "nothing of the refused batch was stored");
    assert.match(refusal(await call(client, "add_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), shapes: many("c").concat(many("d")) })), /shapes must be an array of 1 to 40 items/);
  },

  // Run with Boards:MaxShapes = 5: the size cap refuses the shapes beyond it, and the others commit.
  async full() {
    const { client } = await connect("OWNER");
    const seven = Array.from({ length: 7 }, (_, i) => ({ kind: "rect", color: "#123456", x: i * 20, y: 0, w: 10, h: 10 }));
    const result = json(await call(client, "add_shapes", { boardId: BOARD_ID, idempotencyKey: randomUUID(), shapes: seven }));
    assert.equal(result.committed.length, 5);
    assert.equal(result.refused.length, 2);
    assert.match(result.refused[0].reason, /maximum of 5 shapes/);
    assert.equal(json(await call(client, "get_board", { boardId: BOARD_ID })).shapeCount, 5);
  },

  // Without a principal: 401 with the challenge that names the protected-resource metadata; and a session id is
  // honoured only for the user it was issued to.
  async unauthenticated() {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "x", version: "1" } } });
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const response = await fetch(endpoint, { method: "POST", headers, body });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), `Bearer resource_metadata="${BASE_URL}/.well-known/oauth-protected-resource"`);
    const { transport } = await connect("OWNER");
    const stolen = await fetch(endpoint, {
      method: "POST",
      headers: { ...headers, ...credentials("VIEWER"), "mcp-session-id": transport.sessionId, "mcp-protocol-version": LATEST_PROTOCOL_VERSION },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    assert.equal(stolen.status, 404, "another user's session id is unknown");
    const get = await fetch(endpoint, { headers: { ...credentials("OWNER"), accept: "text/event-stream" } });
    assert.equal(get.status, 405, "stateless: no GET stream");
  },
};

await runScenario(scenarios, async () => {
  for (const client of opened) await (client.close?.() ?? client.stop());
});
