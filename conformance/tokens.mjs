// Referees our token endpoints with the official SDKs, unmodified: the negotiate URL must work with
// @azure/web-pubsub-client against the Web PubSub emulator and carry the claims @azure/web-pubsub would write,
// and the Fluid token must carry exactly the claims of @fluidframework/azure-service-utils generateToken.
// Usage: node tokens.mjs <scenario>; inputs in environment variables named by each scenario.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { WebPubSubServiceClient } from "@azure/web-pubsub";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { generateToken } from "@fluidframework/azure-service-utils";
import { runScenario } from "./scenario.mjs";

const env = process.env;
const clients = [];

function decode(token) {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")),
  };
}

function assertHs256(token, key) {
  const [header, payload, signature] = token.split(".");
  const expected = crypto.createHmac("sha256", Buffer.from(key, "utf8")).update(`${header}.${payload}`).digest("base64url");
  assert.equal(signature, expected, "HS256 over the UTF-8 key");
}

function withoutTimes(claims) {
  const { iat, exp, jti, ...rest } = claims;
  return rest;
}

async function waitFor(predicate, what, timeoutMs = 5000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const scenarios = {
  // env NEGOTIATE_URL, BOARD_ID, USER_ID, USER_NAME, WPS_CONNECTION_STRING, WPS_HUB
  async negotiateUrl() {
    const url = env.NEGOTIATE_URL;
    const serverGroup = `board.${env.BOARD_ID}`;
    const previewGroup = `preview.${env.BOARD_ID}`;
    const token = new URL(url).searchParams.get("access_token");
    assertHs256(token, env.WPS_CONNECTION_STRING.match(/AccessKey=([^;]*)/i)[1]);

    // An owner's or editor's URL: both groups joined at connect, and the only right is sending previews.
    const service = new WebPubSubServiceClient(env.WPS_CONNECTION_STRING, env.WPS_HUB, { allowInsecureConnection: true });
    const reference = await service.getClientAccessToken({
      userId: env.USER_ID,
      roles: [`webpubsub.sendToGroup.${previewGroup}`],
      groups: [serverGroup, previewGroup],
    });
    assert.equal(new URL(reference.url).origin + new URL(reference.url).pathname, new URL(url).origin + new URL(url).pathname);
    const { name, ...ours } = withoutTimes(decode(token).payload);
    assert.equal(name, env.USER_NAME, "the display name travels to the connect event as a custom claim");
    assert.deepEqual(ours, withoutTimes(decode(reference.token).payload));

    const client = new WebPubSubClient({ getClientAccessUrl: async () => url }, { autoReconnect: false });
    clients.push(client);
    let connected = null;
    const received = [];
    client.on("connected", (e) => (connected = e));
    client.on("group-message", (e) => received.push(e.message));
    await client.start();
    await waitFor(() => connected, "the connected message");
    assert.equal(connected.userId, env.USER_ID);

    await client.sendToGroup(previewGroup, { kind: "preview" }, "json");
    await waitFor(() => received.length > 0, "our own preview");
    assert.equal(received[0].group, previewGroup);
    assert.deepEqual(received[0].data, { kind: "preview" });

    // The server's group is the server's: a client can neither send to it nor leave and rejoin groups at will.
    const forbidden = (error) => error.errorDetail?.name === "Forbidden";
    await assert.rejects(client.sendToGroup(serverGroup, { name: "ops", data: { ops: [{ seq: 999 }] } }, "json"), forbidden);
    await assert.rejects(client.leaveGroup(serverGroup), forbidden);
    const other = "preview.someone-elses-board";
    await assert.rejects(client.joinGroup(other), forbidden);
    await assert.rejects(client.sendToGroup(other, "x", "text"), forbidden);
  },

  // env FLUID_TOKEN, FLUID_KEY, TENANT_ID, DOCUMENT_ID (empty on create), USER_ID, USER_NAME, SCOPES (comma-separated),
  // ADDITIONAL_DETAILS (JSON or empty)
  async fluidToken() {
    const ours = env.FLUID_TOKEN;
    assertHs256(ours, env.FLUID_KEY);
    const user = { id: env.USER_ID, name: env.USER_NAME };
    if (env.ADDITIONAL_DETAILS) user.additionalDetails = JSON.parse(env.ADDITIONAL_DETAILS);
    const reference = generateToken(env.TENANT_ID, env.FLUID_KEY, env.SCOPES.split(","), env.DOCUMENT_ID || undefined, user);

    const mine = decode(ours);
    const theirs = decode(reference);
    assert.deepEqual(mine.header, theirs.header);
    assert.deepEqual(withoutTimes(mine.payload), withoutTimes(theirs.payload));
    assert.deepEqual(Object.keys(mine.payload), Object.keys(theirs.payload), "same claims in the same order");
    assert.ok(mine.payload.exp - mine.payload.iat <= 3600 && mine.payload.exp > mine.payload.iat, "lifetime at most an hour");
    assert.ok(Math.abs(mine.payload.iat - Date.now() / 1000) < 60, "iat is now");
    assert.match(mine.payload.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  },
};

await runScenario(scenarios, async () => {
  for (const client of clients) client.stop();
});
