// A tiny Event Grid webhook that checks the ACS emulator's event delivery with the unmodified @azure/eventgrid 5.12.0
// (shared/protocols/acs-chat-rooms.md §11–§13): it passes the handshake of each schema, refuses to see a delivery
// before it, and parses every delivery with EventGridDeserializer and isSystemEvent.
// Usage: node acs-events.mjs all; env EVENTS_PORT (listen on 127.0.0.1), EVENTS_SECRET (expected ?secret= on /eg),
// EVENTS_TYPES (comma-separated types expected on /eg, Event Grid schema, and /ce, CloudEvents 1.0), EVENTS_TOPIC.
// Exits 0 once every type arrived once per schema, parsed and checked; prints the failure otherwise.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { EventGridDeserializer, isSystemEvent } from "@azure/eventgrid";
import { runScenario, waitFor } from "./scenario.mjs";

const port = Number(process.env.EVENTS_PORT);
const secret = process.env.EVENTS_SECRET;
const topic = process.env.EVENTS_TOPIC;
const expected = process.env.EVENTS_TYPES.split(",");
const deserializer = new EventGridDeserializer();
const state = { eg: { validated: false, types: [] }, ce: { validated: false, types: [] } };
let failure = null;

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function eventGrid(request, response, url) {
  assert.equal(request.method, "POST");
  assert.equal(url.searchParams.get("secret"), secret, "the subscription's query reaches the webhook");
  assert.equal(request.headers["content-type"], "application/json; charset=utf-8");
  assert.equal(request.headers["aeg-metadata-version"], "1");
  const events = await deserializer.deserializeEventGridEvents(JSON.parse(await readBody(request)));
  assert.equal(events.length, 1);
  const [event] = events;
  assert.equal(event.topic, topic);
  assert.ok(event.eventTime instanceof Date, "eventTime parses to a Date");
  if (request.headers["aeg-event-type"] === "SubscriptionValidation") {
    assert.ok(isSystemEvent("Microsoft.EventGrid.SubscriptionValidationEvent", event));
    assert.match(event.data.validationCode, /^[0-9a-f-]{36}$/);
    state.eg.validated = true;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ validationResponse: event.data.validationCode }));
    return;
  }

  assert.equal(request.headers["aeg-event-type"], "Notification");
  assert.ok(state.eg.validated, "no delivery before the handshake passed");
  assert.equal(request.headers["aeg-data-version"], "1.0");
  assert.equal(request.headers["aeg-delivery-count"], "0");
  assert.ok(request.headers["aeg-subscription-name"], "aeg-subscription-name is sent");
  assert.equal(request.headers["aeg-output-event-id"], event.id);
  assert.equal(event.dataVersion, "1.0");
  checkAcsEvent(event.eventType, event, event.subject);
  state.eg.types.push(event.eventType);
  response.writeHead(200).end();
}

async function cloudEvents(request, response) {
  if (request.method === "OPTIONS") {
    assert.equal(request.headers["webhook-request-origin"], "eventgrid.azure.net");
    state.ce.validated = true;
    response.writeHead(200, { "WebHook-Allowed-Origin": request.headers["webhook-request-origin"], "WebHook-Allowed-Rate": "*", Allow: "POST" });
    response.end();
    return;
  }

  assert.equal(request.method, "POST");
  assert.ok(state.ce.validated, "no delivery before the OPTIONS handshake passed");
  assert.equal(request.headers["content-type"], "application/cloudevents+json; charset=utf-8");
  assert.equal(request.headers["aeg-event-type"], "Notification");
  const events = await deserializer.deserializeCloudEvents(JSON.parse(await readBody(request)));
  assert.equal(events.length, 1);
  const [event] = events;
  assert.equal(event.specversion, "1.0");
  assert.equal(event.source, topic);
  assert.ok(event.time instanceof Date, "time parses to a Date");
  checkAcsEvent(event.type, event, event.subject);
  state.ce.types.push(event.type);
  response.writeHead(200).end();
}

// The §10 shape every thread-level event shares.
function checkAcsEvent(type, event, subject) {
  assert.ok(expected.includes(type), `unexpected type ${type}`);
  assert.ok(isSystemEvent(type, event));
  assert.match(subject, /^thread\/19:[^/]+@thread\.v2\//);
  assert.equal(typeof event.data.version, "number", "data.version is a JSON number (rule 7)");
  assert.equal(typeof event.data.threadId, "string");
  assert.ok(subject.startsWith(`thread/${event.data.threadId}/`));
}

const server = createServer(async (request, response) => {
  try {
    const url = new URL(request.url, `http://127.0.0.1:${port}`);
    if (url.pathname === "/eg") await eventGrid(request, response, url);
    else if (url.pathname === "/ce") await cloudEvents(request, response);
    else response.writeHead(404).end();
  } catch (error) {
    failure ??= error;
    // 400 is not retried (§11), so a failed check shows once.
    if (!response.headersSent) response.writeHead(400).end();
  }
});

const scenarios = {
  async all() {
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
    const complete = (types) => expected.every((type) => types.includes(type));
    await waitFor(() => failure || (complete(state.eg.types) && complete(state.ce.types)), `every type on both schemas (got eg ${state.eg.types}, ce ${state.ce.types})`, 30000);
    if (failure) throw failure;
    assert.equal(state.eg.types.length, expected.length, "each event once (Event Grid schema)");
    assert.equal(state.ce.types.length, expected.length, "each event once (CloudEvents)");
  },
};

await runScenario(scenarios, () => {
  // The emulator keeps its connections alive; they must not hold the close.
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});
