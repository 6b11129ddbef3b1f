// Cloud mode in Chromium with the real Firestore emulator: upload through uploadUrl with an
// upload progress bar, then live per-stage progress from `jobs/{jobId}` (Firebase SDK, onSnapshot)
// up to "done" and opening the song; a failed job's readable error and Retry.
//
// Only the upload and library endpoints and the bucket are stand-ins here (a Node server speaking
// the contract's uploadUrl and libraryUrl answers and accepting the PUT);
// the job document is written to the
// Firestore emulator the way performia.jobs.firestore writes it, and the browser reads it with
// the production code. The whole stack (functions, Pub/Sub, fake-gcs-server) is exercised by
// e2e/upload.mjs. Skipped when the Firestore emulator cannot start here.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { standardSongs, wav, writeStore } from "./fixture.mjs";
import { DIST, launchBrowser, newPage, REPO_ROOT } from "./harness.mjs";
import { startNodeServer } from "./server.mjs";

const PROJECT = "demo-performia";
let emulator = null;
let firestoreHost = null;
let app = null;
let uploadApi = null;
let browser = null;
let root = null;
const tickets = [];
const received = new Map();

/** The Firestore emulator, started through performia.testing.emulators (as the stack does). */
function startEmulator() {
  return new Promise((ok, fail) => {
    const python = join(REPO_ROOT, ".venv", "bin", "python");
    const child = spawn(python, ["-c", "import sys\nfrom performia.testing.emulators import FirestoreEmulator\ne = FirestoreEmulator().start()\nprint(e.host, flush=True)\ntry:\n    sys.stdin.read()\nfinally:\n    e.stop()"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n")[0];
      if (out.includes("\n")) ok({ child, host: line.trim() });
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => fail(new Error(`the Firestore emulator did not start (${code}): ${err.slice(-500)}`)));
  });
}

/** A JS value as a Firestore REST value. */
function value(v) {
  if (v === null || v === undefined) return { nullValue: null };
  if (typeof v === "boolean") return { booleanValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { integerValue: String(v) } : { doubleValue: v };
  if (typeof v === "string") return { stringValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(value) } };
  return { mapValue: { fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)])) } };
}

/** Write jobs/{jobId} in the emulator (as the server client does: "Bearer owner" bypasses rules). */
async function writeJob(job) {
  const url = `http://${firestoreHost}/v1/projects/${PROJECT}/databases/(default)/documents/jobs/${job.jobId}`;
  const r = await fetch(url, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", Authorization: "Bearer owner" },
    body: JSON.stringify({ fields: Object.fromEntries(Object.entries(job).map(([k, v]) => [k, value(v)])) }),
  });
  assert.equal(r.status, 200, await r.text());
}

const STAGES = ["ingest", "separate", "transcribe", "melody", "rhythm", "harmony", "structure", "package"];
const job = (jobId, patch = {}) => ({
  jobId,
  status: "PENDING",
  progress: 0,
  stages: Object.fromEntries(STAGES.map((s) => [s, { state: "pending", progress: 0 }])),
  input: {},
  params: {},
  owner: null,
  songId: null,
  error: null,
  failedStage: null,
  ...patch,
});

before(async () => {
  try {
    ({ child: emulator, host: firestoreHost } = await startEmulator());
  } catch (e) {
    emulator = null;
    console.log(`# skipping cloud tests: ${e.message}`);
    return;
  }
  root = mkdtempSync(join(tmpdir(), "performia-cloud-"));
  writeStore(root, standardSongs().slice(0, 1));
  // The uploadUrl function and the bucket, per the contract.
  uploadApi = createServer(async (req, res) => {
    const cors = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, PUT, OPTIONS", "Access-Control-Allow-Headers": "Content-Type" };
    if (req.method === "OPTIONS") return res.writeHead(204, cors).end();
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    if (req.url === "/upload_url" && req.method === "POST") {
      const { filename, size, contentType } = JSON.parse(body.toString());
      if (!/\.(wav|mp3|flac)$/i.test(filename) || !(size > 0)) {
        return res.writeHead(400, { ...cors, "Content-Type": "application/json" }).end(JSON.stringify({ error: `${filename}: not an audio file` }));
      }
      const jobId = `job${tickets.length + 1}`;
      await writeJob(job(jobId, { input: { filename, size } }));
      const port = uploadApi.address().port;
      const ticket = { jobId, uploadUrl: `http://127.0.0.1:${port}/bucket/uploads/${jobId}/${encodeURIComponent(filename)}`, method: "PUT", headers: { "Content-Type": contentType }, objectName: `uploads/${jobId}/${filename}`, expiresAt: new Date(Date.now() + 9e5).toISOString() };
      tickets.push(ticket);
      return res.writeHead(200, { ...cors, "Content-Type": "application/json" }).end(JSON.stringify(ticket));
    }
    // The library function: the user's listing, and a song with its version and media URLs.
    if (req.url === "/library" && req.method === "POST") {
      const { op, songId } = JSON.parse(body.toString());
      const send = (status, data) => res.writeHead(status, { ...cors, "Content-Type": "application/json" }).end(JSON.stringify(data));
      if (op === "list") return send(200, JSON.parse(readFileSync(join(root, "songs", "index.json"), "utf8")));
      const path = join(root, "songs", songId, "song_map.json");
      if (!existsSync(path)) return send(403, { error: `song '${songId}' is not one of yours` });
      return send(200, { songId, version: "1700000000000001", songMap: JSON.parse(readFileSync(path, "utf8")), media: {}, expiresAt: new Date(Date.now() + 1e7).toISOString() });
    }
    if (req.url.startsWith("/bucket/") && req.method === "PUT") {
      received.set(req.url, body.length);
      return res.writeHead(200, cors).end();
    }
    res.writeHead(404, cors).end();
  });
  await new Promise((ok) => uploadApi.listen(0, "127.0.0.1", ok));
  const api = `http://127.0.0.1:${uploadApi.address().port}`;
  app = await startNodeServer({
    root,
    dist: DIST,
    configJson: {
      mode: "cloud",
      versionHeader: "X-Performia-Version",
      libraryUrl: `${api}/library`,
      saveSongUrl: "/api/save_song",
      uploadUrl: `${api}/upload_url`,
      kbQueryUrl: null,
      firestore: { projectId: PROJECT, emulatorHost: firestoreHost },
      openSong: null,
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await new Promise((ok) => (uploadApi ? uploadApi.close(ok) : ok()));
  if (emulator) {
    emulator.stdin.end();
    await new Promise((ok) => emulator.once("exit", ok));
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("cloud mode", () => {
  it("uploads with a progress bar, then follows the job's stages live to done and opens the song", async (t) => {
    if (!emulator) return t.skip("Firestore emulator unavailable");
    const { page, context, errors } = await newPage(browser);
    await page.goto(`${app.url}#/`);
    await page.getByTestId("dropzone").waitFor();
    // A 3 MB file on a throttled line, so the upload bar is seen moving.
    const file = join(root, "demo take.wav");
    writeFileSync(file, wav(new Float32Array(1_500_000).map((_, i) => 0.2 * Math.sin(i / 9)), 22050));
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 5, downloadThroughput: -1, uploadThroughput: 2_000_000 });
    await page.getByTestId("file-input").setInputFiles(file);
    const card = page.getByTestId("job");
    const seen = new Set();
    while ((await card.getAttribute("data-phase")) !== "processing") {
      const bar = page.getByTestId("upload-progress");
      if (await bar.count()) seen.add(Number(await bar.getAttribute("aria-valuenow")));
      await page.waitForTimeout(50);
    }
    assert.ok([...seen].some((v) => v > 0 && v < 100), `the upload bar never showed progress between 0 and 100 (saw ${[...seen]})`);
    assert.equal([...received.values()][0], statSync(file).size);
    const jobId = tickets[0].jobId;
    assert.equal(await card.getAttribute("data-job-id"), jobId);

    // The pipeline reports: ingest running, then done; rhythm running at 40 %.
    await writeJob(job(jobId, { status: "PROCESSING", progress: 0.1, stages: { ...job(jobId).stages, ingest: { state: "running", progress: 0.5 } } }));
    await page.waitForSelector("[data-testid=stage-ingest][data-state=running]");
    await writeJob(job(jobId, { status: "PROCESSING", progress: 0.4, stages: { ...job(jobId).stages, ingest: { state: "done", seconds: 1.2 }, rhythm: { state: "running", progress: 0.4 } } }));
    await page.waitForSelector("[data-testid=stage-rhythm][data-state=running]");
    assert.equal(await page.getByTestId("stage-ingest").getAttribute("data-state"), "done");
    assert.match(await page.getByTestId("job-status").textContent(), /Analysing 40%/);
    assert.equal(await page.getByTestId("job-progress").getAttribute("aria-valuenow"), "40");
    assert.deepEqual(await page.locator("[data-testid^=stage-]").evaluateAll((els) => els.map((e) => e.dataset.testid)), STAGES.map((s) => `stage-${s}`));

    // Done: the song is in the library and opens.
    const done = Object.fromEntries(STAGES.map((s) => [s, { state: "done", progress: 1 }]));
    await writeJob(job(jobId, { status: "DONE", progress: 1, stages: done, songId: "e2e-river" }));
    await page.waitForSelector("[data-testid=job][data-phase=done]");
    await page.getByTestId("job-open").click();
    await page.getByTestId("living-chart").waitFor();
    assert.equal(await page.getByTestId("song-title").textContent(), "River Song");
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("shows a failed job's error in words and retries the same file", async (t) => {
    if (!emulator) return t.skip("Firestore emulator unavailable");
    const { page, context, errors } = await newPage(browser);
    await page.goto(`${app.url}#/`);
    const file = join(root, "broken.wav");
    writeFileSync(file, Buffer.alloc(4096, 1));
    const before = tickets.length;
    await page.getByTestId("file-input").setInputFiles(file);
    await page.waitForSelector("[data-testid=job][data-phase=processing]");
    const jobId = tickets[before].jobId;
    await writeJob(job(jobId, {
      status: "FAILED",
      progress: 0.05,
      failedStage: "ingest",
      error: "broken.wav is not audio Performia can decode: no audio stream found",
      stages: { ...job(jobId).stages, ingest: { state: "failed", error: "no audio stream found" } },
    }));
    const error = page.getByTestId("job-error");
    await error.waitFor();
    assert.equal(await error.textContent(), "Failed while reading the audio: broken.wav is not audio Performia can decode: no audio stream found");
    await page.getByTestId("job-retry").click();
    await page.waitForSelector("[data-testid=job][data-phase=processing]");
    assert.equal(tickets.length, before + 2); // a new job for the same file
    assert.equal(await page.getByTestId("job").count(), 1);
    // A file the upload endpoint refuses (400) shows its message.
    writeFileSync(join(root, "cover.png"), Buffer.alloc(10, 1));
    await page.getByTestId("file-input").setInputFiles(join(root, "cover.png"));
    await page.getByTestId("job").filter({ hasText: "cover.png" }).getByTestId("job-error").waitFor();
    assert.match(await page.getByTestId("job").filter({ hasText: "cover.png" }).textContent(), /not an audio file Performia reads/);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
