// Load through the Web PubSub emulator and our event handler with unmodified @azure/web-pubsub-client clients:
// every client commits OPS operations on its board (waiting for each ack), listens to every committed operation of
// its board, and writes what it saw to OUT_FILE for the .NET test to check against storage and GET /api/boards/{id}.
// Usage: node load.mjs run; env USERS (JSON [{userId, boardId, url}]), OPS.
import { writeFileSync } from "node:fs";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { runScenario } from "./scenario.mjs";

const users = JSON.parse(process.env.USERS);
const ops = Number(process.env.OPS);
const clients = [];

async function waitFor(predicate, what, timeoutMs) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const scenarios = {
  async run() {
    const states = await Promise.all(users.map(async (user) => {
      const client = new WebPubSubClient({ getClientAccessUrl: async () => user.url }, { autoReconnect: false });
      const state = { user, client, seen: [], acked: 0, failed: 0 };
      client.on("group-message", (e) => {
        if (e.message.data?.name === "ops") state.seen.push(...e.message.data.data.ops);
      });
      clients.push(client);
      await client.start();
      return state;
    }));

    const started = Date.now();
    await Promise.all(states.map(async (state) => {
      for (let i = 0; i < ops; i++) {
        const opId = `${state.user.userId}-${i}`;
        const shape = { id: `s-${opId}`, kind: "line", color: "#112233", width: 2, points: [[i, i], [i + 10, i + 5]] };
        for (let attempt = 0; ; attempt++) {
          try {
            await state.client.sendEvent("addShape", { opId, shape }, "json");
            state.acked++;
            break;
          } catch (error) {
            // A failed event is resent with the same opId: the server applies it once.
            state.failed++;
            if (attempt >= 5) throw error;
          }
        }
      }
    }));
    const elapsedMs = Date.now() - started;

    const perBoard = new Map();
    for (const state of states) perBoard.set(state.user.boardId, (perBoard.get(state.user.boardId) ?? 0) + ops);
    for (const state of states) {
      const expected = perBoard.get(state.user.boardId);
      await waitFor(() => new Set(state.seen.map((o) => o.seq)).size >= expected, `${state.user.userId} to see all ${expected} operations of its board`, 60000);
    }

    writeFileSync(process.env.OUT_FILE, JSON.stringify({
      elapsedMs,
      clients: states.map((s) => ({ userId: s.user.userId, boardId: s.user.boardId, acked: s.acked, retried: s.failed, seen: s.seen })),
    }));
    for (const state of states) state.client.stop();
  },
};

await runScenario(scenarios, async () => {
  for (const client of clients) client.stop();
});
