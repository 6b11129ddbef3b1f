// Performance of the Living Chart in Chromium (npm run bench): a synthetic five-minute song with
// about 2,000 syllables. Measures
//   - Song Map load → first paint of the chart (performance marks set by the app:
//     performia:song-load-start when song_map.json is requested, performia:chart-painted two
//     animation frames after the chart's first render), median of several loads;
//   - frame times while playing with the metronome on, on the lyrics and on the chord grid
//     (requestAnimationFrame deltas over ~10 s of playback each), with
//     long animation frames (PerformanceObserver) and the renderer's script/layout/style time
//     per frame (Chrome DevTools Protocol Performance.getMetrics).
// Prints one JSON object. Targets: frame work p95 ≤ 16 ms (and, with vsync, no frame missed:
// p95 between frames ≤ 16.7 ms), load → first paint ≤ 500 ms.
import { benchSong } from "./fixture.mjs";
import { CHROMIUM_ARGS, chromiumPath, launchBrowser, newPage, startApp, syllablesOf } from "./harness.mjs";

const SECONDS = Number(process.env.PERFORMIA_BENCH_SECONDS ?? 10);
// PERFORMIA_BENCH_UNTHROTTLED=1: no vsync and no frame-rate limit, so requestAnimationFrame runs
// as soon as the previous frame is produced and its deltas are the frame's real cost, not the
// display's 16.7 ms period (which a throttled measure can never go under).
const UNTHROTTLED = process.env.PERFORMIA_BENCH_UNTHROTTLED === "1";
const EXTRA_ARGS = UNTHROTTLED ? ["--disable-frame-rate-limit", "--disable-gpu-vsync"] : [];
const FRAME_TARGET = UNTHROTTLED ? 16 : 16.7;
const LOADS = Number(process.env.PERFORMIA_BENCH_LOADS ?? 5);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : null;
};
const round = (x, d = 2) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

const spec = { song: benchSong() };
const app = await startApp([spec]);
const browser = await launchBrowser(EXTRA_ARGS);
try {
  const song = app.songs[0];
  const syllableCount = syllablesOf(song).length;

  // 1. Load → first paint, several cold page loads.
  const loads = [];
  for (let i = 0; i < LOADS; i++) {
    const { page, context } = await newPage(browser);
    await page.goto(`${app.url}#/song/bench`);
    await page.waitForFunction(() => performance.getEntriesByName("performia:load-to-paint").length > 0, null, { timeout: 30_000 });
    loads.push(await page.evaluate(() => {
      const m = performance.getEntriesByName("performia:load-to-paint")[0];
      const fetched = performance.getEntriesByName("performia:song-loaded")[0];
      const start = performance.getEntriesByName("performia:song-load-start")[0];
      return { total: m.duration, fetchAndParse: fetched.startTime - start.startTime };
    }));
    await context.close();
  }

  // 2. Frames while playing, with the metronome clicking: on the lyrics, and on the chord grid.
  const VIEWS = { lyrics: { metronome: true, view: "lyrics" }, grid: { metronome: true, view: "grid" } };
  const playback = {};
  const pageErrors = [];
  let domNodes = 0;
  for (const [name, chartSettings] of Object.entries(VIEWS)) {
    const { page, context, errors } = await newPage(browser);
    await page.addInitScript((s) => localStorage.setItem("performia.chart", JSON.stringify(s)), chartSettings);
    await page.goto(`${app.url}#/song/bench`);
    await page.getByTestId("living-chart").waitFor();
    await page.waitForFunction(() => document.querySelector("audio[data-role=master]")?.readyState >= 2, null, { timeout: 30_000 });
    if (name === "lyrics") domNodes = await page.evaluate(() => document.getElementsByTagName("*").length);
    await page.evaluate(() => (document.querySelector("audio[data-role=master]").currentTime = 60));
    await page.waitForTimeout(500);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
    await page.getByTestId("play-button").click();
    await page.waitForFunction(() => !document.querySelector("audio[data-role=master]").paused);
    const before = await metrics();
    const frames = await page.evaluate(async (seconds) => {
      const deltas = [];
      const loaf = [];
      let observer = null;
      try {
        observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => loaf.push(e.duration)));
        observer.observe({ type: "long-animation-frame", buffered: false });
      } catch {
        /* older Chromium */
      }
      const audio = document.querySelector("audio[data-role=master]");
      const t0 = audio.currentTime;
      let changes = 0;
      const mo = new MutationObserver(() => changes++);
      mo.observe(document.querySelector("[data-testid=chart-viewport]"), { subtree: true, attributes: true, attributeFilter: ["data-testid", "aria-current"] });
      // Count the metronome's clicks (each is an oscillator started).
      let clicks = 0;
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (when) {
        clicks++;
        return start.call(this, when);
      };
      // A frame's work: from its start (the rAF timestamp, before any callback ran) to a message
      // posted in it, which runs once the frame's callbacks, style, layout and paint are done.
      const work = [];
      const channel = new MessageChannel();
      channel.port1.onmessage = (e) => work.push(performance.now() - e.data);
      await new Promise((done) => {
        let last = performance.now();
        const end = last + seconds * 1000;
        const tick = (now) => {
          deltas.push(now - last);
          last = now;
          channel.port2.postMessage(now);
          if (now < end) requestAnimationFrame(tick);
          else done();
        };
        requestAnimationFrame((now) => {
          last = now;
          requestAnimationFrame(tick);
        });
      });
      OscillatorNode.prototype.start = start;
      observer?.disconnect();
      mo.disconnect();
      await new Promise((r) => setTimeout(r, 50));
      channel.port1.close();
      return { deltas, work, loaf, audioSeconds: audio.currentTime - t0, changes, clicks };
    }, SECONDS);
    const after = await metrics();
    await page.getByTestId("play-button").click();
    const n = frames.deltas.length;
    const perFrame = (metric) => round(((after[metric] - before[metric]) * 1000) / n, 3);
    playback[name] = {
      seconds: round(frames.audioSeconds, 2),
      frames: n,
      [name === "grid" ? "barChanges" : "highlightChanges"]: frames.changes,
      metronomeClicks: frames.clicks,
      // What the target is about: the main thread's time to produce each frame.
      frameWorkMs: {
        p50: round(quantile(frames.work, 0.5)),
        p95: round(quantile(frames.work, 0.95)),
        p99: round(quantile(frames.work, 0.99)),
        max: round(Math.max(...frames.work)),
        target: 16,
      },
      // Time between frames: the display's period with vsync; unthrottled, a frame with nothing
      // to draw still waits for the next begin-frame, so this is not a cost.
      frameMs: {
        p50: round(quantile(frames.deltas, 0.5)),
        p95: round(quantile(frames.deltas, 0.95)),
        p99: round(quantile(frames.deltas, 0.99)),
        max: round(Math.max(...frames.deltas)),
        over16_7: frames.deltas.filter((d) => d > 16.7 + 0.5).length,
        over33_3: frames.deltas.filter((d) => d > 33.4).length,
        target: FRAME_TARGET,
      },
      longAnimationFrames: { count: frames.loaf.length, maxMs: frames.loaf.length ? round(Math.max(...frames.loaf)) : 0 },
      rendererMsPerFrame: { script: perFrame("ScriptDuration"), layout: perFrame("LayoutDuration"), style: perFrame("RecalcStyleDuration"), task: perFrame("TaskDuration") },
    };
    pageErrors.push(...errors.map(String));
    await context.close();
  }

  const result = {
    song: { syllables: syllableCount, seconds: song.duration, lines: song.sections.reduce((a, s) => a + s.lines.length, 0), domNodes },
    server: app.kind,
    browser: { executable: chromiumPath(), version: await browser.version(), headless: true, args: [...CHROMIUM_ARGS, ...EXTRA_ARGS], viewport: "1280x800" },
    frames: UNTHROTTLED ? "unthrottled (frame production time)" : "vsync (display period 16.7 ms)",
    loadToFirstPaintMs: {
      median: round(quantile(loads.map((l) => l.total), 0.5), 1),
      max: round(Math.max(...loads.map((l) => l.total)), 1),
      fetchAndParseMedian: round(quantile(loads.map((l) => l.fetchAndParse), 0.5), 1),
      runs: loads.length,
      target: 500,
    },
    playback,
    pageErrors,
  };
  const slack = UNTHROTTLED ? 0 : 0.5;
  result.pass = Object.values(playback).every((p) => p.frameWorkMs.p95 <= 16 && (UNTHROTTLED || p.frameMs.p95 <= FRAME_TARGET + slack)) && result.loadToFirstPaintMs.median <= 500;
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await app.close();
}
