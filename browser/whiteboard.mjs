// Browser tests of the whiteboard web app in headless Debian chromium (playwright-core, no downloaded browser).
// Usage: node browser/whiteboard.mjs <scenario>; env BASE_URL (the local functions host), CHROMIUM (default
// /usr/bin/chromium), SCREENSHOTS (folder for screenshots of failed scenarios), ACS_CERT_SPKI (base64 SHA-256 of the
// ACS emulator's development certificate's public key, which chromium then trusts for the chat SDK's https calls),
// ACS_CONNECTION_STRING (the ACS emulator, for checking a room's participants with @azure/communication-rooms).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { RoomsClient } from "@azure/communication-rooms";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { chromium } from "playwright-core";
import { runScenario } from "../conformance/scenario.mjs";

const base = process.env.BASE_URL.replace(/\/$/, "");
// Only the emulator's own certificate is trusted, by its public key, not every certificate error.
const trust = process.env.ACS_CERT_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.ACS_CERT_SPKI}`] : [];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", ...trust] });
const pages = [];
// Every request a page makes to ACS's realtime signaling (shared/protocols/acs-chat-rooms.md §7): the app must make none.
const signaling = [];

async function signIn(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  pages.push(page);
  page.on("pageerror", (error) => console.error(`[${name}] page error: ${error.message}`));
  page.on("request", (request) => {
    if (/realTimeNotifications|trouter|registrar/i.test(request.url())) signaling.push(request.url());
  });
  // The web app's Content-Security-Policy must allow everything the app does: a violation fails the scenario.
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) {
      console.error(`[${name}] ${message.text().replace(/access_token=[^&'"\s]+/g, "access_token=…")}`);
      process.exitCode = 1;
    }
  });
  await page.goto(`${base}/`);
  await page.waitForURL(/\/\.auth\/login/);
  await page.fill("input[name=name]", name);
  await page.click("button[type=submit]");
  await page.waitForSelector("#landing:not([hidden])");
  return page;
}

async function createBoard(page, title, visibility = "public") {
  await page.fill("#create-form input[name=title]", title);
  await page.selectOption("#create-form select[name=visibility]", visibility);
  await page.click("#create-form button[type=submit]");
  await page.waitForFunction(() => location.hash.startsWith("#/board/"));
  await connected(page);
  return page.url();
}

async function open(page, url) {
  await page.goto(url);
  await connected(page);
}

const myId = async (page) => (await page.locator("#me").innerText()).split(" · ").pop();
const boardOf = (url) => new URL(url).hash.split("/").pop();

async function say(page, text) {
  await page.fill("#chat-input", text); // waits until the page has joined the board's chat (the form shows)
  await page.press("#chat-input", "Enter");
  await page.waitForFunction(() => document.getElementById("chat-input").value === "");
}

// The shapes as drawn, without who drew them: a reloaded page draws the board's state, which names no authors (only
// the ops a page receives do).
const drawn = (page) => page.locator("#shapes [data-shape-id]").evaluateAll((shapes) => shapes.map((shape) => {
  const copy = shape.cloneNode(true);
  copy.querySelector("title")?.remove();
  copy.removeAttribute("data-author-label");
  return copy.outerHTML;
}).join(""));

const connected = (page, timeout = 10000) => page.waitForSelector("#connection[data-state=connected]", { timeout });
const shapeCount = (page) => page.locator("#shapes [data-shape-id]").count();

async function stroke(page, from, to) {
  const box = await page.locator("#canvas").boundingBox();
  await page.mouse.move(box.x + from[0], box.y + from[1]);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) {
    await page.mouse.move(box.x + from[0] + ((to[0] - from[0]) * i) / 10, box.y + from[1] + ((to[1] - from[1]) * i) / 10);
  }
  await page.mouse.up();
}

const scenarios = {
  async drawPresenceChat() {
    const alice = await signIn("Alice");
    const url = await createBoard(alice, "Draw together");
    const bob = await signIn("Bob");
    await open(bob, url);

    await bob.waitForSelector("#presence li:has-text('Alice')");
    await alice.waitForSelector("#presence li:has-text('Bob')");
    await stroke(alice, [100, 100], [300, 200]);
    await bob.waitForSelector("#shapes polyline[data-shape-id]", { timeout: 1000 });

    await say(bob, "hello from bob");
    await alice.waitForSelector("#chat li[data-source=thread]:has-text('Bob: hello from bob')");
    assert.equal(await shapeCount(alice), 1);
    assert.deepEqual(signaling, [], "no ACS realtime signaling");
  },

  // Chat lives in the board's ACS chat thread: each page reads and writes it with @azure/communication-chat and its
  // own token (shared/protocols/acs-chat-rooms.md §3), and sees the other's messages live through the Function App's
  // relay on the board's server group, not ACS realtime signaling (§7); Carol, a viewer, reads it without an input.
  // When Alice removes Bob from the board, he is taken out of the thread (403 to his SDK calls, §6) and out of the
  // board's room (§8), where each has the role their board role gives them.
  async chatThroughThreadAndRemoval() {
    const bob = await signIn("Bob");
    const bobId = await myId(bob);
    const carol = await signIn("Carol");
    const carolId = await myId(carol);
    const alice = await signIn("Alice");
    await alice.fill("#create-form input[name=members]", `${bobId}, ${carolId}:viewer`);
    const url = await createBoard(alice, "Team chat", "private");
    const boardId = boardOf(url);
    await open(bob, url);
    await open(carol, url);

    await say(alice, "hello bob");
    await bob.waitForSelector("#chat li[data-source=thread]:has-text('Alice: hello bob')");
    await say(bob, "hi alice");
    await alice.waitForSelector("#chat li[data-source=thread]:has-text('Bob: hi alice')");
    await carol.waitForSelector("#chat li[data-source=thread]:has-text('Bob: hi alice')");
    assert.equal(await carol.locator("#chat-input").isVisible(), false, "a viewer reads the chat but gets no input");
    assert.equal(await carol.evaluate(() => window.collab.chat().canPost), false, "a viewer is not a participant of the thread");
    await carol.evaluate(() => window.collab.chat().loadHistory());
    await carol.waitForSelector("#chat li[data-source=thread]:has-text('Alice: hello bob')");
    assert.deepEqual(signaling, [], "no ACS realtime signaling");

    // The thread holds both messages (read again through the SDK); the board's log holds no chat.
    const thread = await bob.evaluate(async () => {
      const chat = window.collab.chat();
      await chat.loadHistory();
      return { acsUserId: chat.acsUserId, texts: chat.messages.map((m) => m.text) };
    });
    assert.deepEqual(thread.texts, ["hello bob", "hi alice"]);
    const board = await alice.evaluate(async (id) => (await fetch(`/api/boards/${id}`)).json(), boardId);
    assert.deepEqual(board.state.chat, [], "chat no longer goes through the board's log");

    // Both may join the board's room, each with the role the board gives them.
    for (const [page, role] of [[alice, "Presenter"], [bob, "Attendee"], [carol, "Consumer"]]) {
      await page.click("#call-join");
      await page.waitForSelector("#call-details:not([hidden])");
      assert.equal(await page.locator("#call-role").innerText(), role);
    }
    const roomId = await alice.locator("#call-room").innerText();
    assert.equal(await bob.locator("#call-room").innerText(), roomId, "one room per board");
    const aliceAcsId = await alice.evaluate(() => window.collab.chat().acsUserId);
    const carolAcsId = await carol.evaluate(async () => (await (await fetch("/api/acs/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ scopes: ["voip"] }),
    })).json()).acsUserId);
    const rooms = new RoomsClient(process.env.ACS_CONNECTION_STRING, { allowInsecureConnection: true });
    const participants = async () => {
      const ids = new Map();
      for await (const p of rooms.listParticipants(roomId)) ids.set(p.id.communicationUserId, p.role);
      return ids;
    };
    assert.equal((await participants()).get(thread.acsUserId), "Attendee");

    await alice.click("#members-panel summary");
    await alice.fill("#members-form input[name=members]", `${carolId}:viewer`);
    await alice.click("#members-form button[type=submit]");
    await alice.waitForSelector("#message:has-text('Members saved.')");

    // Bob's own chat SDK is refused once the Function App has removed him from the thread.
    const refused = await bob.evaluate(async () => {
      const chat = window.collab.chat();
      const deadline = Date.now() + 15000;
      for (;;) {
        try {
          await chat.loadHistory();
        } catch (error) {
          const send = await chat.send("still here?").then(() => "sent", (e) => e.statusCode);
          return { list: error.statusCode, send };
        }
        if (Date.now() > deadline) return { list: "still a participant after 15 s" };
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    assert.deepEqual(refused, { list: 403, send: 403 });

    // Nor can he join the room, and he is no longer one of its participants; Alice and Carol still are.
    assert.equal(await bob.evaluate(async (id) => (await fetch(`/api/boards/${id}/call`, { method: "POST" })).status, boardId), 403);
    await bob.click("#call-join");
    await bob.waitForSelector("#message:has-text('You cannot join the board')");
    const deadline = Date.now() + 15000;
    let ids = await participants();
    while (ids.has(thread.acsUserId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      ids = await participants();
    }
    assert.equal(ids.has(thread.acsUserId), false, "Bob is no longer a participant of the room");
    assert.equal(ids.get(aliceAcsId), "Presenter");
    assert.equal(ids.get(carolAcsId), "Consumer");
    await carol.evaluate(() => window.collab.chat().loadHistory()); // Carol stays in the thread
    assert.deepEqual(signaling, [], "no ACS realtime signaling");
  },

  async undoRedoAndReload() {
    const alice = await signIn("Alice");
    const url = await createBoard(alice, "Reload me");
    await stroke(alice, [50, 50], [250, 120]);
    await alice.click("[data-tool=rect]");
    await stroke(alice, [300, 300], [420, 380]);
    await alice.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 2);
    await alice.click("#undo");
    await alice.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 1);
    assert.equal(await alice.locator("#shapes rect").count(), 0, "undo removed the rectangle");
    await alice.click("#redo");
    await alice.waitForFunction(() => document.querySelectorAll("#shapes rect").length === 1);
    const before = await drawn(alice);
    assert.deepEqual(await alice.locator("#shapes [data-author-label]").evaluateAll((shapes) => shapes.map((s) => s.dataset.authorLabel)), ["Alice", "Alice"]);

    await alice.reload();
    await connected(alice);
    await alice.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 2);
    assert.equal(await drawn(alice), before);
    assert.equal(alice.url(), url);
  },

  async reconnectCatchesUp() {
    const alice = await signIn("Alice");
    const url = await createBoard(alice, "Flaky network");
    const bob = await signIn("Bob");
    await open(bob, url);
    await stroke(alice, [100, 100], [200, 100]);
    await bob.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 1);

    await bob.evaluate(() => window.collab.connection.drop(2500));
    await bob.waitForSelector("#connection:not([data-state=connected])");
    await stroke(alice, [100, 300], [300, 350]);
    await alice.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 2);
    assert.equal(await shapeCount(bob), 1, "bob is offline and has not seen the second stroke yet");

    await connected(bob, 15000);
    await bob.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 2, null, { timeout: 5000 });
    assert.equal(await bob.locator("#shapes").innerHTML(), await alice.locator("#shapes").innerHTML());
  },

  // The .NET test restarts the Web PubSub emulator once READY_FILE exists, commits one operation while it is down,
  // then creates GO_FILE.
  async emulatorRestart() {
    const alice = await signIn("Alice");
    const url = await createBoard(alice, "Emulator restart");
    const bob = await signIn("Bob");
    await open(bob, url);
    await stroke(alice, [100, 100], [200, 150]);
    await bob.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 1);
    const boardId = boardOf(url);
    writeFileSync(process.env.READY_FILE, boardId);

    await Promise.all([alice, bob].map((page) => page.waitForSelector("#connection:not([data-state=connected])", { timeout: 10000 })));
    while (!existsSync(process.env.GO_FILE)) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const page of [alice, bob]) {
      await connected(page, 20000);
      await page.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 2, null, { timeout: 10000 });
    }
    await stroke(bob, [100, 300], [300, 320]);
    await alice.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 3, null, { timeout: 5000 });
    assert.equal(await alice.locator("#shapes").innerHTML(), await bob.locator("#shapes").innerHTML(), "both views converge");
  },

  // An old board's log holds chat operations from before chat moved to the thread: they are still shown, before the
  // thread's messages. The .NET test commits one such operation once READY_FILE names the board, then creates GO_FILE.
  async oldLogChatShown() {
    const alice = await signIn("Alice");
    const url = await createBoard(alice, "Old chat");
    await say(alice, "in the thread");
    writeFileSync(process.env.READY_FILE, boardOf(url));
    while (!existsSync(process.env.GO_FILE)) await new Promise((resolve) => setTimeout(resolve, 50));

    await alice.reload();
    await connected(alice);
    await alice.waitForSelector("#chat li[data-source=log]:has-text('from the board log')");
    await alice.waitForSelector("#chat li[data-source=thread]:has-text('Alice: in the thread')");
    assert.deepEqual(await alice.locator("#chat li").evaluateAll((items) => items.map((li) => li.dataset.source)), ["log", "thread"]);
  },

  // A participant forges the server's messages: on the preview group (which it may send to) and on the server group
  // through a raw socket (which it may not). The victim's page must apply none of them and keep its seq in step.
  async forgedServerMessagesIgnored() {
    const alice = await signIn("Alice");
    const url = await createBoard(alice, "Forgery");
    await stroke(alice, [100, 100], [200, 150]);
    await alice.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 1);
    const mallory = await signIn("Mallory");
    await open(mallory, url);
    await alice.waitForFunction(() => document.querySelectorAll("#presence li").length === 2);
    await mallory.waitForFunction(() => window.collab.chat().ready);

    const acks = await mallory.evaluate(async () => {
      const { boardId, model, connection, chat } = window.collab;
      const seq = model().seq + 1;
      const at = new Date().toISOString();
      const fakeClear = { name: "ops", data: { ops: [{ seq, opId: "forged", author: "someone-else", at, op: { type: "clear" } }] } };
      const fakeChat = { name: "ops", data: { ops: [{ seq, opId: "forged-chat", author: "someone-else", at, op: { type: "chat", text: "FORGED" } }] } };
      const fakePresence = { name: "presence", data: { boardId, users: [{ userId: "ghost", name: "Ghost", connections: 1 }], count: 1 } };
      const fakeRelay = { name: "chat", data: { threadId: chat().threadId, messageId: "1", senderAcsId: "8:acs:ghost", senderName: "Ghost", text: "FORGED", type: "text", createdOn: at } };
      const badPreview = { kind: "preview", author: "someone-else", shape: { id: "p", kind: "rect", color: "red", width: 1, x: 0, y: 0, w: 1e9, h: 1 } };
      for (const data of [fakeClear, fakeChat, fakePresence, fakeRelay, badPreview]) connection.sendPreview(data);
      const { url: socketUrl } = await (await fetch(`/api/boards/${boardId}/negotiate`, { method: "POST" })).json();
      const socket = new WebSocket(socketUrl, "json.webpubsub.azure.v1");
      await new Promise((resolve) => socket.addEventListener("open", resolve));
      const received = [];
      socket.addEventListener("message", (e) => {
        const message = JSON.parse(e.data);
        if (message.type === "ack") received.push(message);
      });
      socket.send(JSON.stringify({ type: "sendToGroup", group: `board.${boardId}`, dataType: "json", data: fakeClear, ackId: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 500));
      socket.close();
      return received;
    });

    assert.equal(acks[0]?.success, false, "the server group refuses a client's message");
    assert.equal(acks[0]?.error?.name, "Forbidden");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await shapeCount(alice), 1, "no forged clear");
    assert.ok(!(await alice.locator("#chat").innerText()).includes("FORGED"), "no forged chat line");
    assert.ok(!(await alice.locator("#presence").innerText()).includes("Ghost"), "no forged person");
    assert.equal(await alice.locator("#previews > *").count(), 0, "no invalid or misattributed preview");
    // The real stream is intact: the next committed op arrives and applies.
    await stroke(mallory, [300, 300], [400, 350]);
    await alice.waitForFunction(() => document.querySelectorAll("#shapes [data-shape-id]").length === 2, null, { timeout: 5000 });
  },

  async myBoardsAndDelete() {
    const bob = await signIn("Bob");
    const bobId = await myId(bob);
    const alice = await signIn("Alice");
    await alice.fill("#create-form input[name=members]", bobId);
    const url = await createBoard(alice, "Doomed plan", "private");
    const boardId = boardOf(url);
    await bob.reload();
    const bobsRow = bob.locator(`#my-boards li[data-board-id="${boardId}"]`);
    await bobsRow.waitFor();
    assert.equal(await bobsRow.locator(".role").innerText(), "editor");
    assert.equal(await bobsRow.locator("button.delete").count(), 0, "only the owner is offered delete");
    await bobsRow.locator("a").click();
    await connected(bob);

    await alice.click(".brand");
    const alicesRow = alice.locator(`#my-boards li[data-board-id="${boardId}"]`);
    await alicesRow.waitFor();
    assert.equal(await alicesRow.locator("a").innerText(), "Doomed plan");
    assert.equal(await alicesRow.locator(".role").innerText(), "owner");
    const asked = new Promise((resolve) => alice.once("dialog", (dialog) => dialog.dismiss().then(() => resolve(dialog.message()))));
    await alicesRow.locator("button.delete").click();
    assert.match(await asked, /Delete "Doomed plan"\?/);
    assert.equal(await alicesRow.count(), 1, "a dismissed confirm deletes nothing");
    alice.once("dialog", (dialog) => dialog.accept());
    await alicesRow.locator("button.delete").click();
    await alicesRow.waitFor({ state: "detached" });

    // Bob was on the board: his connection is closed, and the app takes him back to his (now empty) list.
    await bob.waitForSelector("#message:has-text('deleted by its owner')", { timeout: 15000 });
    await bob.waitForSelector("#landing:not([hidden])");
    assert.equal(await bob.locator("#board-view").isHidden(), true);
    await bob.waitForSelector("#my-boards-empty:not([hidden])");
  },

  // A page sending far more operations at once than its connection may (the .NET test sets EventHandler:OperationBurst
  // to 5 and OperationsPerSecond to 1) is told why the rest were not saved.
  async tooManyChangesShown() {
    const alice = await signIn("Alice");
    await createBoard(alice, "Busy");
    await alice.evaluate(() => { for (let i = 0; i < 150; i++) document.getElementById("clear").click(); });
    await alice.waitForSelector("#message:not([hidden])", { timeout: 15000 });
    assert.match(await alice.textContent("#message"), /Not saved \(too many changes at once; wait a moment and try again\)/);
  },

  // An AI agent on Alice's behalf: her page's "Connect an AI agent" gives a token (POST /.auth/agent-token) and a
  // client configuration; the unmodified MCP SDK client, configured with exactly that, calls add_shapes on /api/mcp
  // (the local host maps the bearer token to Alice's principal, as Easy Auth does on Azure). Bob's page, and hers,
  // show the shape within a second, labelled "Alice's assistant (browser-agent)" (the agent name is the client's
  // clientInfo.name, the op's log entry's `agent`).
  async agentDrawsLive() {
    const alice = await signIn("Alice");
    const url = await createBoard(alice, "Agent canvas");
    const bob = await signIn("Bob");
    await open(bob, url);
    await bob.waitForSelector("#presence li:has-text('Alice')");
    await alice.waitForSelector("#presence li:has-text('Bob')");

    await alice.click("#agent-panel summary");
    await alice.click("#agent-token");
    await alice.waitForSelector("#agent-details:not([hidden])");
    const config = JSON.parse(await alice.locator("#agent-config").innerText());
    const server = config.mcpServers.collab;
    assert.equal(server.url, `${base}/api/mcp`);
    assert.match(server.headers.Authorization, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const expiresOn = Date.parse(await alice.locator("#agent-expiry").getAttribute("datetime"));
    assert.ok(expiresOn > Date.now() && expiresOn <= Date.now() + 12 * 3600 * 1000 + 60000, "valid for at most 12 hours");

    const agent = new Client({ name: "browser-agent", version: "1.0.0" });
    await agent.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } }));
    try {
      const result = await agent.callTool({
        name: "add_shapes",
        arguments: { boardId: boardOf(url), idempotencyKey: "browser-agent-1", shapes: [{ id: "agent-rect", kind: "rect", color: "#ff8800", x: 80, y: 90, w: 240, h: 120 }] },
      });
      assert.ok(!result.isError, `add_shapes: ${result.content?.[0]?.text}`);
      const shapes = [bob, alice].map((page) => page.locator('#shapes rect[data-shape-id="agent-rect"]'));
      await Promise.all(shapes.map((shape) => shape.waitFor({ timeout: 1000 })));
      const label = "Alice's assistant (browser-agent)";
      for (const shape of shapes) {
        assert.equal(await shape.getAttribute("data-author-label"), label);
        assert.equal(await shape.locator("title").textContent(), label, "the tooltip names the assistant");
      }
    } finally {
      await agent.close();
    }

    // A person's own stroke is labelled with their name only.
    await stroke(bob, [400, 300], [500, 350]);
    await alice.waitForSelector("#shapes polyline[data-author-label='Bob']");
  },

  async privateBoardRefused() {
    const alice = await signIn("Alice");
    const url = await createBoard(alice, "Secret plan", "private");
    const mallory = await signIn("Mallory");
    await mallory.goto(url);
    const message = mallory.locator("#message");
    await message.waitFor({ state: "visible" });
    assert.match(await message.innerText(), /cannot open this board.*only its owner and members/i);
    assert.equal(await mallory.locator("#board-view").isHidden(), true);
  },
};

const name = process.argv[2];
await runScenario(scenarios, async () => {
  if (process.exitCode) {
    const folder = process.env.SCREENSHOTS ?? "artifacts/screenshots";
    mkdirSync(folder, { recursive: true });
    for (const [i, page] of pages.entries()) {
      const file = path.join(folder, `${name}-${i}.png`);
      await page.screenshot({ path: file, fullPage: true }).then(() => console.error(`screenshot: ${file}`), () => {});
    }
  }
  await browser.close();
});
