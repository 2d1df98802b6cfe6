// Produces docs/images/observe-trace.png: draws one stroke on the running local stack (./scripts/start.sh) in headless
// chromium, finds that stroke's trace through the dashboard's API and screenshots its page in the dashboard.
// Usage: node tools/dashboard/observe-trace.mjs; env BASE_URL (default http://localhost:7071), DASHBOARD_URL (default
// http://localhost:18888), CHROMIUM (default /usr/bin/chromium), OUT (default docs/images/observe-trace.png).
import { X509Certificate, createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const base = (process.env.BASE_URL ?? "http://localhost:7071").replace(/\/$/, "");
const dashboard = (process.env.DASHBOARD_URL ?? "http://localhost:18888").replace(/\/$/, "");
const out = process.env.OUT ?? "docs/images/observe-trace.png";
// The chat SDK talks to the ACS emulator over https: trust its development certificate by its public key only.
const certificate = ".certs/acs-emulator.pem";
const trust = existsSync(certificate)
  ? [`--ignore-certificate-errors-spki-list=${createHash("sha256").update(new X509Certificate(readFileSync(certificate)).publicKey.export({ type: "spki", format: "der" })).digest("base64")}`]
  : [];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", ...trust] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(`${base}/`);
  await page.waitForURL(/\/\.auth\/login/);
  await page.fill("input[name=name]", "Alice");
  await page.click("button[type=submit]");
  await page.waitForSelector("#landing:not([hidden])");
  await page.fill("#create-form input[name=title]", "Observe it");
  await page.click("#create-form button[type=submit]");
  await page.waitForSelector("#connection[data-state=connected]", { timeout: 15000 });
  const board = new URL(page.url()).hash.split("/").pop();

  const box = await page.locator("#canvas").boundingBox();
  await page.mouse.move(box.x + 100, box.y + 100);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + 100 + 20 * i, box.y + 100 + 10 * i);
  await page.mouse.up();
  await page.waitForSelector("#shapes polyline[data-shape-id]");

  // The stroke's trace: the one whose spans name this board and an addShape operation. Exporters batch every few seconds.
  let traceId;
  for (let attempt = 0; attempt < 60 && !traceId; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const { data } = await (await fetch(`${dashboard}/api/telemetry/traces`)).json();
    const spans = (data?.resourceSpans ?? []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const attribute = (span, key) => span.attributes?.find((a) => a.key === key)?.value?.stringValue;
    traceId = spans.find((s) => attribute(s, "collab.board.id") === board && attribute(s, "collab.op.kind") === "addShape")?.traceId;
  }
  if (!traceId) throw new Error(`No trace of the stroke on board ${board} reached ${dashboard}.`);

  const view = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
  await view.goto(`${dashboard}/traces/detail/${traceId}`);
  await view.waitForLoadState("networkidle");
  // The banner about the unsecured local endpoint is known (start.sh's choice for local use): close it for the picture.
  const dismiss = view.locator(".dashboard-message-bar-dismiss").first();
  await dismiss.waitFor({ timeout: 5000 }).then(() => dismiss.click()).catch(() => {});
  await view.waitForTimeout(2000);
  await view.screenshot({ path: out });
  console.log(`Trace ${traceId} of board ${board}: ${dashboard}/traces/detail/${traceId} -> ${out}`);
} finally {
  await browser.close();
}
