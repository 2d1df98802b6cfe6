// A Web PubSub client for one board, speaking json.webpubsub.azure.v1 over a plain WebSocket: committed operations
// go out as events (answered by the server with { seq }), live previews go to the board's preview group, and what
// the server says (ops, presence) arrives on the board's server group, which no client can send to. It reconnects
// with a fresh negotiate after any drop.
export class BoardConnection extends EventTarget {
  #negotiate;
  #socket = null;
  #ackId = 0;
  #acks = new Map();
  #stopped = false;
  #retryMs = 250;
  #holdUntil = 0;
  serverGroup;
  previewGroup;

  constructor(boardId, negotiate) {
    super();
    this.serverGroup = `board.${boardId}`;
    this.previewGroup = `preview.${boardId}`;
    this.#negotiate = negotiate;
  }

  get state() {
    return this.#socket?.readyState === WebSocket.OPEN ? "connected" : this.#stopped ? "offline" : "connecting";
  }

  async start() {
    this.#stopped = false;
    await this.#connect();
  }

  stop() {
    this.#stopped = true;
    this.#socket?.close(1000);
  }

  // Drops the socket as a network failure would, and stays away for holdMs before reconnecting (browser tests).
  drop(holdMs = 0) {
    this.#holdUntil = Date.now() + holdMs;
    this.#socket?.close(4000, "dropped");
  }

  sendEvent(event, data) {
    const ackId = ++this.#ackId;
    return new Promise((resolve, reject) => {
      this.#acks.set(ackId, { resolve, reject });
      if (!this.#send({ type: "event", event, dataType: "json", data, ackId })) {
        this.#acks.delete(ackId);
        reject(new Error("not connected"));
      }
    });
  }

  sendPreview(data) {
    this.#send({ type: "sendToGroup", group: this.previewGroup, dataType: "json", data, noEcho: true });
  }

  #send(message) {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  async #connect() {
    this.#emit("state", { state: "connecting" });
    let url;
    try {
      url = await this.#negotiate();
    } catch (error) {
      this.#emit("error", { error });
      if (error.status === 401 || error.status === 403 || error.status === 404) return;
      return this.#retry();
    }
    const socket = new WebSocket(url, "json.webpubsub.azure.v1");
    this.#socket = socket;
    socket.onmessage = (e) => this.#receive(JSON.parse(e.data));
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      for (const { reject } of this.#acks.values()) reject(new Error("connection closed"));
      this.#acks.clear();
      this.#emit("state", { state: this.#stopped ? "offline" : "disconnected" });
      if (!this.#stopped) this.#retry();
    };
  }

  #retry() {
    const wait = Math.max(this.#retryMs, this.#holdUntil - Date.now());
    setTimeout(() => { if (!this.#stopped) this.#connect(); }, wait);
    this.#retryMs = Math.min(this.#retryMs * 2, 5000);
  }

  #receive(message) {
    if (message.type === "system" && message.event === "connected") {
      this.#retryMs = 250;
      this.#emit("state", { state: "connected", userId: message.userId });
    } else if (message.type === "ack") {
      const pending = this.#acks.get(message.ackId);
      this.#acks.delete(message.ackId);
      if (message.success || message.error?.name === "Duplicate") pending?.resolve();
      else pending?.reject(ackError(message.error));
    } else if (message.type === "message" && message.from === "group") {
      this.#emit("group", { group: message.group, fromUserId: message.fromUserId ?? null, data: message.data });
    } else if (message.type === "message" && message.from === "server") {
      this.#emit("server", { data: message.data });
    }
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
