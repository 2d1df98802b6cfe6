// The board as the server's committed operations make it, applied in seq order, and its SVG rendering.
export class BoardModel {
  seq = 0;
  shapes = new Map();
  background = { color: null, image: null };
  chat = [];
  // Who last drew or changed each shape: { author, agent? } from the op's log entry; unknown for a snapshot's shapes.
  authors = new Map();

  static from(state) {
    const model = new BoardModel();
    model.seq = state.seq;
    for (const shape of state.shapes) model.shapes.set(shape.id, shape);
    model.background = { color: state.background.color ?? null, image: state.background.image ?? null };
    model.chat = [...state.chat];
    return model;
  }

  // Applies { seq, author, at, op, agent? }; returns false when it is not the next seq.
  apply({ seq, author, at, op, agent }) {
    if (seq !== this.seq + 1) return false;
    const by = typeof agent === "string" && agent ? { author, agent } : { author };
    switch (op.type) {
      case "addShape": this.shapes.set(op.shape.id, op.shape); this.authors.set(op.shape.id, by); break;
      case "updateShape":
        if (this.shapes.has(op.shape.id)) {
          this.shapes.set(op.shape.id, op.shape);
          this.authors.set(op.shape.id, by);
        }
        break;
      case "removeShape": this.shapes.delete(op.shapeId); this.authors.delete(op.shapeId); break;
      case "clear": this.shapes.clear(); this.authors.clear(); break;
      case "setBackground":
        if (op.color !== undefined) this.background.color = op.color || null;
        if (op.image !== undefined) this.background.image = op.image || null;
        break;
      // Retired for new messages (chat lives in the board's ACS thread); an old board's log still holds them.
      case "chat": this.chat.push({ seq, author, text: op.text, at }); this.chat = this.chat.slice(-100); break;
    }
    this.seq = seq;
    return true;
  }
}

const SVG = "http://www.w3.org/2000/svg";

// How authorship reads wherever it is shown: a person's name, or "{user}'s assistant ({agent})" for an AI agent's op.
export function authorLabel(name, agent) {
  return agent ? `${name}'s assistant (${agent})` : name;
}

// A shape with its author (a label, when known) as its tooltip and data-author-label.
export function renderShape(shape, label) {
  const stroke = { stroke: shape.color, "stroke-width": shape.width, fill: shape.fill ?? "none", "stroke-linecap": "round", "stroke-linejoin": "round" };
  let element;
  switch (shape.kind) {
    case "polyline": element = make("polyline", { points: shape.points.map((p) => p.join(",")).join(" "), ...stroke }); break;
    case "line": element = make("line", { x1: shape.points[0][0], y1: shape.points[0][1], x2: shape.points[1][0], y2: shape.points[1][1], ...stroke }); break;
    case "rect": element = make("rect", { x: shape.x, y: shape.y, width: shape.w, height: shape.h, ...stroke }); break;
    case "ellipse": element = make("ellipse", { cx: shape.x + shape.w / 2, cy: shape.y + shape.h / 2, rx: shape.w / 2, ry: shape.h / 2, ...stroke }); break;
    case "circle": element = make("circle", { cx: shape.x, cy: shape.y, r: shape.r, ...stroke }); break;
    default:
      element = make("text", { x: shape.x, y: shape.y, "font-size": shape.fontSize ?? 16, fill: shape.color });
      element.textContent = shape.text;
  }
  element.dataset.shapeId = shape.id;
  if (label) {
    element.dataset.authorLabel = label;
    const title = make("title", {});
    title.textContent = label;
    element.append(title);
  }
  return element;
}

function make(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}
