// Test harness: runs gonetify (serve or demo) on free ports and opens the
// demo app in Debian's chromium with playwright-core.
import { spawn } from "node:child_process";
import { after, before } from "node:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** Where scripts/install-chromium.sh puts Debian's chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
/** Screenshots go here (gitignored). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "..", "artifacts");

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what, check, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/**
 * Starts `gonetify serve` (mode "serve") or `gonetify demo` (mode "demo",
 * the app behind the API Gateway emulator) on free ports. Returns {url,
 * gatewayURL, logs(), stop()}.
 */
export async function startGonetify(mode = "serve") {
  const bin = process.env.GONETIFY_BIN;
  if (!bin) throw new Error("GONETIFY_BIN is not set: run the tests with `npm test`");
  const port = await freePort();
  const args = [mode, "--addr", `127.0.0.1:${port}`];
  let gwPort;
  if (mode === "demo") {
    gwPort = await freePort();
    args.push("--gateway-addr", `127.0.0.1:${gwPort}`);
  }
  const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  let exited = false;
  proc.once("exit", () => (exited = true));

  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitFor(`${mode} at ${url}`, async () => {
      if (exited) throw new Error(`gonetify exited:\n${out}`);
      const res = await fetch(url + "healthz");
      return res.ok && (!gwPort || (await canConnect(gwPort)));
    });
  } catch (err) {
    proc.kill("SIGKILL");
    throw err;
  }
  return {
    url,
    gatewayURL: gwPort ? `ws://127.0.0.1:${gwPort}/prod` : null,
    logs: () => out,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

/**
 * Launches chromium with a fresh profile. Returns {context, newPage(),
 * close()}; newPage() records page errors in page.errors.
 */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "gonetify-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 820 },
  });
  context.setDefaultTimeout(10000);
  const first = context.pages()[0];
  let firstUsed = false;
  return {
    context,
    async newPage() {
      const page = !firstUsed && first ? first : await context.newPage();
      firstUsed = true;
      page.errors = [];
      page.on("pageerror", (err) => page.errors.push(err.message));
      page.on("console", (msg) => msg.type() === "error" && page.errors.push(msg.text()));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the demo app's tab (e.g. "HelloWorld") and waits for the hub
 * connection, unless connected is false (a tab without view models yet).
 */
export async function openTab(page, baseURL, tab, { query = "", connected = true } = {}) {
  await page.goto(`${baseURL}${query}#${tab}`);
  if (connected) await page.locator('[data-testid="conn-state"][data-state="connected"]').waitFor();
  await page.locator(`[data-testid="tab-${tab}"]`).waitFor();
}

/** Saves a screenshot of the page as artifacts/<name>.png and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Sets up a server and a browser for one test file (node:test before/after
 * hooks). Returns an object whose url, browser and server fill in before
 * the tests run.
 */
export function useApp(mode = "serve") {
  const app = {};
  before(async () => {
    app.server = await startGonetify(mode);
    app.url = app.server.url;
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.stop();
  });
  return app;
}
