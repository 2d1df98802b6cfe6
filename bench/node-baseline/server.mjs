// The peer baseline: the same work as Collab's endpoints, built only from the official npm packages the Azure Web
// PubSub whiteboard sample uses. Benchmark scaffolding, not product code.
// Env: PORT, WPS_CONNECTION_STRING, WPS_HUB, FLUID_TENANT_ID, FLUID_TENANT_KEY.
import crypto from "node:crypto";
import express from "express";
import { WebPubSubServiceClient } from "@azure/web-pubsub";
import { WebPubSubEventHandler } from "@azure/web-pubsub-express";
import { generateToken } from "@fluidframework/azure-service-utils";

const env = process.env;
const hub = env.WPS_HUB;
const accessKey = env.WPS_CONNECTION_STRING.match(/AccessKey=([^;]*)/i)[1];
const service = new WebPubSubServiceClient(env.WPS_CONNECTION_STRING, hub, { allowInsecureConnection: true });
const boards = new Map();
const app = express();

function principal(req) {
  const header = req.get("x-ms-client-principal");
  const id = req.get("x-ms-client-principal-id");
  if (!header || !id) return null;
  try {
    const parsed = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
    return parsed.auth_typ ? { id, name: req.get("x-ms-client-principal-name") ?? id } : null;
  } catch {
    return null;
  }
}

app.post("/api/boards/:boardId/negotiate", async (req, res) => {
  const user = principal(req);
  if (!user) return res.status(401).json({ title: "Sign-in required" });
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(req.params.boardId)) return res.status(400).json({ title: "Invalid board id" });
  const group = `board.${req.params.boardId}`;
  const token = await service.getClientAccessToken({
    userId: user.id,
    roles: [`webpubsub.joinLeaveGroup.${group}`, `webpubsub.sendToGroup.${group}`],
    groups: [group],
    expirationTimeInMinutes: 60,
  });
  res.json({ url: token.url, boardId: req.params.boardId, userId: user.id, expiresOn: new Date(Date.now() + 3600_000).toISOString() });
});

app.get("/api/fluid/token", (req, res) => {
  const user = principal(req);
  if (!user) return res.status(401).json({ title: "Sign-in required" });
  if (req.query.tenantId !== env.FLUID_TENANT_ID) return res.status(404).send("No key found for the provided tenantId");
  const scopes = ["doc:read", "doc:write", "summary:write"];
  res.type("text/plain").send(generateToken(env.FLUID_TENANT_ID, env.FLUID_TENANT_KEY, scopes, req.query.documentId, { id: user.id, name: user.name }));
});

// Handler only: parse, check the signature, validate and apply in memory, answer { seq }.
const handler = new WebPubSubEventHandler(hub, {
  path: "/api/eventhandler",
  handleUserEvent: (req, res) => {
    const expected = crypto.createHmac("sha256", accessKey).update(req.context.connectionId).digest("hex");
    const signatures = (req.context.signature ?? "").toLowerCase().split(",");
    if (!signatures.includes(`sha256=${expected}`)) return res.fail(401, "bad signature");
    const op = req.data;
    if (typeof op?.opId !== "string" || typeof op.shape?.id !== "string") return res.fail(400, "invalid");
    const boardId = req.context.states?.boardId ?? "board";
    const board = boards.get(boardId) ?? { seq: 0, shapes: new Map() };
    boards.set(boardId, board);
    board.seq++;
    board.shapes.set(op.shape.id, op.shape);
    res.success(JSON.stringify({ seq: board.seq }), "json");
  },
});
app.use(handler.getMiddleware());

const server = app.listen(Number(env.PORT), "127.0.0.1", () => console.log(`node baseline on ${env.PORT}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
