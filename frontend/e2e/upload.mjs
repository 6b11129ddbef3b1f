// Cloud-mode browser test: upload a recording from the Library and watch it become a song.
//
//   PERFORMIA_E2E_CLOUD_CONFIG=/path/or/url/to/config.json npm run upload-e2e
//
// The config is the cloud side of the contract (mode "cloud", libraryUrl,
// uploadUrl, saveSongUrl, firestore {projectId, emulatorHost}) of a RUNNING stack (the local
// emulators or a deployment). This script serves frontend/dist with that config, drives Chromium:
//   1. a file that is not audio is refused in the browser, with a message;
//   2. a synthetic song (or PERFORMIA_E2E_UPLOAD_FILE) is dropped on the Library: the upload bar
//      fills, then the job's stages appear live from Firestore and progress reaches "done";
//   3. the new song opens as a Living Chart;
//   4. a corrupt .wav is uploaded: its job ends FAILED with a readable error and a Retry button.
// The stack must allow the page's origin (CORS) on uploadUrl, the bucket and Firestore.
// Timeouts: PERFORMIA_E2E_UPLOAD_TIMEOUT seconds for an analysis (default 900).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { makeSong, wav } from "./fixture.mjs";
import { DIST, launchBrowser, newPage, SCREENSHOTS } from "./harness.mjs";
import { startNodeServer } from "./server.mjs";

const source = process.env.PERFORMIA_E2E_CLOUD_CONFIG;
if (!source) {
  console.error("set PERFORMIA_E2E_CLOUD_CONFIG to the running stack's config.json (a path or a URL)");
  process.exit(2);
}
const TIMEOUT = Number(process.env.PERFORMIA_E2E_UPLOAD_TIMEOUT ?? 900) * 1000;

const config = /^https?:/.test(source) ? await (await fetch(source)).json() : JSON.parse(readFileSync(source, "utf8"));
assert.equal(config.mode, "cloud", "the config must be a cloud-mode config.json");
assert.ok(config.uploadUrl, "the config has no uploadUrl");
assert.ok(config.firestore, "the config has no firestore section");

const work = mkdtempSync(join(tmpdir(), "performia-upload-"));
const server = await startNodeServer({ root: work, dist: DIST, configJson: config });
const browser = await launchBrowser();
const step = (s) => console.log(`- ${s}`);
try {
  // A 20-second synthetic song: tones on a syllable grid over a chord drone and beat clicks.
  let file = process.env.PERFORMIA_E2E_UPLOAD_FILE;
  if (!file) {
    const song = makeSong({ id: "upload", title: "Upload Test", lines: 4, seed: 21 });
    const rate = 22050;
    const n = Math.ceil(song.duration * rate);
    const samples = new Float32Array(n);
    for (const sec of song.sections)
      for (const line of sec.lines)
        for (const s of line.syllables)
          for (let i = Math.floor(s.startTime * rate); i < Math.min(n, (s.startTime + s.duration) * rate); i++)
            samples[i] += 0.3 * Math.sin((2 * Math.PI * 440 * 2 ** ((s.pitch - 69) / 12) * i) / rate);
    file = join(work, "upload-test.wav");
    writeFileSync(file, wav(samples, rate));
  }
  const notAudio = join(work, "notes.txt");
  writeFileSync(notAudio, "not a song");
  const corrupt = join(work, "broken.wav");
  writeFileSync(corrupt, Buffer.concat([Buffer.from("RIFF\u0000\u0000\u0000\u0000WAVEjunk"), Buffer.alloc(4096, 7)]));

  const { page, errors } = await newPage(browser);
  await page.goto(`${server.url}#/`);
  await page.getByTestId("dropzone").waitFor();

  step("a file that is not audio is refused before uploading");
  await page.getByTestId("file-input").setInputFiles(notAudio);
  const refused = page.getByTestId("job").filter({ hasText: "notes.txt" });
  await refused.getByTestId("job-error").waitFor();
  assert.match(await refused.getByTestId("job-error").textContent(), /not an audio file/);

  step(`uploading ${basename(file)}`);
  await page.getByTestId("file-input").setInputFiles(file);
  const job = page.getByTestId("job").filter({ hasText: basename(file) });
  await job.waitFor();
  await page.waitForFunction((name) => {
    const el = [...document.querySelectorAll("[data-testid=job]")].find((j) => j.textContent.includes(name));
    return el && ["processing", "done", "failed"].includes(el.dataset.phase);
  }, basename(file), { timeout: 120_000 });
  assert.notEqual(await job.getAttribute("data-phase"), "failed", await job.textContent());
  const jobId = await job.getAttribute("data-job-id");
  step(`uploaded; job ${jobId}: waiting for the analysis (up to ${TIMEOUT / 1000} s)`);
  await job.locator("[data-testid^=stage-]").first().waitFor({ timeout: 120_000 });
  const seen = new Set();
  const deadline = Date.now() + TIMEOUT;
  while (Date.now() < deadline) {
    const phase = await job.getAttribute("data-phase");
    for (const s of await job.locator("[data-testid^=stage-]").evaluateAll((els) => els.map((e) => `${e.dataset.testid}:${e.dataset.state}`))) seen.add(s);
    if (phase === "done" || phase === "failed") break;
    await page.waitForTimeout(500);
  }
  assert.equal(await job.getAttribute("data-phase"), "done", `job did not finish: ${await job.textContent()}`);
  assert.ok([...seen].some((s) => s.endsWith(":running") || s.endsWith(":done")), "no stage progress was ever shown");
  step(`done; stage states seen: ${[...seen].sort().join(", ")}`);
  await page.screenshot({ path: join(SCREENSHOTS, "library-upload.png") });

  step("opening the new song");
  await job.getByTestId("job-open").click();
  await page.getByTestId("living-chart").waitFor();
  await page.waitForFunction(() => document.querySelector("audio[data-role=master]")?.readyState >= 1, null, { timeout: 30_000 });

  step("a corrupt file fails with a readable error and can be retried");
  await page.goto(`${server.url}#/`);
  await page.getByTestId("file-input").setInputFiles(corrupt);
  const bad = page.getByTestId("job").filter({ hasText: "broken.wav" });
  await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=job]")].some((j) => j.textContent.includes("broken.wav") && j.dataset.phase === "failed"), null, { timeout: TIMEOUT });
  const message = await bad.getByTestId("job-error").textContent();
  assert.match(message, /^Failed/);
  assert.doesNotMatch(message, /Traceback|Exception/);
  await bad.getByTestId("job-retry").waitFor();
  step(`failed as expected: ${message}`);
  assert.deepEqual(errors.map(String), []);
  console.log("upload e2e: ok");
} finally {
  await browser.close();
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
