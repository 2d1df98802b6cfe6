import { AzureCommunicationTokenCredential, ChatClient } from "./dist/sdks.js";

const KEPT_MESSAGES = 200; // the newest messages kept and shown; older ones are dropped
const MAX_TEXT = 28 * 1024; // ACS's message size (shared/protocols/acs-chat-rooms.md §5)

// A board's chat, held in the board's ACS chat thread: the Function App adds the caller to the thread and says where
// it is (POST /api/boards/{id}/chat), and the page then reads and writes it with the official chat SDK
// (@azure/communication-chat) and the caller's own ACS token (POST /api/acs/token, scope chat.join.limited: it can read and post, never run the thread). Live updates do not
// come from ACS's realtime signaling (there is none offline): the Function App relays each message event of the
// thread to the board's server group as { name: "chat", data }, and the app hands those to receive().
// A viewer is not a participant of the thread (any participant could post): it reads the thread's history through the
// Function App (GET /api/boards/{id}/chat/messages, read by the controller) and follows the relay. Senders are always
// shown under the name the Function App gave them in the thread, never the client-chosen senderDisplayName.
export class BoardChat extends EventTarget {
  #boardId;
  #api;
  #name;
  #credential = null;
  #thread = null;
  #messages = new Map();
  #names = new Map(); // participant ACS id → the display name the Function App gave it
  #loading = 0;
  #arrivals = []; // what receive() and send() changed while a history read was under way, applied on top of it
  threadId = null;
  acsUserId = null;
  canPost = false;

  constructor(boardId, api, name) {
    super();
    this.#boardId = boardId;
    this.#api = api;
    this.#name = name;
  }

  get ready() {
    return this.#thread !== null || (this.threadId !== null && !this.canPost);
  }

  // The messages, oldest first.
  get messages() {
    return [...this.#messages.values()].sort((a, b) => a.createdOn - b.createdOn || a.id.localeCompare(b.id));
  }

  async open() {
    const { threadId, endpoint, canPost } = await (await this.#api(`/api/boards/${this.#boardId}/chat`, { method: "POST" })).json();
    this.canPost = canPost === true;
    if (!this.canPost) {
      this.threadId = threadId;
      await this.loadHistory();
      return;
    }
    const first = await this.#token();
    this.acsUserId = first.acsUserId;
    this.#credential = new AzureCommunicationTokenCredential({
      token: first.token,
      tokenRefresher: async () => (await this.#token()).token,
      refreshProactively: true,
    });
    this.threadId = threadId;
    this.#thread = new ChatClient(endpoint, this.#credential).getChatThreadClient(threadId);
    await this.loadHistory();
  }

  close() {
    this.#credential?.dispose();
    this.#credential = null;
    this.#thread = null;
    this.threadId = null;
  }

  // Reads the thread's newest messages through the SDK (also after a reconnect, for messages relayed while away).
  // Fails as the SDK does (a RestError with statusCode 403 once the caller is no longer a participant).
  async loadHistory() {
    const thread = this.#thread;
    const threadId = this.threadId;
    if (!thread && (threadId === null || this.canPost)) return;
    const fetched = [];
    const from = this.#arrivals.length;
    this.#loading++;
    try {
      if (thread) await this.#read(thread, fetched);
      else await this.#readThroughApp(fetched);
    } finally {
      this.#loading--;
    }
    const arrived = this.#arrivals.slice(from);
    if (this.#loading === 0) this.#arrivals.length = 0;
    if (thread !== this.#thread || threadId !== this.threadId) return;
    this.#messages.clear();
    for (const message of fetched) this.#messages.set(message.id, message);
    for (const { id, message } of arrived) this.#apply(id, message);
    this.#changed();
  }

  async #read(thread, fetched) {
    // The names the Function App gave the participants (only it can add them, so only it sets them).
    for await (const participant of thread.listParticipants()) {
      const id = participant.id?.communicationUserId;
      if (id && typeof participant.displayName === "string") this.#names.set(id, participant.displayName);
    }
    for await (const message of thread.listMessages({ maxPageSize: 100 })) {
      if (message.type === "text" || message.type === "html") {
        const senderAcsId = message.sender?.communicationUserId ?? null;
        fetched.push({
          id: message.id,
          senderAcsId,
          senderName: this.#names.get(senderAcsId) ?? "",
          text: message.type === "html" ? textOf(message.content?.message) : message.content?.message ?? "",
          createdOn: message.createdOn,
          edited: Boolean(message.editedOn),
        });
      }
      if (fetched.length >= KEPT_MESSAGES) break;
    }
  }

  async #readThroughApp(fetched) {
    const { messages } = await (await this.#api(`/api/boards/${this.#boardId}/chat/messages`)).json();
    for (const data of messages) {
      if (isRelayed(data) && isMessage(data)) fetched.push(fromRelayed(data));
      if (fetched.length >= KEPT_MESSAGES) break;
    }
  }

  async send(text) {
    const { id } = await this.#thread.sendMessage({ content: text }, { senderDisplayName: this.#name, type: "text" });
    if (!this.#messages.has(id)) {
      this.#record(id, { id, senderAcsId: this.acsUserId, senderName: this.#name, text, createdOn: new Date(), edited: false });
    }
  }

  // A message event of the board's thread, as the Function App relays it (contracts: the `chat` message).
  receive(data) {
    if (!isRelayed(data) || (this.threadId !== null && data.threadId !== this.threadId)) return;
    if (data.deleted === true) {
      this.#record(data.messageId, null);
    } else if (isMessage(data)) {
      this.#record(data.messageId, fromRelayed(data));
    }
  }

  // A message (null: deleted) that receive() or send() learnt of.
  #record(id, message) {
    if (this.#loading > 0) this.#arrivals.push({ id, message });
    this.#apply(id, message);
    this.#changed();
  }

  #apply(id, message) {
    if (message) this.#messages.set(id, message);
    else this.#messages.delete(id);
  }

  async #token() {
    return (await this.#api("/api/acs/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ scopes: ["chat.join.limited"] }),
    })).json();
  }

  #changed() {
    if (this.#messages.size > KEPT_MESSAGES) {
      for (const { id } of this.messages.slice(0, this.#messages.size - KEPT_MESSAGES)) this.#messages.delete(id);
    }
    this.dispatchEvent(new Event("change"));
  }
}

// A message as the Function App gives it (relay and /chat/messages): senderName is the name it gave the sender.
const fromRelayed = (data) => ({
  id: data.messageId,
  senderAcsId: data.senderAcsId,
  senderName: data.senderName,
  text: data.type === "html" ? textOf(data.text) : data.text,
  createdOn: new Date(data.createdOn),
  edited: typeof data.editedOn === "string",
});

const isText = (value) => typeof value === "string" && value.length <= MAX_TEXT;
const isRelayed = (data) => data !== null && typeof data === "object" && isText(data.threadId) && isText(data.messageId);
const isMessage = (data) => isText(data.senderAcsId) && isText(data.senderName) && isText(data.text)
  && (data.type === "text" || data.type === "html") && !Number.isNaN(Date.parse(data.createdOn));

// An html message is shown as its text: the page never inserts a message's markup.
function textOf(html) {
  return new DOMParser().parseFromString(html ?? "", "text/html").body.textContent ?? "";
}
