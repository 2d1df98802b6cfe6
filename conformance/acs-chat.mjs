// Drives the ACS emulator's chat data plane with the unmodified @azure/communication-chat 1.6.0 over HTTPS
// (shared/protocols/acs-chat-rooms.md §3–§6); users and tokens come from @azure/communication-identity over http.
// The emulator's development certificate is trusted only through NODE_EXTRA_CA_CERTS, as for the local stack.
// Usage: node acs-chat.mjs <scenario>; env ACS_CONNECTION_STRING (http, HMAC), ACS_HTTPS_ENDPOINT (https://localhost:<port>/).
// Exits 0 when the scenario's assertions hold; prints the failure otherwise.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ChatClient } from "@azure/communication-chat";
import { AzureCommunicationTokenCredential } from "@azure/communication-common";
import { CommunicationIdentityClient } from "@azure/communication-identity";
import { runScenario } from "./scenario.mjs";

const identity = new CommunicationIdentityClient(process.env.ACS_CONNECTION_STRING, { allowInsecureConnection: true });
const endpoint = process.env.ACS_HTTPS_ENDPOINT;
assert.match(endpoint, /^https:\/\//, "the chat SDK needs the https endpoint");

async function newUser(name, scopes = ["chat"]) {
  const { user, token } = await identity.createUserAndToken(scopes);
  return { name, user, token, chat: new ChatClient(endpoint, new AzureCommunicationTokenCredential(token)) };
}

async function newThread(owner, others = [], topic = "Lunch") {
  const participants = [owner, ...others].map((u) => ({ id: u.user, displayName: u.name }));
  const result = await owner.chat.createChatThread({ topic }, { participants });
  assert.deepEqual(result.invalidParticipants, undefined);
  return result.chatThread.id;
}

async function all(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function rejectsWith(status, code) {
  return (error) => {
    assert.equal(error.statusCode, status, `expected ${status}, got ${error.statusCode}: ${error.message}`);
    if (code) assert.equal(error.code, code);
    return true;
  };
}

const scenarios = {
  async thread() {
    const alice = await newUser("Alice");
    const bob = await newUser("Bob");
    const idempotencyToken = randomUUID();
    const request = [{ topic: "Lunch" }, { participants: [{ id: alice.user, displayName: "Alice" }, { id: bob.user, displayName: "Bob" }], idempotencyToken }];
    const created = await alice.chat.createChatThread(...request);
    assert.match(created.chatThread.id, /^19:[0-9a-f]{32}@thread\.v2$/);
    assert.equal(created.chatThread.topic, "Lunch");
    assert.deepEqual(created.chatThread.createdBy, { kind: "communicationUser", communicationUserId: alice.user.communicationUserId });
    assert.ok(created.chatThread.createdOn instanceof Date);
    const replay = await alice.chat.createChatThread(...request);
    assert.equal(replay.chatThread.id, created.chatThread.id, "a repeated repeatability-request-id creates the thread once (§3)");

    const thread = bob.chat.getChatThreadClient(created.chatThread.id);
    const properties = await thread.getProperties();
    assert.equal(properties.id, created.chatThread.id);
    assert.equal(properties.topic, "Lunch");

    await thread.updateTopic("Dinner");
    assert.equal((await thread.getProperties()).topic, "Dinner");
    const system = (await all(thread.listMessages())).filter((m) => m.type !== "text");
    assert.deepEqual(system.map((m) => [m.type, m.sequenceId]), [["topicUpdated", "3"], ["topicUpdated", "2"], ["participantAdded", "1"]], "§5: creation writes participantAdded then topicUpdated");
    assert.equal(system[0].content.topic, "Dinner");
    assert.deepEqual(system[0].content.initiator, { kind: "communicationUser", communicationUserId: bob.user.communicationUserId });
    assert.deepEqual(system[2].content.participants.map((p) => p.displayName), ["Alice", "Bob"]);

    await alice.chat.deleteChatThread(created.chatThread.id);
    await assert.rejects(thread.getProperties(), rejectsWith(404));
  },

  async properties() {
    const alice = await newUser("Alice");
    const created = await alice.chat.createChatThread({ topic: "Kept" }, {
      metadata: { board: "b1" },
      retentionPolicy: { kind: "threadCreationDate", deleteThreadAfterDays: 40 },
    });
    const thread = alice.chat.getChatThreadClient(created.chatThread.id);
    let properties = await thread.getProperties();
    assert.deepEqual(properties.metadata, { board: "b1" });
    assert.deepEqual(properties.retentionPolicy, { kind: "threadCreationDate", deleteThreadAfterDays: 40 });

    await thread.updateProperties({ metadata: { board: "b2" }, retentionPolicy: { kind: "none" } });
    properties = await thread.getProperties();
    assert.equal(properties.topic, "Kept", "a PATCH without topic keeps it (merge-patch)");
    assert.deepEqual(properties.metadata, { board: "b2" });
    assert.deepEqual(properties.retentionPolicy, { kind: "none" });

    await assert.rejects(thread.updateProperties({ retentionPolicy: { kind: "threadCreationDate", deleteThreadAfterDays: 7 } }), rejectsWith(400), "retention is 30–90 days (§5)");
    const { id } = await thread.sendMessage({ content: "tagged" }, { metadata: { kind: "note" } });
    assert.deepEqual((await thread.getMessage(id)).metadata, { kind: "note" });
  },

  async participants() {
    const alice = await newUser("Alice");
    const bob = await newUser("Bob");
    const carol = await newUser("Carol");
    const threadId = await newThread(alice);
    const thread = alice.chat.getChatThreadClient(threadId);
    const added = await thread.addParticipants({ participants: [{ id: bob.user, displayName: "Bob" }, { id: carol.user }] });
    assert.deepEqual(added.invalidParticipants, undefined);

    const pages = [];
    for await (const page of thread.listParticipants({ maxPageSize: 2 }).byPage()) pages.push(page);
    assert.deepEqual(pages.map((p) => p.length), [2, 1], "paged through nextLink (rule 4)");
    const everyone = pages.flat();
    assert.deepEqual(everyone.map((p) => p.id.communicationUserId), [alice, bob, carol].map((u) => u.user.communicationUserId));
    assert.equal(everyone[0].displayName, "Alice");
    assert.equal(everyone[2].displayName, undefined, "no displayName when none was given (§5)");
    assert.equal(everyone[2].shareHistoryTime.toISOString(), "1970-01-01T00:00:00.000Z");

    const unknown = await thread.addParticipants({ participants: [{ id: { communicationUserId: "8:acs:00000000-0000-0000-0000-000000000000_nobody" } }] });
    assert.equal(unknown.invalidParticipants.length, 1);
    assert.equal(unknown.invalidParticipants[0].target, "8:acs:00000000-0000-0000-0000-000000000000_nobody");

    await thread.removeParticipant(bob.user);
    assert.deepEqual((await all(thread.listParticipants())).map((p) => p.id.communicationUserId), [alice, carol].map((u) => u.user.communicationUserId));
    const removed = (await all(thread.listMessages())).find((m) => m.type === "participantRemoved");
    assert.equal(removed.content.participants[0].id.communicationUserId, bob.user.communicationUserId);

    const bobsView = bob.chat.getChatThreadClient(threadId);
    await assert.rejects(all(bobsView.listMessages()), rejectsWith(403, "Forbidden"), "a removed participant can no longer read the thread");
    await assert.rejects(bobsView.sendMessage({ content: "still here?" }), rejectsWith(403));
  },

  async messages() {
    const alice = await newUser("Alice");
    const bob = await newUser("Bob");
    const threadId = await newThread(alice, [bob]);
    const thread = alice.chat.getChatThreadClient(threadId);
    const ids = [];
    for (let i = 1; i <= 5; i++) ids.push((await thread.sendMessage({ content: `hello ${i}` }, { senderDisplayName: "Alice" })).id);
    const html = await thread.sendMessage({ content: "<b>bold</b><script>alert(1)</script>" }, { type: "html" });

    const message = await thread.getMessage(ids[0]);
    assert.equal(message.type, "text");
    assert.equal(message.content.message, "hello 1");
    assert.equal(message.senderDisplayName, "Alice");
    assert.deepEqual(message.sender, { kind: "communicationUser", communicationUserId: alice.user.communicationUserId });
    assert.equal(message.version, message.id);
    assert.equal((await thread.getMessage(html.id)).content.message, "<b>bold</b>", "html is sanitised (§3)");

    const pages = [];
    for await (const page of thread.listMessages({ maxPageSize: 2 }).byPage()) pages.push(page);
    assert.ok(pages.length >= 4, `several pages, got ${pages.length}`);
    const listed = pages.flat();
    assert.deepEqual(listed.filter((m) => m.type === "text").map((m) => m.content.message), ["hello 5", "hello 4", "hello 3", "hello 2", "hello 1"], "newest first (§5)");
    const sequence = listed.map((m) => Number(m.sequenceId));
    assert.deepEqual(sequence, [...sequence].sort((a, b) => b - a));

    const since = new Date(Date.now() - 60_000);
    assert.ok((await all(thread.listMessages({ startTime: since }))).length >= 6);

    await thread.updateMessage(ids[1], { content: "edited" });
    const edited = await thread.getMessage(ids[1]);
    assert.equal(edited.content.message, "edited");
    assert.ok(edited.editedOn instanceof Date);
    assert.notEqual(edited.version, edited.id);

    const bobsView = bob.chat.getChatThreadClient(threadId);
    await assert.rejects(bobsView.updateMessage(ids[2], { content: "not yours" }), rejectsWith(403), "only the sender edits (§5)");
    await assert.rejects(bobsView.deleteMessage(ids[2]), rejectsWith(403), "only the sender deletes (§5)");

    await thread.deleteMessage(ids[2]);
    const deleted = await thread.getMessage(ids[2]);
    assert.ok(deleted.deletedOn instanceof Date);
    await assert.rejects(thread.getMessage("1"), rejectsWith(404));
  },

  async readReceipts() {
    const alice = await newUser("Alice");
    const bob = await newUser("Bob");
    const threadId = await newThread(alice, [bob]);
    const { id } = await alice.chat.getChatThreadClient(threadId).sendMessage({ content: "read me" });
    const bobsView = bob.chat.getChatThreadClient(threadId);
    await bobsView.sendReadReceipt({ chatMessageId: id });
    const receipts = await all(alice.chat.getChatThreadClient(threadId).listReadReceipts());
    assert.equal(receipts.length, 1);
    assert.equal(receipts[0].chatMessageId, id);
    assert.deepEqual(receipts[0].sender, { kind: "communicationUser", communicationUserId: bob.user.communicationUserId });
    assert.ok(receipts[0].readOn instanceof Date);
  },

  async typing() {
    const alice = await newUser("Alice");
    const threadId = await newThread(alice);
    assert.equal(await alice.chat.getChatThreadClient(threadId).sendTypingNotification({ senderDisplayName: "Alice" }), true);
  },

  async listThreads() {
    const alice = await newUser("Alice");
    const first = await newThread(alice, [], "First");
    const second = await newThread(alice, [], "Second");
    const pages = [];
    for await (const page of alice.chat.listChatThreads({ maxPageSize: 1 }).byPage()) pages.push(page);
    assert.deepEqual(pages.map((p) => p.length), [1, 1]);
    assert.deepEqual(new Set(pages.flat().map((t) => t.id)), new Set([first, second]));
    assert.ok(pages.flat().every((t) => t.topic === "First" || t.topic === "Second"));
  },

  async shareHistory() {
    const alice = await newUser("Alice");
    const dave = await newUser("Dave");
    const threadId = await newThread(alice);
    const thread = alice.chat.getChatThreadClient(threadId);
    const before = await thread.sendMessage({ content: "before Dave" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await thread.addParticipants({ participants: [{ id: dave.user, displayName: "Dave", shareHistoryTime: new Date() }] });
    await thread.sendMessage({ content: "after Dave" });
    const davesView = dave.chat.getChatThreadClient(threadId);
    const seen = (await all(davesView.listMessages())).filter((m) => m.type === "text").map((m) => m.content.message);
    assert.deepEqual(seen, ["after Dave"], "a participant sees messages from their shareHistoryTime on");
    await assert.rejects(davesView.getMessage(before.id), rejectsWith(404));
  },

  async nonParticipant() {
    const alice = await newUser("Alice");
    const mallory = await newUser("Mallory");
    const threadId = await newThread(alice);
    const view = mallory.chat.getChatThreadClient(threadId);
    await assert.rejects(view.getProperties(), rejectsWith(403, "Forbidden"));
    await assert.rejects(view.sendMessage({ content: "let me in" }), rejectsWith(403, "Forbidden"));
    await assert.rejects(view.addParticipants({ participants: [{ id: mallory.user }] }), rejectsWith(403));
    assert.deepEqual(await all(mallory.chat.listChatThreads()), []);
  },

  async revokedToken() {
    const alice = await newUser("Alice");
    const threadId = await newThread(alice);
    await identity.revokeTokens(alice.user);
    await assert.rejects(alice.chat.getChatThreadClient(threadId).getProperties(), rejectsWith(401, "Unauthorized"));
    await assert.rejects(alice.chat.createChatThread({ topic: "again" }), rejectsWith(401));
  },

  async scopes() {
    const voipOnly = await newUser("Victor", ["voip"]);
    await assert.rejects(voipOnly.chat.createChatThread({ topic: "no chat scope" }), rejectsWith(401, "Unauthorized"));
    const joiner = await newUser("Joan", ["chat.join"]);
    await assert.rejects(joiner.chat.createChatThread({ topic: "join only" }), rejectsWith(403), "chat.join cannot create threads (acs-identity.md §5)");
  },
};

await runScenario(scenarios);
