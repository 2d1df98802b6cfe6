import { BoardChat } from "./board-chat.js";
import { BoardConnection } from "./board-connection.js";
import { BoardModel, authorLabel, renderShape } from "./board-model.js";

const $ = (id) => document.getElementById(id);
const PREVIEW_INTERVAL_MS = 50; // at most 20 preview updates per second
const MAX_POINTS = 10000;

let me = null;
let boardId = null;
let board = null;
let model = null;
let connection = null;
let chat = null;
let myRole = null;
let tool = "pen";
let viewingSeq = null;
let drawing = null;
const undoStack = [];
const redoStack = [];
const pendingOwn = new Map();
const remotePreviews = new Map();
const buffered = new Map();
// Display names by user id, from presence (bounded: the people seen on the current board).
const names = new Map();

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) {
    location.href = `/.auth/login?post_login_redirect_uri=${encodeURIComponent(location.pathname + location.hash)}`;
    throw new ApiError("Sign-in required.", 401);
  }
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      detail = (await response.json()).detail ?? detail;
    } catch {
      // Not a problem+json body; the status line says enough.
    }
    throw new ApiError(detail, response.status);
  }
  return response;
}

function showMessage(text) {
  $("message").textContent = text;
  $("message").hidden = false;
}

function hideMessage() {
  $("message").hidden = true;
}

async function main() {
  const who = await (await fetch("/.auth/me", { credentials: "same-origin" })).json();
  if (!who.length) {
    location.href = `/.auth/login?post_login_redirect_uri=${encodeURIComponent(location.pathname + location.hash)}`;
    return;
  }
  me = { id: who[0].user_id, name: who[0].user_claims.find((c) => c.typ === "name")?.val ?? who[0].user_id };
  $("me").textContent = `${me.name} · ${me.id}`;
  wireLanding();
  wireToolbar();
  wireCanvas();
  wirePanels();
  window.addEventListener("hashchange", route);
  await route();
}

async function route() {
  const match = location.hash.match(/^#\/board\/([A-Za-z0-9_-]{1,64})$/);
  if (match) await openBoard(match[1]);
  else showLanding();
}

function showLanding() {
  closeBoard();
  $("landing").hidden = false;
  $("board-view").hidden = true;
  $("board-title").textContent = "";
  loadMyBoards();
}

async function loadMyBoards() {
  try {
    renderMyBoards(await (await api("/api/boards")).json());
  } catch (error) {
    showMessage(`Could not list your boards: ${error.message}`);
  }
}

function renderMyBoards(boards) {
  $("my-boards-empty").hidden = boards.length > 0;
  $("my-boards").replaceChildren(...boards.map((entry) => {
    const item = document.createElement("li");
    item.dataset.boardId = entry.boardId;
    const link = document.createElement("a");
    link.href = `#/board/${entry.boardId}`;
    link.textContent = entry.title;
    link.title = entry.boardId;
    const role = document.createElement("span");
    role.className = "chip role";
    role.textContent = entry.role;
    const visibility = document.createElement("span");
    visibility.className = "chip";
    visibility.textContent = entry.visibility;
    item.append(link, role, visibility);
    if (entry.role === "owner") {
      const remove = document.createElement("button");
      remove.className = "delete";
      remove.textContent = "Delete";
      remove.addEventListener("click", () => deleteBoard(entry));
      item.append(remove);
    }
    return item;
  }));
}

async function deleteBoard(entry) {
  if (!confirm(`Delete "${entry.title}"? Everyone on it is disconnected, and its drawings, chat and history are gone for good.`)) return;
  try {
    await api(`/api/boards/${entry.boardId}`, { method: "DELETE" });
  } catch (error) {
    showMessage(`Could not delete the board: ${error.message}`);
  }
  await loadMyBoards();
}

// Deleting a board closes every connection to it; without this check the client would keep reconnecting to a board
// that is gone, so a drop sends the user back to the landing page once the board answers 404.
async function leaveIfDeleted(id) {
  try {
    await api(`/api/boards/${id}`);
  } catch (error) {
    if (error.status === 404) leaveDeleted(id);
  }
}

function leaveDeleted(id) {
  if (boardId !== id) return;
  location.hash = "#/";
  showMessage("This board was deleted by its owner.");
}

function wireLanding() {
  $("create-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    const title = form.get("title").trim();
    const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "board";
    const id = `${slug}-${crypto.randomUUID().slice(0, 6)}`;
    const members = parseMembers(form.get("members"));
    try {
      await api(`/api/boards/${id}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title, visibility: form.get("visibility"), members }),
      });
      location.hash = `#/board/${id}`;
    } catch (error) {
      showMessage(`Could not create the board: ${error.message}`);
    }
  });
  $("open-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = new FormData(e.target).get("board").trim();
    const id = value.includes("#/board/") ? value.split("#/board/")[1] : value;
    location.hash = `#/board/${id}`;
  });
}

async function openBoard(id) {
  closeBoard();
  hideMessage();
  boardId = id;
  $("landing").hidden = true;
  try {
    const body = await (await api(`/api/boards/${id}`)).json();
    board = body.board;
    model = BoardModel.from(body.state);
  } catch (error) {
    boardId = null;
    $("board-view").hidden = true;
    $("landing").hidden = false;
    showMessage(error.status === 403 ? `You cannot open this board: ${error.message}` : error.status === 404 ? "There is no board with this id." : error.message);
    loadMyBoards();
    return;
  }
  $("board-view").hidden = false;
  $("board-title").textContent = board.title;
  $("export").href = `/api/boards/${id}/export.svg`;
  $("call-details").hidden = true;
  renderAll();
  renderHistoryRange();
  applyRole(null);
  chat = new BoardChat(id, api, me.name);
  chat.addEventListener("change", renderChat);
  renderChat();
  openChat(chat);
  connection = new BoardConnection(id, async () => {
    const negotiated = await (await api(`/api/boards/${id}/negotiate`, { method: "POST" })).json();
    applyRole(negotiated.role);
    return negotiated.url;
  });
  connection.addEventListener("state", (e) => {
    setIndicator(e.detail.state);
    if (e.detail.state === "connected") {
      catchUp().catch((error) => (error.status === 404 ? leaveDeleted(id) : showMessage(error.message)));
      // Chat relayed while the page was away is in the thread.
      if (chat?.ready) chat.loadHistory().catch(chatUnavailable);
    }
    else if (e.detail.state === "disconnected") leaveIfDeleted(id);
  });
  connection.addEventListener("group", (e) => onGroupMessage(e.detail));
  // Negotiate answers 404 once the board is gone (a reconnect after its deletion closed the socket).
  connection.addEventListener("error", (e) => (e.detail.error.status === 404 ? leaveDeleted(id) : showMessage(e.detail.error.message)));
  window.collab = { connection, model: () => model, chat: () => chat, boardId: id, me };
  await connection.start();
}

function closeBoard() {
  connection?.stop();
  connection = null;
  chat?.close();
  chat = null;
  boardId = null;
  undoStack.length = 0;
  redoStack.length = 0;
  pendingOwn.clear();
  remotePreviews.clear();
  buffered.clear();
  names.clear();
  viewingSeq = null;
  $("previews").replaceChildren();
  setIndicator("offline");
}

function setIndicator(state) {
  $("connection").dataset.state = state;
  $("connection").textContent = state;
}

async function catchUp() {
  for (;;) {
    const page = await (await api(`/api/boards/${boardId}/ops?after=${model.seq}`)).json();
    for (const entry of page.ops) applyEntry(entry);
    if (page.ops.length === 0 || model.seq >= page.lastSeq) {
      applyBuffered();
      return;
    }
  }
}

// Only the server's own group carries ops, presence and relayed chat, and only messages the service sent (no fromUserId) count;
// previews come from the preview group, are drawn only as valid shapes, and only for the user who sent them.
function onGroupMessage({ group, fromUserId, data }) {
  if (group === connection?.serverGroup && fromUserId === null) {
    if (data?.name === "ops" && Array.isArray(data.data?.ops)) receiveOps(data.data.ops);
    else if (data?.name === "presence") renderPresence(data.data);
    else if (data?.name === "chat") chat?.receive(data.data);
  } else if (group === connection?.previewGroup && fromUserId && data?.kind === "preview" && data.author === fromUserId) {
    if (data.shape === null || isValidShape(data.shape)) renderRemotePreview(data);
  }
}

const COLOR = /^#([0-9a-f]{6}|[0-9a-f]{8})$/i;
const finite = (value) => typeof value === "number" && Number.isFinite(value) && Math.abs(value) <= 1e6;

function isValidShape(shape) {
  if (!shape || typeof shape !== "object" || typeof shape.id !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(shape.id)) return false;
  if (!COLOR.test(shape.color ?? "") || !finite(shape.width) || (shape.fill !== undefined && !COLOR.test(shape.fill))) return false;
  const points = (min, max) => Array.isArray(shape.points) && shape.points.length >= min && shape.points.length <= max
    && shape.points.every((p) => Array.isArray(p) && p.length === 2 && finite(p[0]) && finite(p[1]));
  switch (shape.kind) {
    case "polyline": return points(2, 10000);
    case "line": return points(2, 2);
    case "rect": case "ellipse": return [shape.x, shape.y, shape.w, shape.h].every(finite);
    case "circle": return [shape.x, shape.y, shape.r].every(finite);
    case "text": return [shape.x, shape.y].every(finite) && typeof shape.text === "string" && shape.text.length <= 2000;
    default: return false;
  }
}

// "Connect an AI agent": an agent token for the signed-in user (POST /.auth/agent-token, at most 12 hours) and an MCP
// client configuration with it, ready to paste. The agent acts with this user's rights; its ops show as their assistant's.
async function connectAgent() {
  $("agent-token").disabled = true;
  try {
    const { token, expiresOn } = await (await api("/.auth/agent-token", { method: "POST" })).json();
    const config = { mcpServers: { collab: { type: "http", url: `${location.origin}/api/mcp`, headers: { Authorization: `Bearer ${token}` } } } };
    $("agent-config").textContent = JSON.stringify(config, null, 2);
    $("agent-expiry").textContent = new Date(expiresOn).toLocaleString();
    $("agent-expiry").dateTime = expiresOn;
    $("agent-details").hidden = false;
  } catch (error) {
    showMessage(`Could not get an agent token: ${error.message}`);
  } finally {
    $("agent-token").disabled = false;
  }
}

// "dev-1, dev-2:viewer" → [{ userId: "dev-1", role: "editor" }, { userId: "dev-2", role: "viewer" }]
function parseMembers(text) {
  return (text ?? "").split(",").map((m) => m.trim()).filter(Boolean).map((entry) => {
    const [userId, role] = entry.split(":").map((part) => part.trim());
    return { userId, role: role === "viewer" ? "viewer" : "editor" };
  });
}

// A viewer reads and follows the board; drawing, chat and previews are for owners and editors.
function applyRole(role) {
  myRole = role;
  document.body.classList.toggle("viewer", role === "viewer");
  const owner = role === "owner";
  $("members-panel").hidden = !owner;
  if (owner && board) $("members-form").elements.members.value = board.members.map((m) => `${m.userId}:${m.role}`).join(", ");
}

// One message per committed batch, its ops in seq order; those at or below the model's seq came already (a catch-up).
function receiveOps(entries) {
  for (const entry of entries) if (entry.seq > model.seq) buffered.set(entry.seq, entry);
  applyBuffered();
  // What remains is past a gap: a broadcast was missed, and the log has it.
  if (buffered.size > 0) catchUp().catch((error) => showMessage(error.message));
}

// Applies the buffered ops that follow the model, and drops those a catch-up applied already.
function applyBuffered() {
  while (buffered.has(model.seq + 1)) {
    const next = buffered.get(model.seq + 1);
    buffered.delete(next.seq);
    applyEntry(next);
  }
  for (const seq of buffered.keys()) if (seq <= model.seq) buffered.delete(seq);
}

function applyEntry(entry) {
  if (!model.apply(entry)) return;
  const own = pendingOwn.get(entry.opId);
  if (own && entry.author === me.id) {
    own.remove();
    pendingOwn.delete(entry.opId);
  }
  const preview = remotePreviews.get(entry.author);
  if (preview && entry.op.shape && preview.dataset.shapeId === entry.op.shape.id) {
    preview.remove();
    remotePreviews.delete(entry.author);
  }
  if (viewingSeq === null) renderAll();
  if (entry.op.type === "chat") renderChat();
  renderHistoryRange();
}

function renderAll(view = model) {
  $("shapes").replaceChildren(...[...view.shapes.values()].map((shape) => renderShape(shape, shapeAuthor(view, shape.id))));
  $("bg-color").setAttribute("fill", view.background.color ?? "#ffffff");
  const image = $("bg-image");
  if (view.background.image) {
    image.setAttribute("href", `/api/boards/${boardId}/background?v=${view.background.image}`);
    image.setAttribute("visibility", "visible");
  } else {
    image.setAttribute("visibility", "hidden");
  }
  $("canvas").classList.toggle("readonly", viewingSeq !== null);
}

// The label of a shape's author, when the ops that made it were seen: the name, or the name's assistant for an agent.
function shapeAuthor(view, shapeId) {
  const by = view.authors.get(shapeId);
  if (!by) return null;
  const name = by.author === me.id ? me.name : names.get(by.author) ?? by.author;
  return authorLabel(name, by.agent);
}

function renderPresence(presence) {
  for (const user of presence.users) names.set(user.userId, user.name);
  $("presence-count").textContent = presence.count;
  $("presence").replaceChildren(...presence.users.map((user) => {
    const item = document.createElement("li");
    item.textContent = user.connections > 1 ? `${user.name} (${user.connections})` : user.name;
    item.title = user.userId;
    item.dataset.userId = user.userId;
    return item;
  }));
}

// The chat an old board's log holds (its retired chat operation) first, then the board's ACS chat thread.
function renderChat() {
  const names = new Map([...$("presence").children].map((li) => [li.dataset.userId, li.textContent]));
  const line = (source, name, text) => {
    const item = document.createElement("li");
    item.dataset.source = source;
    const who = document.createElement("b");
    who.textContent = `${name}: `;
    item.append(who, document.createTextNode(text));
    return item;
  };
  $("chat").replaceChildren(
    ...model.chat.map((entry) => line("log", entry.author === me.id ? me.name : names.get(entry.author) ?? entry.author, entry.text)),
    ...(chat?.messages ?? []).map((message) => line("thread", message.senderAcsId === chat.acsUserId ? me.name : message.senderName || message.senderAcsId, message.text)),
  );
  $("chat").scrollTop = $("chat").scrollHeight;
}

async function openChat(current) {
  $("chat-form").hidden = true;
  $("chat-status").hidden = false;
  $("chat-status").textContent = "Joining the board's chat…";
  try {
    await current.open();
  } catch (error) {
    if (current === chat) chatUnavailable(error);
    return;
  }
  if (current !== chat) return;
  $("chat-status").hidden = true;
  // A viewer is not a participant of the thread: it reads the chat and cannot post.
  $("chat-form").hidden = !current.canPost;
}

// The chat SDK fails with a RestError (statusCode); the app's own API with an ApiError (status).
function chatUnavailable(error) {
  $("chat-form").hidden = true;
  $("chat-status").hidden = false;
  $("chat-status").textContent = (error.statusCode ?? error.status) === 403
    ? "You are not in this board's chat."
    : `Chat is unavailable: ${error.message}`;
}

function renderRemotePreview({ author, shape }) {
  remotePreviews.get(author)?.remove();
  remotePreviews.delete(author);
  if (!shape || author === me.id) return;
  const element = renderShape(shape);
  element.setAttribute("opacity", "0.6");
  element.dataset.previewAuthor = author;
  $("previews").append(element);
  remotePreviews.set(author, element);
}

async function commit(type, data, undo) {
  const opId = crypto.randomUUID();
  try {
    await connection.sendEvent(type, { opId, ...data });
  } catch (error) {
    showMessage(`Not saved (${error.message}); it will not appear for others.`);
    return null;
  }
  if (undo) {
    undoStack.push({ undo, redo: { type, data } });
    redoStack.length = 0;
  }
  return opId;
}

function wireToolbar() {
  for (const button of document.querySelectorAll("[data-tool]")) {
    button.addEventListener("click", () => {
      tool = button.dataset.tool;
      for (const other of document.querySelectorAll("[data-tool]")) other.classList.toggle("active", other === button);
    });
  }
  $("undo").addEventListener("click", async () => {
    const last = undoStack.pop();
    if (!last) return;
    await commit(last.undo.type, last.undo.data);
    redoStack.push(last);
  });
  $("redo").addEventListener("click", async () => {
    const last = redoStack.pop();
    if (!last) return;
    await commit(last.redo.type, last.redo.data);
    undoStack.push(last);
  });
  $("clear").addEventListener("click", () => commit("clear", {}));
  $("background").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    try {
      await api(`/api/boards/${boardId}/background`, { method: "PUT", headers: { "content-type": file.type || "application/octet-stream" }, body: file });
    } catch (error) {
      showMessage(`Background not set: ${error.message}`);
    }
    e.target.value = "";
  });
  $("share").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      $("share").textContent = "Link copied";
    } catch {
      showMessage(`Share this link: ${location.href}`);
    }
  });
}

function point(e) {
  const matrix = $("canvas").getScreenCTM().inverse();
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(matrix);
  return [Math.round(p.x * 10) / 10, Math.round(p.y * 10) / 10];
}

function shapeFor(start, end, points) {
  const base = { id: drawing.id, kind: tool, color: $("color").value, width: Number($("width").value) };
  switch (tool) {
    case "pen": return { ...base, kind: "polyline", points: points.length > 1 ? points : [points[0], points[0]] };
    case "line": return { ...base, points: [start, end] };
    case "rect":
    case "ellipse":
      return { ...base, x: Math.min(start[0], end[0]), y: Math.min(start[1], end[1]), w: Math.abs(end[0] - start[0]), h: Math.abs(end[1] - start[1]) };
    default: return { ...base, x: start[0], y: start[1], text: $("text-value").value.trim() || "Text", fontSize: 12 + base.width * 2 };
  }
}

function wireCanvas() {
  const canvas = $("canvas");
  canvas.addEventListener("pointerdown", (e) => {
    if (viewingSeq !== null || myRole === "viewer" || connection?.state !== "connected") return;
    canvas.setPointerCapture(e.pointerId);
    const start = point(e);
    drawing = { id: crypto.randomUUID().slice(0, 18), start, end: start, points: [start], element: null, lastPreview: 0 };
    if (tool === "text") finish();
    else redraw();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const p = point(e);
    drawing.end = p;
    const last = drawing.points[drawing.points.length - 1];
    if (tool === "pen" && drawing.points.length < MAX_POINTS && Math.hypot(p[0] - last[0], p[1] - last[1]) >= 1.5) drawing.points.push(p);
    redraw();
  });
  canvas.addEventListener("pointerup", () => drawing && finish());
  canvas.addEventListener("pointercancel", () => {
    drawing?.element?.remove();
    connection?.sendPreview({ kind: "preview", author: me.id, shape: null });
    drawing = null;
  });
}

function redraw() {
  const shape = shapeFor(drawing.start, drawing.end, drawing.points);
  const element = renderShape(shape);
  drawing.element?.replaceWith(element);
  if (!drawing.element) $("previews").append(element);
  drawing.element = element;
  const now = performance.now();
  if (now - drawing.lastPreview >= PREVIEW_INTERVAL_MS) {
    drawing.lastPreview = now;
    connection.sendPreview({ kind: "preview", author: me.id, shape });
  }
}

async function finish() {
  const shape = shapeFor(drawing.start, drawing.end, drawing.points);
  const element = drawing.element ?? renderShape(shape);
  if (!element.isConnected) $("previews").append(element);
  drawing = null;
  connection.sendPreview({ kind: "preview", author: me.id, shape: null });
  const opId = await commit("addShape", { shape }, { type: "removeShape", data: { shapeId: shape.id } });
  if (opId && model.shapes.has(shape.id)) element.remove();
  else if (opId) pendingOwn.set(opId, element);
  else element.remove();
}

function renderHistoryRange() {
  const slider = $("history-slider");
  slider.max = model.seq;
  if (viewingSeq === null) {
    slider.value = model.seq;
    $("history-label").textContent = `live · seq ${model.seq}`;
  }
}

function wirePanels() {
  $("agent-token").addEventListener("click", connectAgent);
  $("members-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const members = parseMembers(new FormData(e.target).get("members"));
    try {
      board = await (await api(`/api/boards/${boardId}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: board.title, visibility: board.visibility, members }),
      })).json();
      showMessage("Members saved.");
    } catch (error) {
      showMessage(`Could not save the members: ${error.message}`);
    }
  });
  $("chat-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("chat-input").value.trim();
    if (!text || !chat?.ready) return;
    try {
      await chat.send(text);
      $("chat-input").value = "";
    } catch (error) {
      showMessage(`Not sent (${error.message}).`);
    }
  });
  $("history-slider").addEventListener("change", async (e) => {
    const seq = Number(e.target.value);
    if (seq >= model.seq) return backToLive();
    const body = await (await api(`/api/boards/${boardId}?atSeq=${seq}`)).json();
    viewingSeq = seq;
    $("history-label").textContent = `seq ${seq} of ${model.seq} (read-only)`;
    $("history-live").hidden = false;
    renderAll(BoardModel.from(body.state));
  });
  $("history-live").addEventListener("click", backToLive);
  $("call-join").addEventListener("click", async () => {
    try {
      const call = await (await api(`/api/boards/${boardId}/call`, { method: "POST" })).json();
      $("call-room").textContent = call.roomId;
      $("call-role").textContent = call.role;
      $("call-valid").textContent = new Date(call.validUntil).toLocaleString();
      $("call-details").hidden = false;
    } catch (error) {
      $("call-details").hidden = true;
      showMessage(`You cannot join the board's room: ${error.message}`);
    }
  });
}

function backToLive() {
  viewingSeq = null;
  $("history-live").hidden = true;
  renderAll();
  renderHistoryRange();
}

main().catch((error) => showMessage(error.message));
