import { WebPubSubClient, WebPubSubJsonProtocol } from "./dist/sdks.js";

// One board's Web PubSub connection, on the official client SDK (@azure/web-pubsub-client): committed operations go
// out as events (the server answers each with an ack), live previews go to the board's preview group, and what the
// server says (ops, presence, chat) arrives on the board's server group, which no client can send to.
//
// The plain JSON subprotocol and this class's own reconnect loop, rather than the SDK's reliable protocol and
// autoReconnect, because the board's log is the source of truth: after any drop the page negotiates afresh and
// catches up with ops?after, so the SDK's message recovery would buy nothing. And the loop must end when negotiate
// answers 401, 403 or 404 (the board is gone or no longer admits the user), which the SDK's loop cannot be told.
export class BoardConnection extends EventTarget {
  #client;
  #negotiate;
  #negotiateError = null;
  #state = "offline";
  #stopped = true;
  #timer = null;
  #retryMs = 250;
  #holdUntil = 0;
  serverGroup;
  previewGroup;

  constructor(boardId, negotiate) {
    super();
    this.serverGroup = `board.${boardId}`;
    this.previewGroup = `preview.${boardId}`;
    this.#negotiate = negotiate;
    this.#client = new WebPubSubClient({ getClientAccessUrl: () => this.#clientAccessUrl() }, {
      protocol: WebPubSubJsonProtocol(),
      autoReconnect: false,
      autoRejoinGroups: false,
      // A refused operation is reported to the user, not sent again: the app decides what a refusal means.
      messageRetryOptions: { maxRetries: 0 },
    });
    this.#client.on("connected", ({ userId }) => {
      this.#retryMs = 250;
      this.#setState("connected", { userId });
    });
    this.#client.on("stopped", () => {
      if (this.#stopped) return this.#setState("offline");
      this.#setState("disconnected");
      this.#retry();
    });
    this.#client.on("group-message", ({ message }) => {
      this.#emit("group", { group: message.group, fromUserId: message.fromUserId ?? null, data: message.data });
    });
    this.#client.on("server-message", ({ message }) => this.#emit("server", { data: message.data }));
  }

  get state() {
    return this.#state;
  }

  async start() {
    this.#stopped = false;
    await this.#connect();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#client.stop();
    this.#setState("offline");
  }

  // Drops the connection as a network failure would, and stays away for holdMs before reconnecting (browser tests).
  drop(holdMs = 0) {
    this.#holdUntil = Date.now() + holdMs;
    this.#client.stop();
  }

  async sendEvent(event, data) {
    try {
      await this.#client.sendEvent(event, data, "json");
    } catch (error) {
      throw error.errorDetail ? ackError(error.errorDetail) : new Error("not connected");
    }
  }

  sendPreview(data) {
    // Fire and forget: a preview lost while disconnected is superseded by the next one or by the committed shape.
    this.#client.sendToGroup(this.previewGroup, data, "json", { noEcho: true, fireAndForget: true }).catch(() => {});
  }

  async #clientAccessUrl() {
    this.#negotiateError = null;
    try {
      const url = await this.#negotiate();
      if (this.#stopped) throw new Error("stopped");
      return url;
    } catch (error) {
      this.#negotiateError = error;
      throw error;
    }
  }

  async #connect() {
    this.#timer = null;
    if (this.#stopped) return;
    this.#setState("connecting");
    try {
      await this.#client.start();
    } catch (error) {
      if (this.#stopped) return;
      const refused = this.#negotiateError;
      if (refused) {
        this.#emit("error", { error: refused });
        if (refused.status === 401 || refused.status === 403 || refused.status === 404) return;
      }
      this.#retry();
      return;
    }
    // stop() while the socket was opening cannot close it (the SDK closes only an open socket): close it now.
    if (this.#stopped) this.#client.stop();
  }

  #retry() {
    const wait = Math.max(this.#retryMs, this.#holdUntil - Date.now());
    this.#timer = setTimeout(() => this.#connect(), wait);
    this.#retryMs = Math.min(this.#retryMs * 2, 5000);
  }

  #setState(state, detail = {}) {
    this.#state = state;
    this.#emit("state", { state, ...detail });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

// A refused event comes back as an error ack whose name and message the service fixes (shared/protocols/web-pubsub.md
// §4.7): the Web PubSub emulator names the event handler's status in it, which is all the page learns of the refusal.
function ackError(error) {
  if (/\b429\b/.test(error?.message ?? "")) return new Error("too many changes at once; wait a moment and try again");
  return new Error(error?.message ?? "rejected");
}
