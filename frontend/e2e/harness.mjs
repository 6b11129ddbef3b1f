// Browser-test harness: a store root with synthetic songs, a server for it, and Chromium.
//
// Server, in order of preference:
//   PERFORMIA_E2E_URL=http://127.0.0.1:8765/   an already running viewer (its folder in
//                                               PERFORMIA_E2E_DIR, filled with writeStore())
//   default                                     the real viewer: `$PERFORMIA_BIN view DIR --no-open
//                                               --port N` (PERFORMIA_BIN defaults to the repo's
//                                               .venv/bin/performia)
//   PERFORMIA_E2E_SERVER=node                   e2e/server.mjs, a stand-in (frontend work only)
// Browser: Debian's Chromium (`which chromium`, or PERFORMIA_CHROMIUM); never downloaded.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { writeStore } from "./fixture.mjs";
import { startNodeServer } from "./server.mjs";

export const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = resolve(FRONTEND, "..");
export const DIST = join(FRONTEND, "dist");

/** Chromium flags used by every test and the benchmark (reported by bench.mjs). */
export const CHROMIUM_ARGS = [
  "--no-sandbox", // the test machine runs as root
  "--autoplay-policy=no-user-gesture-required",
  "--disable-background-timer-throttling",
  "--disable-renderer-backgrounding",
  "--disable-backgrounding-occluded-windows",
];

export function chromiumPath() {
  if (process.env.PERFORMIA_CHROMIUM) return process.env.PERFORMIA_CHROMIUM;
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("Chromium is not installed: `sudo apt-get install -y chromium` (the tests never download a browser)");
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitForHttp(url, child, output, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the viewer exited (${child.exitCode}):\n${output.join("")}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the viewer did not answer ${url} within ${timeoutMs / 1000} s:\n${output.join("")}`);
}

function spawnViewer(command, args) {
  const output = [];
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });
  child.stdout.on("data", (d) => output.push(String(d)));
  child.stderr.on("data", (d) => output.push(String(d)));
  return { child, output };
}

async function startViewer(root) {
  const bin = process.env.PERFORMIA_BIN ? resolve(REPO_ROOT, process.env.PERFORMIA_BIN) : join(REPO_ROOT, ".venv", "bin", "performia");
  if (!existsSync(bin)) throw new Error(`no performia command at ${bin}: set PERFORMIA_BIN, or PERFORMIA_E2E_SERVER=node for the stand-in server`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const args = ["view", root, "--no-open", "--port", String(port), "--frontend", DIST];
  let { child, output } = spawnViewer(bin, args);
  try {
    await waitForHttp(`${url}config.json`, child, output);
  } catch (e) {
    if (!/No such command 'view'/.test(output.join(""))) throw e;
    // The viewer module exists but the CLI does not mount it yet: run the same command function.
    const python = join(dirname(bin), "python");
    ({ child, output } = spawnViewer(python, ["-c", "import typer; from performia.viewer.cli import view_command; typer.run(view_command)", ...args.slice(1)]));
    await waitForHttp(`${url}config.json`, child, output);
    process.stderr.write("note: `performia view` is not mounted in the CLI yet; ran performia.viewer.cli.view_command directly\n");
  }
  return {
    url,
    kind: "viewer",
    close: () =>
      new Promise((ok) => {
        if (child.exitCode !== null) return ok();
        child.once("exit", ok);
        child.kill("SIGINT");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}

/**
 * Start a server for `specs` (see fixture.writeStore). Returns {url, root, songs, close}; `root`
 * is the store folder (null when an external server's folder is unknown).
 */
export async function startApp(specs) {
  if (process.env.PERFORMIA_E2E_URL) {
    const root = process.env.PERFORMIA_E2E_DIR ?? null;
    const songs = root ? writeStore(root, specs) : specs.map((s) => s.song);
    return { url: process.env.PERFORMIA_E2E_URL.replace(/\/?$/, "/"), root, songs, kind: "external", close: async () => {} };
  }
  if (!existsSync(join(DIST, "index.html"))) throw new Error("frontend/dist is missing: run `npm run build` first");
  const root = mkdtempSync(join(tmpdir(), "performia-e2e-"));
  const songs = writeStore(root, specs);
  const server = process.env.PERFORMIA_E2E_SERVER === "node" ? { ...(await startNodeServer({ root, dist: DIST })), kind: "node" } : await startViewer(root);
  return {
    url: server.url,
    root,
    songs,
    kind: server.kind,
    close: async () => {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * One viewer over `songs` and one Chromium for a test file: started before its tests, closed
 * after them (node:test hooks). Read `session.app` and `session.browser` inside the tests.
 */
export function useSession(songs) {
  const session = { app: null, browser: null };
  before(async () => {
    session.app = await startApp(songs);
    session.browser = await launchBrowser();
  });
  after(async () => {
    await session.browser?.close();
    await session.app?.close();
  });
  return session;
}

/** A page at 1280×800 that fails the test on any uncaught page error. */
export async function newPage(browser, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  // Console errors fail a test, except the browser's own network log of an expected 4xx answer.
  if (process.env.E2E_CONSOLE) page.on("console", (m) => console.log("[page]", m.text()));
  page.on("console", (m) => m.type() === "error" && !/^Failed to load resource/.test(m.text()) && errors.push(new Error(m.text())));
  return { page, context, errors };
}

/** Flat syllables of a Song Map in reading order. */
export function syllablesOf(song) {
  const out = [];
  for (const sec of song.sections) for (const line of sec.lines ?? []) for (const s of line.syllables ?? []) out.push(s);
  return out;
}

export const SCREENSHOTS = join(FRONTEND, "docs", "screenshots");
