// Drives the ACS identity emulator with the unmodified @azure/communication-identity SDK.
// Usage: node acs-identity.mjs <scenario>; env ACS_CONNECTION_STRING, ACS_WRONG_CONNECTION_STRING.
// Exits 0 when the scenario's assertions hold; prints the failure otherwise.
import assert from "node:assert/strict";
import { CommunicationIdentityClient } from "@azure/communication-identity";
import { runScenario } from "./scenario.mjs";

const connectionString = process.env.ACS_CONNECTION_STRING;
const client = new CommunicationIdentityClient(connectionString, { allowInsecureConnection: true });
const resourceEndpoint = new URL(connectionString.match(/endpoint=([^;]*)/i)[1]);

function decodeJwt(token) {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

async function isTokenValid(token) {
  const response = await fetch(new URL("/emulator/tokens/:validate", resourceEndpoint), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  return response.json();
}

const scenarios = {
  async createUser() {
    const user = await client.createUser();
    assert.match(user.communicationUserId, /^8:acs:[0-9a-f-]{36}_[0-9a-f-]{36}$/);
    assert.equal(user.communicationUserId.split("_").length, 2, "exactly one underscore");
  },
  async createUserAndToken() {
    const before = Date.now();
    const result = await client.createUserAndToken(["chat", "voip"], { tokenExpiresInMinutes: 60 });
    const claims = decodeJwt(result.token);
    assert.equal(claims.acsScope, "chat,voip");
    assert.equal(claims.skypeid, result.user.communicationUserId.slice(2));
    assert.equal(claims.exp * 1000, result.expiresOn.getTime(), "expiresOn equals the JWT exp");
    assert.ok(Math.abs(result.expiresOn.getTime() - before - 3600_000) < 10_000);
  },
  async getToken() {
    const user = await client.createUser();
    const token = await client.getToken(user, ["chat"], { tokenExpiresInMinutes: 120 });
    const claims = decodeJwt(token.token);
    assert.equal(claims.acsScope, "chat");
    assert.equal(claims.exp - claims.iat, 7200);
    assert.equal(claims.exp * 1000, token.expiresOn.getTime());
    const defaultLifetime = await client.getToken(user, ["voip"]);
    const defaults = decodeJwt(defaultLifetime.token);
    assert.equal(defaults.exp - defaults.iat, 86400);
  },
  async revokeTokens() {
    const { user, token } = await client.createUserAndToken(["voip"]);
    assert.deepEqual(await isTokenValid(token), { valid: true, reason: null });
    await client.revokeTokens(user);
    assert.deepEqual(await isTokenValid(token), { valid: false, reason: "revoked" });
    const fresh = await client.getToken(user, ["voip"]);
    assert.equal((await isTokenValid(fresh.token)).valid, true, "tokens issued after a revocation are valid");
  },
  async deleteUser() {
    const user = await client.createUser();
    await client.deleteUser(user);
    await assert.rejects(client.getToken(user, ["chat"]), (error) => {
      assert.equal(error.statusCode, 401);
      assert.equal(error.code, "IdentityNotOwned");
      return true;
    });
    await assert.rejects(client.deleteUser(user), (error) => error.statusCode === 401 && error.code === "IdentityNotOwned");
  },
  async wrongKey() {
    const wrong = new CommunicationIdentityClient(process.env.ACS_WRONG_CONNECTION_STRING, { allowInsecureConnection: true });
    await assert.rejects(wrong.createUser(), (error) => {
      assert.equal(error.statusCode, 401);
      return true;
    });
  },
  async expiryOutOfRange() {
    const user = await client.createUser();
    await assert.rejects(client.getToken(user, ["chat"], { tokenExpiresInMinutes: 59 }), (error) => {
      assert.equal(error.statusCode, 400);
      assert.equal(error.code, "ValidationError");
      assert.match(error.message, /ExpiresInMinutes value 59 is invalid/);
      return true;
    });
    await assert.rejects(client.createUserAndToken(["chat"], { tokenExpiresInMinutes: 1441 }), (error) => error.statusCode === 400 && error.code === "ValidationError");
  },
  async emptyScopes() {
    const user = await client.createUser();
    await assert.rejects(client.getToken(user, []), (error) => error.statusCode === 400 && error.code === "ValidationError");
  },
};

await runScenario(scenarios);
