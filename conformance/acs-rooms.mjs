// Drives the ACS emulator's Rooms control plane with the unmodified @azure/communication-rooms 1.2.0 SDK
// (HMAC over http with allowInsecureConnection; shared/protocols/acs-chat-rooms.md §8).
// Usage: node acs-rooms.mjs <scenario>; env ACS_CONNECTION_STRING, ACS_WRONG_CONNECTION_STRING, ACS_ROOMS_PAGE_SIZE.
// Exits 0 when the scenario's assertions hold; prints the failure otherwise.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { RoomsClient } from "@azure/communication-rooms";
import { runScenario } from "./scenario.mjs";

const connectionString = process.env.ACS_CONNECTION_STRING;
const client = new RoomsClient(connectionString, { allowInsecureConnection: true });
const pageSize = Number(process.env.ACS_ROOMS_PAGE_SIZE);
const day = 24 * 3600_000;

// Rooms do not check that an identity exists, only its format (§8), so fresh raw ids do.
const user = () => ({ communicationUserId: `8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_${randomUUID()}` });

async function all(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

// Asserts that promise fails as the service does: RestError with status, error.code, and (optionally) a body detail.
async function refused(promise, status, code, bodyIncludes) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.statusCode, status, `status of ${error.message}`);
    assert.equal(error.code, code);
    assert.equal(error.response?.headers.get("x-ms-error-code"), code);
    if (bodyIncludes) assert.ok(error.response.bodyAsText.includes(bodyIncludes), `${error.response.bodyAsText} mentions '${bodyIncludes}'`);
    return true;
  });
}

const scenarios = {
  async createAndGet() {
    const before = Date.now();
    const room = await client.createRoom();
    assert.match(room.id, /^\d{17,18}$/);
    assert.ok(room.createdOn instanceof Date && room.validFrom instanceof Date && room.validUntil instanceof Date);
    assert.ok(Math.abs(room.validFrom.getTime() - before) < 10_000, "validFrom defaults to now");
    assert.ok(Math.abs(room.validUntil.getTime() - before - 180 * day) < 10_000, "validUntil defaults to now + 180 days");
    assert.equal(room.pstnDialOutEnabled, false);
    const fetched = await client.getRoom(room.id);
    assert.deepEqual(fetched, room);
  },
  async createWithEverything() {
    const validFrom = new Date(Date.now() + day);
    const validUntil = new Date(Date.now() + 30 * day);
    const [alice, bob] = [user(), user()];
    const room = await client.createRoom({
      validFrom,
      validUntil,
      pstnDialOutEnabled: true,
      participants: [{ id: alice, role: "Presenter" }, { id: bob, role: "Consumer" }],
    });
    assert.equal(room.validFrom.getTime(), validFrom.getTime());
    assert.equal(room.validUntil.getTime(), validUntil.getTime());
    assert.equal(room.pstnDialOutEnabled, true);
    const participants = await all(client.listParticipants(room.id));
    assert.deepEqual(
      participants.map((p) => [p.id.communicationUserId, p.id.kind, p.role]).sort(),
      [[alice.communicationUserId, "communicationUser", "Presenter"], [bob.communicationUserId, "communicationUser", "Consumer"]].sort(),
    );
  },
  async update() {
    const room = await client.createRoom();
    const validUntil = new Date(Date.now() + 7 * day);
    const updated = await client.updateRoom(room.id, { validUntil, pstnDialOutEnabled: true });
    assert.equal(updated.id, room.id);
    assert.equal(updated.validUntil.getTime(), validUntil.getTime());
    assert.equal(updated.validFrom.getTime(), room.validFrom.getTime(), "an absent field keeps its value (merge-patch)");
    assert.equal(updated.pstnDialOutEnabled, true);
    assert.deepEqual(await client.getRoom(room.id), updated);
    const unchanged = await client.updateRoom(room.id);
    assert.deepEqual(unchanged, updated, "an empty patch changes nothing");
  },
  async list() {
    const created = [];
    for (let i = 0; i < 2 * pageSize + 1; i++) created.push((await client.createRoom()).id);
    const listed = (await all(client.listRooms())).map((r) => r.id);
    for (const id of created) assert.ok(listed.includes(id), `room ${id} is listed`);
    assert.equal(new Set(listed).size, listed.length, "no room twice across pages");
    const pages = await all(client.listRooms().byPage());
    assert.ok(pages.length >= 3, `${pages.length} pages of ${pageSize} (nextLink followed)`);
    assert.ok(pages.every((page) => page.length <= pageSize));
    assert.ok(pages.at(-1).every((r) => r.createdOn instanceof Date));
  },
  async delete() {
    const room = await client.createRoom();
    await client.deleteRoom(room.id);
    await refused(client.getRoom(room.id), 404, "NotFound", "The server cannot find the requested resource.");
    await refused(client.updateRoom(room.id, { pstnDialOutEnabled: true }), 404, "NotFound");
    await client.deleteRoom(room.id);
  },
  async participants() {
    const room = await client.createRoom();
    const [alice, bob, carol] = [user(), user(), user()];
    await client.addOrUpdateParticipants(room.id, [{ id: alice, role: "Presenter" }, { id: bob }, { id: carol, role: "Collaborator" }]);
    const roles = async () => Object.fromEntries((await all(client.listParticipants(room.id))).map((p) => [p.id.communicationUserId, p.role]));
    assert.deepEqual(await roles(), {
      [alice.communicationUserId]: "Presenter",
      [bob.communicationUserId]: "Attendee",
      [carol.communicationUserId]: "Collaborator",
    });
    await client.addOrUpdateParticipants(room.id, [{ id: bob, role: "Consumer" }]);
    await client.removeParticipants(room.id, [carol]);
    assert.deepEqual(await roles(), { [alice.communicationUserId]: "Presenter", [bob.communicationUserId]: "Consumer" });
    await client.removeParticipants(room.id, [user()]);
    assert.equal(Object.keys(await roles()).length, 2, "removing a non-member is a no-op");
  },
  async participantPages() {
    const room = await client.createRoom({ participants: Array.from({ length: 2 * pageSize + 1 }, () => ({ id: user() })) });
    const pages = await all(client.listParticipants(room.id).byPage());
    assert.ok(pages.length >= 3 && pages.every((page) => page.length <= pageSize));
    assert.equal(pages.flat().length, 2 * pageSize + 1);
  },
  async badWindows() {
    const now = Date.now();
    await refused(client.createRoom({ validUntil: new Date(now + 181 * day) }), 400, "BadRequest", "The time range is incorrect, or larger than 180 days.");
    await refused(client.createRoom({ validUntil: new Date(now - day) }), 400, "BadRequest", "The time range end is in the past.");
    await refused(client.createRoom({ validFrom: new Date(now + 10 * day), validUntil: new Date(now + 5 * day) }), 400, "BadRequest", "The time range is incorrect");
    await refused(client.createRoom({ validFrom: new Date(now + 210 * day) }), 400, "BadRequest", "more than 180 days in the future");
    const room = await client.createRoom();
    await refused(client.updateRoom(room.id, { validUntil: new Date(now + 200 * day) }), 400, "BadRequest", "ValidUntil");
    assert.equal((await client.getRoom(room.id)).validUntil.getTime(), room.validUntil.getTime(), "a refused update changes nothing");
  },
  async badRequests() {
    await refused(client.getRoom("123"), 400, "BadRequest", "Invalid room ID length.");
    await refused(client.getRoom("invalid_id"), 400, "BadRequest", "Invalid room ID length.");
    await refused(client.getRoom("99999999999999999"), 404, "NotFound");
    // Unknown roles and non-ACS identifiers never leave this SDK (it checks both); Emulators.Tests/Emulators/AcsRoomsEmulatorTests.cs sends them raw.
  },
  async wrongKey() {
    const wrong = new RoomsClient(process.env.ACS_WRONG_CONNECTION_STRING, { allowInsecureConnection: true });
    await refused(wrong.createRoom(), 401, "Denied");
  },
};

await runScenario(scenarios);
