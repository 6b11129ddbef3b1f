// The Living Chart in Chromium: playback drives the highlight within 50 ms of each syllable's
// start, chords transpose with the right spelling, capo shows shapes, the stems mixer mutes,
// instrumental passages count down, keyboard control works; screenshots for the docs.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { standardSongs } from "./fixture.mjs";
import { newPage, SCREENSHOTS, syllablesOf, useSession } from "./harness.mjs";

const session = useSession(standardSongs());

const river = () => session.app.songs.find((s) => s.id === "e2e-river");

async function openChart(songId, { fresh = true } = {}) {
  const { page, context, errors } = await newPage(session.browser);
  // Start from default settings once; a reload inside the test keeps what the test set.
  if (fresh) await page.addInitScript(() => {
    if (!sessionStorage.getItem("e2e-cleared")) {
      localStorage.clear();
      sessionStorage.setItem("e2e-cleared", "1");
    }
  });
  await page.goto(`${session.app.url}#/song/${songId}`);
  await page.getByTestId("living-chart").waitFor();
  await page.waitForFunction(() => {
    const a = document.querySelector("audio[data-role=master]");
    return a && a.readyState >= 1;
  });
  return { page, context, errors };
}

/** Record every click the page schedules: its time on the Web Audio clock and its pitch. */
const recordClicks = (page) =>
  page.evaluate(() => {
    window.__clicks = [];
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (when) {
      window.__clicks.push({ when, hz: this.frequency.value, ctx: this.context });
      return start.call(this, when);
    };
  });

/** Where each recorded click falls on the song's clock (song time now, less the wall time since
 * the click as heard: the context's output timestamp carried to this instant), and that now. */
const clicksOnSongClock = (page) =>
  page.evaluate(() => {
    const audio = document.querySelector("audio[data-role=master]");
    const ctx = window.__clicks[0].ctx;
    const songNow = audio.currentTime;
    const ts = ctx.getOutputTimestamp();
    const ctxNow = ts.contextTime + (performance.now() - ts.performanceTime) / 1000;
    return { clicks: window.__clicks.map((c) => ({ t: songNow - (ctxNow - c.when) * audio.playbackRate, hz: c.hz })), until: songNow };
  });

/** Transpose up `semitones` and put a capo on `capo`. */
async function transposeAndCapo(page, semitones, capo) {
  for (let i = 0; i < semitones; i++) await page.getByTestId("transpose-up").click();
  await page.getByTestId("capo").selectOption(String(capo));
}

describe("Living Chart", () => {
  it("highlights each syllable within 50 ms of its start while playing", async () => {
    const { page, context, errors } = await openChart("e2e-river");
    const syllables = syllablesOf(river());
    // Record, for every change of the highlighted syllable, the audio clock at that moment.
    await page.evaluate(() => {
      window.__changes = [];
      const audio = document.querySelector("audio[data-role=master]");
      new MutationObserver(() => {
        const el = document.querySelector("[data-testid=current-syllable]");
        if (el) window.__changes.push({ i: Number(el.dataset.i), t: audio.currentTime, paused: audio.paused });
      }).observe(document.querySelector("[data-testid=chart-viewport]"), { subtree: true, attributes: true, attributeFilter: ["data-testid"] });
    });
    // Seek just before the first line and play ~6 s (about 14 syllables).
    const from = syllables[0].startTime - 0.5;
    await page.evaluate((t) => (document.querySelector("audio[data-role=master]").currentTime = t), from);
    await page.getByTestId("play-button").click();
    await page.waitForFunction((t) => document.querySelector("audio[data-role=master]").currentTime > t, from + 6, { timeout: 20_000 });
    await page.getByTestId("play-button").click(); // pause
    const changes = (await page.evaluate(() => window.__changes)).filter((c) => !c.paused);
    assert.ok(changes.length >= 10, `expected at least 10 highlight changes while playing, got ${changes.length}`);
    const lags = [];
    for (const c of changes) {
      const s = syllables[c.i];
      const next = syllables[c.i + 1];
      // The highlighted syllable must be the one sung at that moment …
      assert.ok(c.t >= s.startTime - 0.001, `syllable ${c.i} (“${s.text}”) highlighted at ${c.t.toFixed(3)} s, before it starts at ${s.startTime}`);
      if (next) assert.ok(c.t < next.startTime + 0.05, `syllable ${c.i} highlighted at ${c.t.toFixed(3)} s, after the next one started (${next.startTime})`);
      // … and it must take over within 50 ms of its start.
      lags.push(c.t - s.startTime);
    }
    const worst = Math.max(...lags);
    assert.ok(worst <= 0.05, `highlight lagged the audio by up to ${(worst * 1000).toFixed(1)} ms (limit 50 ms)`);
    // The wipe runs across the current syllable: --p grows from 0 to 1.
    const p = await page.evaluate(() => getComputedStyle(document.querySelector("[data-testid=current-syllable]")).getPropertyValue("--p"));
    assert.ok(Number(p) >= 0 && Number(p) <= 1, `wipe progress ${p}`);
    console.log(`highlight lag over ${lags.length} syllables: max ${(worst * 1000).toFixed(1)} ms, mean ${((lags.reduce((a, b) => a + b, 0) / lags.length) * 1000).toFixed(1)} ms`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("highlights the right syllable after a seek, while paused", async () => {
    const { page, context } = await openChart("e2e-river");
    const syllables = syllablesOf(river());
    for (const k of [3, 17, 30, 50]) {
      const t = syllables[k].startTime + 0.02;
      await page.evaluate((t) => (document.querySelector("audio[data-role=master]").currentTime = t), t);
      await page.waitForFunction((k) => document.querySelector("[data-testid=current-syllable]")?.dataset.i === String(k), k, { timeout: 5000 });
      const text = await page.getByTestId("current-syllable").locator(".tx").textContent();
      assert.equal(text, syllables[k].text);
    }
    await context.close();
  });

  it("transposes chords with the spelling of the new key, and shows capo shapes", async () => {
    const { page, context, errors } = await openChart("e2e-river");
    const chords = () => page.locator(".line [data-testid=chord]").allTextContents();
    const original = await chords();
    assert.deepEqual(original.slice(0, 4), ["G", "D", "Em", "C"]);
    await page.getByTestId("transpose-up").click();
    await page.getByTestId("transpose-up").click();
    assert.equal(await page.getByTestId("transpose-value").textContent(), "+2");
    assert.deepEqual((await chords()).slice(0, 4), ["A", "E", "F#m", "D"]);
    assert.match(await page.getByTestId("song-key").textContent(), /Key A/);
    // Down to F (−2 from G): flats, not sharps.
    for (let i = 0; i < 4; i++) await page.getByTestId("transpose-down").click();
    assert.deepEqual((await chords()).slice(0, 4), ["F", "C", "Dm", "Bb"]);
    // Back to G, capo 2: shapes in F.
    await page.getByTestId("transpose-up").click();
    await page.getByTestId("transpose-up").click();
    await page.getByTestId("capo").selectOption("2");
    assert.deepEqual((await chords()).slice(0, 4), ["F", "C", "Dm", "Bb"]);
    assert.match(await page.getByTestId("song-key").textContent(), /Key G.*capo 2, shapes in F/);
    // Instrumental passages show their progression spelt the same way.
    const gap = await page.locator("[data-testid=instrumental]").first().locator("[data-testid=gap-chord]").allTextContents();
    assert.deepEqual(gap, ["F", "C", "Dm", "Bb"]);
    // The setting is remembered for the song.
    await page.reload();
    await page.getByTestId("living-chart").waitFor();
    assert.deepEqual((await chords()).slice(0, 4), ["F", "C", "Dm", "Bb"]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("counts down to the next line in an instrumental passage and shows bar and beat", async () => {
    const { page, context } = await openChart("e2e-river");
    await page.evaluate(() => (document.querySelector("audio[data-role=master]").currentTime = 3.2));
    // The intro is already active at 0:00 (counting 8); after the seek it counts from 4.8 s → "5".
    await page.waitForFunction(() => document.querySelector("[data-testid=instrumental].active .count")?.textContent === "5", null, { timeout: 5000 });
    assert.match(await page.getByTestId("countdown").textContent(), /Next line in 5 s/);
    assert.equal(await page.getByTestId("bar-number").textContent(), "2"); // 3.2 s at 120 BPM 4/4 → bar 2
    assert.equal(await page.locator("[data-testid=beat-indicator] i.on").count(), 1);
    assert.equal(await page.getByTestId("hud-section").textContent(), "Intro");
    await context.close();
  });

  it("mutes and solos stems, keeping them in sync", async () => {
    const { page, context, errors } = await openChart("e2e-stems");
    assert.equal(await page.locator("audio").count(), 4);
    await page.getByTestId("mute-vocals").click();
    assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll("audio")].map((a) => [a.dataset.testid, a.muted])), [
      ["audio-vocals", true], ["audio-drums", false], ["audio-bass", false], ["audio-other", false],
    ]);
    await page.getByTestId("solo-drums").click();
    assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll("audio")].map((a) => a.muted)), [true, false, true, true]);
    await page.getByTestId("play-button").click();
    await page.waitForFunction(() => document.querySelector("audio[data-role=master]").currentTime > 2, null, { timeout: 15_000 });
    const drift = await page.evaluate(() => {
      const [m, ...rest] = document.querySelectorAll("audio");
      return Math.max(...rest.map((a) => Math.abs(a.currentTime - m.currentTime)));
    });
    assert.ok(drift < 0.1, `stems drifted ${drift.toFixed(3)} s apart`);
    await page.getByTestId("play-button").click();
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("slows down without changing pitch, loops a section and follows keyboard and page-turner keys", async () => {
    const { page, context } = await openChart("e2e-river");
    await page.getByTestId("rate").selectOption("0.75");
    assert.deepEqual(await page.evaluate(() => { const a = document.querySelector("audio[data-role=master]"); return [a.playbackRate, a.preservesPitch]; }), [0.75, true]);
    // PageDown jumps to the next section (Verse 1 at 8.0 s), PageDown again to the Chorus.
    await page.keyboard.press("PageDown");
    await page.waitForFunction(() => Math.abs(document.querySelector("audio[data-role=master]").currentTime - 8) < 0.01);
    const chorus = river().sections.find((s) => s.name === "Chorus");
    await page.keyboard.press("PageDown");
    await page.waitForFunction((t) => Math.abs(document.querySelector("audio[data-role=master]").currentTime - t) < 0.01, chorus.startTime);
    // ArrowDown goes to the next line; space plays.
    await page.keyboard.press("ArrowDown");
    const lineStart = chorus.lines[1].startTime - 0.3;
    await page.waitForFunction((t) => Math.abs(document.querySelector("audio[data-role=master]").currentTime - t) < 0.01, lineStart);
    // A pedal pressed again goes on line by line (it used to land 0.3 s before the same line
    // every time), and ArrowUp comes back one line.
    for (const n of [2, 3]) {
      await page.keyboard.press("ArrowDown");
      await page.waitForFunction((t) => Math.abs(document.querySelector("audio[data-role=master]").currentTime - t) < 0.01, chorus.lines[n].startTime - 0.3);
    }
    await page.keyboard.press("ArrowUp");
    await page.waitForFunction((t) => Math.abs(document.querySelector("audio[data-role=master]").currentTime - t) < 0.01, chorus.lines[2].startTime - 0.3);
    // Loop the section: playing past its end wraps to its start.
    await page.keyboard.press("l");
    assert.equal(await page.getByTestId("loop").getAttribute("aria-pressed"), "true");
    await page.evaluate((t) => (document.querySelector("audio[data-role=master]").currentTime = t), chorus.endTime - 0.4);
    await page.keyboard.press(" ");
    await page.waitForFunction((c) => { const t = document.querySelector("audio[data-role=master]").currentTime; return t >= c.startTime && t < c.startTime + 2; }, chorus, { timeout: 10_000 });
    await page.keyboard.press(" ");
    assert.equal(await page.evaluate(() => document.querySelector("audio[data-role=master]").paused), true);
    // Space after clicking the play button (which keeps focus) toggles once, not twice.
    await page.getByTestId("play-button").click();
    await page.waitForFunction(() => !document.querySelector("audio[data-role=master]").paused);
    await page.keyboard.press(" ");
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => document.querySelector("audio[data-role=master]").paused), true);
    await context.close();
  });

  it("keeps the transport keys after the performer touches the seek bar or a slider", async () => {
    const { page, context } = await openChart("e2e-river");
    await page.getByTestId("seek").click(); // focus stays on the range input
    await page.evaluate(() => (document.querySelector("audio[data-role=master]").currentTime = 1));
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "seek");
    // PageDown goes forward to the next section, Verse 1 at 8 s (the slider used to take it)
    await page.keyboard.press("PageDown");
    await page.waitForFunction(() => Math.abs(document.querySelector("audio[data-role=master]").currentTime - 8) < 0.01);
    const section = 8;
    // → is 5 s, not the slider's step
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction((t) => Math.abs(document.querySelector("audio[data-role=master]").currentTime - t - 5) < 0.01, section);
    // Space plays and pauses
    await page.keyboard.press(" ");
    await page.waitForFunction(() => !document.querySelector("audio[data-role=master]").paused);
    await page.keyboard.press(" ");
    await page.waitForFunction(() => document.querySelector("audio[data-role=master]").paused);
    // the same after the line-spacing slider
    await page.getByRole("slider", { name: "Line spacing" }).focus();
    await page.keyboard.press(" ");
    await page.waitForFunction(() => !document.querySelector("audio[data-role=master]").paused);
    await page.keyboard.press(" ");
    await context.close();
  });

  it("keeps the current line in view when the text grows", async () => {
    const { page, context } = await openChart("e2e-river");
    const song = river();
    const line = song.sections.flatMap((s) => s.lines)[5];
    await page.evaluate((t) => (document.querySelector("audio[data-role=master]").currentTime = t), line.startTime + 0.2);
    await page.waitForFunction(() => document.querySelector(".line.cur"));
    for (let i = 0; i < 10; i++) await page.keyboard.press("+");
    await page.waitForTimeout(300);
    const where = await page.evaluate(() => {
      const cur = document.querySelector(".line.cur").getBoundingClientRect();
      const view = document.querySelector("[data-testid=chart-viewport]").getBoundingClientRect();
      return { top: cur.top, bottom: cur.bottom, viewTop: Math.max(0, view.top), viewBottom: Math.min(innerHeight, view.bottom) };
    });
    assert.ok(where.top >= where.viewTop - 1 && where.bottom <= where.viewBottom + 1, `the current line left the view: ${JSON.stringify(where)}`);
    await context.close();
  });

  it("counts in on the song's beats: the music enters in phase, and the count covers no lyrics", async () => {
    const { page, context, errors } = await openChart("e2e-river");
    await recordClicks(page);
    // Resume mid-beat: beats every 0.5 s, so 9.27 s is 0.27 s after a beat.
    await page.evaluate(() => (document.querySelector("audio[data-role=master]").currentTime = 9.27));
    await page.getByTestId("count-in").click();
    await page.getByTestId("play-button").click();
    await page.waitForFunction(() => !document.querySelector("[data-testid=count-in-display]").hidden);
    const shown = await page.getByTestId("count-in-display").textContent();
    // The clicks stand for beats 7.5 (beat 4 of the bar from 6 s), 8 (a downbeat), 8.5 and 9.
    assert.equal(shown, "4", `the count-in shows the beat of the bar it clicks (got ${shown})`);
    // The count sits outside the chart, clear of every line.
    const overlap = await page.evaluate(() => {
      const box = document.querySelector("[data-testid=count-in-display]").getBoundingClientRect();
      const view = document.querySelector("[data-testid=chart-viewport]").getBoundingClientRect();
      const hits = [...document.querySelectorAll(".line")].map((l) => l.getBoundingClientRect()).filter((r) => r.bottom > view.top && r.top < view.bottom)
        .filter((r) => r.left < box.right && r.right > box.left && r.top < box.bottom && r.bottom > box.top);
      return { hits: hits.length, insideView: box.top < view.bottom && box.bottom > view.top };
    });
    assert.deepEqual(overlap, { hits: 0, insideView: false });
    await page.waitForFunction(() => !document.querySelector("audio[data-role=master]").paused, null, { timeout: 6000 });
    await page.waitForFunction(() => document.querySelector("audio[data-role=master]").currentTime > 9.6, null, { timeout: 4000 });
    const clicks = (await clicksOnSongClock(page)).clicks.map((c) => c.t);
    assert.equal(clicks.length, 4);
    const offBeat = clicks.map((c, i) => c - [7.5, 8, 8.5, 9][i]);
    console.log(`count-in clicks on the song clock: ${clicks.map((c) => c.toFixed(3)).join(", ")}`);
    for (const d of offBeat) assert.ok(Math.abs(d) <= 0.05, `a click fell ${(d * 1000).toFixed(0)} ms off the song's beat (limit 50 ms): ${clicks}`);
    await page.getByTestId("play-button").click();
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("keeps a word's syllables together: no gap inside a word unless a chord above opens one", async () => {
    const { page, context } = await openChart("e2e-river");
    await page.getByTestId("font-larger").click(); // the report was at 30 px text
    const gaps = await page.evaluate(() => {
      const textBox = (el) => {
        const r = document.createRange();
        r.selectNodeContents(el.querySelector(".tx").firstChild);
        return r.getBoundingClientRect();
      };
      const out = { inside: [], between: [] };
      for (const word of document.querySelectorAll(".line .word")) {
        const syls = [...word.querySelectorAll(".syl")];
        for (let k = 0; k + 1 < syls.length; k++) {
          // The chord's own width (its box stretches to the column), padding included.
          const ch = syls[k].querySelector(".ch");
          const r = document.createRange();
          r.selectNodeContents(ch);
          const chordWidth = ch.textContent ? r.getBoundingClientRect().width + parseFloat(getComputedStyle(ch).paddingRight) : 0;
          const chordWider = chordWidth > textBox(syls[k]).width - 0.5;
          if (!chordWider) out.inside.push(textBox(syls[k + 1]).left - textBox(syls[k]).right);
        }
        const next = word.nextElementSibling;
        if (next?.classList.contains("word") && next.getBoundingClientRect().top === word.getBoundingClientRect().top) {
          out.between.push(textBox(next.querySelector(".syl")).left - textBox(syls.at(-1)).right);
        }
      }
      return out;
    });
    assert.ok(gaps.inside.length >= 5, `words of several syllables on the chart: ${gaps.inside.length}`);
    const widest = Math.max(...gaps.inside);
    assert.ok(widest <= 0.5, `a ${widest.toFixed(1)} px gap inside a word (words are ${Math.min(...gaps.between).toFixed(1)} px apart)`);
    assert.ok(Math.min(...gaps.between) >= 4, "words stay apart");
    await context.close();
  });

  it("prints the sounding key, the capo and its shapes, and hyphens where a chord splits a word", async () => {
    const { page, context, errors } = await openChart("e2e-river");
    await transposeAndCapo(page, 2, 1);
    await page.emulateMedia({ media: "print" });
    const header = await page.locator(".print-sheet header p").textContent();
    // G transposed +2 sounds in A; with capo 1 the chords are written as shapes in Ab.
    assert.match(header, /Key A \(transposed \+2 from G\)/);
    assert.match(header, /Capo 1: chords are shapes in Ab/);
    const printed = await page.locator(".print-sheet .pc").allTextContents();
    assert.deepEqual(printed.filter(Boolean).slice(0, 4), ["Ab", "Eb", "Fm", "Db"]);
    const hyphens = await page.evaluate(() =>
      [...document.querySelectorAll(".print-sheet .ps.mid")].map((ps) => {
        const text = document.createRange();
        text.selectNodeContents(ps.querySelector(".pt").firstChild);
        return {
          room: ps.getBoundingClientRect().width - text.getBoundingClientRect().width,
          hyphen: ps.querySelector(".hy").getBoundingClientRect().width,
        };
      }),
    );
    const split = hyphens.filter((h) => h.room > 6);
    assert.ok(split.length >= 1, "the fixture has a chord wider than the syllable under it, inside a word");
    for (const h of split) assert.ok(h.hyphen >= 4, `a word split by a chord shows its hyphen: ${JSON.stringify(h)}`);
    for (const h of hyphens.filter((h) => h.room < 0.5)) assert.equal(h.hyphen, 0, "no hyphen where the syllables touch");
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("clicks a metronome on the song's beats while playing, accented on the downbeat", async () => {
    const { page, context, errors } = await openChart("e2e-river");
    await recordClicks(page);
    await page.evaluate(() => (document.querySelector("audio[data-role=master]").currentTime = 9.27));
    await page.getByTestId("metronome").click();
    await page.getByTestId("play-button").click();
    await page.waitForFunction(() => document.querySelector("audio[data-role=master]").currentTime > 11.3, null, { timeout: 8000 });
    const { clicks, until } = await clicksOnSongClock(page);
    await page.getByTestId("play-button").click();
    const heard = clicks.filter((c) => c.t <= until);
    console.log(`metronome clicks on the song clock: ${heard.map((c) => c.t.toFixed(3)).join(", ")}`);
    // The beat 0.23 s after pressing play falls in the 0.3 s the player waits for the element's
    // clock to settle; every beat after it is clicked.
    assert.ok(heard.filter((c) => Math.abs(c.t - 9.5) <= 0.04).length <= 1);
    for (const beat of [10, 10.5, 11]) {
      const near = heard.filter((c) => Math.abs(c.t - beat) <= 0.04);
      assert.equal(near.length, 1, `one click within 40 ms of the beat at ${beat} s: ${heard.map((c) => c.t.toFixed(3))}`);
      assert.equal(near[0].hz > 1500, beat === 10, `the click at ${beat} s is ${beat === 10 ? "" : "not "}accented (downbeat at 10 s)`);
    }
    for (const c of heard) assert.ok(Math.abs(c.t * 2 - Math.round(c.t * 2)) <= 0.08, `a click off the beat at ${c.t.toFixed(3)} s`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("draws chord diagrams for guitar, ukulele and piano, and simplifies chords", async () => {
    const { page, context, errors } = await openChart("e2e-anthem"); // G, D/F#, Em7, Cmaj7
    const lineChords = () => page.locator(".line [data-testid=chord]").allTextContents();
    assert.deepEqual((await lineChords()).slice(0, 4), ["G", "D/F#", "Em7", "Cmaj7"]);
    await page.getByTestId("show-diagrams").click();
    const diagrams = page.getByTestId("chord-diagram");
    await diagrams.first().waitFor();
    assert.deepEqual(await diagrams.evaluateAll((els) => els.map((e) => e.dataset.chord)), ["G", "D/F#", "Em7", "Cmaj7"]);
    // Guitar: G is 320003; D/F# is drawn as D with the bass named.
    assert.equal(await diagrams.nth(0).getByTestId("fretboard").getAttribute("aria-label"), "G: 3 2 0 0 0 3");
    assert.match(await diagrams.nth(1).locator("figcaption").textContent(), /D\/F#.*bass F#/);
    assert.equal(await diagrams.nth(2).getByTestId("fretboard").getAttribute("aria-label"), "Em7: 0 2 2 0 3 0");
    assert.equal(await diagrams.nth(0).locator("line.string").count(), 6);
    // Ukulele: four strings.
    await page.getByTestId("instrument-ukulele").click();
    await page.waitForFunction(() => document.querySelector("[data-testid=chord-diagram] svg")?.querySelectorAll("line.string").length === 4);
    // Piano: Em7 lights E G B D.
    await page.getByTestId("instrument-piano").click();
    await page.waitForFunction(() => document.querySelector("[data-testid=keyboard]"));
    assert.equal(await diagrams.nth(2).getByTestId("keyboard").getAttribute("aria-label"), "notes E G B D");
    assert.equal(await diagrams.nth(2).locator("rect[data-on]").count(), 4);
    // Simple chords: triads, slash chords on their root, on the chart and in the diagrams.
    await page.getByTestId("simplify-chords").click();
    assert.deepEqual((await lineChords()).slice(0, 4), ["G", "D", "Em", "C"]);
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=chord-diagram]")].map((e) => e.dataset.chord).join() === "G,D,Em,C");
    await page.screenshot({ path: join(SCREENSHOTS, "chord-diagrams.png") });
    // Both settings are remembered.
    await page.reload();
    await page.getByTestId("chord-diagram").first().waitFor();
    assert.deepEqual((await lineChords()).slice(0, 4), ["G", "D", "Em", "C"]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("shows the chord grid bar by bar, marks the bar playing, and loops any bars (A–B)", async () => {
    const { page, context, errors } = await openChart("e2e-river");
    const song = river();
    const audio = (js) => page.evaluate(js);
    // Instrumental rows on the lyrics chart say how long each chord lasts.
    assert.deepEqual(await page.locator("[data-testid=instrumental]").first().getByTestId("gap-length").allTextContents(), ["1 bar", "1 bar", "1 bar", "1 bar"]);
    await page.getByTestId("grid-view").click();
    const bars = page.getByTestId("grid-bar");
    await bars.first().waitFor();
    assert.equal(await bars.count(), song.downbeats.filter((d) => d < song.duration - 0.05).length);
    // One chord a bar, G D Em C, each on the bar's four beats.
    const first = await bars.evaluateAll((els) => els.slice(0, 4).map((b) => [...b.querySelectorAll("[data-testid=grid-cell]")].map((c) => `${c.firstChild.textContent}:${c.dataset.beats}`).join(" ")));
    assert.deepEqual(first, ["G:4", "D:4", "Em:4", "C:4"]);
    // The bar playing is marked.
    await audio(() => (document.querySelector("audio[data-role=master]").currentTime = 5.1));
    await page.waitForFunction(() => document.querySelector("[data-testid=grid-bar][aria-current]")?.dataset.start === "4");
    // Click bar 3, Shift+click bar 5: a loop over 4–10 s, the bars between marked.
    await bars.nth(2).click();
    await bars.nth(4).click({ modifiers: ["Shift"] });
    assert.equal(await page.getByTestId("loop-range").textContent(), "⟲ 0:04–0:10");
    assert.equal(await page.locator("[data-testid=grid-bar].in-loop").count(), 3);
    // Playing past its end comes back to its start.
    await audio(() => (document.querySelector("audio[data-role=master]").currentTime = 9.6));
    await page.getByTestId("play-button").click();
    await page.waitForFunction(() => { const t = document.querySelector("audio[data-role=master]").currentTime; return t >= 4 && t < 5; }, null, { timeout: 5000 });
    await page.getByTestId("play-button").click();
    await page.getByTestId("ab-loop").click(); // clears
    assert.equal(await page.getByTestId("loop-range").count(), 0);
    // The bar playing stays marked through the re-render.
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=grid-bar][aria-current]").length === 1);
    await page.screenshot({ path: join(SCREENSHOTS, "chord-grid.png") });
    // From the lyrics: A at the bar playing (12–14 s), B at the bar playing later (16–18 s).
    await page.getByTestId("grid-view").click();
    await audio(() => (document.querySelector("audio[data-role=master]").currentTime = 12.3));
    await page.getByTestId("ab-loop").click();
    assert.match(await page.getByTestId("ab-loop").textContent(), /A: bar 7 → B\?/);
    await audio(() => (document.querySelector("audio[data-role=master]").currentTime = 17.1));
    await page.getByTestId("ab-loop").click();
    assert.equal(await page.getByTestId("loop-range").textContent(), "⟲ 0:12–0:18");
    assert.deepEqual(errors, []);
    await context.close();
  });

  for (const [label, viewport] of [["", { width: 1280, height: 800 }], ["phone-", { width: 390, height: 844 }]]) {
    it(`goes on stage ${label ? "on a phone " : ""}full screen with the screen kept awake, and hides the controls until touched`, async () => {
      const { page, context, errors } = await newPage(session.browser, { viewport });
      await page.addInitScript(() => {
        localStorage.clear();
        // Headless Chromium has no screen to keep awake: record what the page asks for.
        window.__wake = { requested: [], released: 0 };
        Object.defineProperty(navigator, "wakeLock", {
          configurable: true,
          value: { request: async (type) => (window.__wake.requested.push(type), { release: async () => void window.__wake.released++, addEventListener() {} }) },
        });
      });
      await page.goto(`${session.app.url}#/song/e2e-anthem`);
      await page.getByTestId("living-chart").waitFor();
      await page.waitForFunction(() => document.querySelector("audio[data-role=master]")?.readyState >= 1);
      if (label) await page.getByTestId("controls-toggle").click();
      await page.getByTestId("stage-mode").click();
      await page.waitForFunction(() => document.fullscreenElement === document.documentElement);
      assert.deepEqual(await page.evaluate(() => window.__wake.requested), ["screen"]);
      assert.equal(await page.getByTestId("living-chart").getAttribute("data-awake"), "true");
      if (label) await page.getByTestId("controls-toggle").click();
      // Playing and untouched: after 3 s only the HUD and the lyrics are left.
      await page.keyboard.press("Space");
      await page.waitForFunction(() => document.documentElement.classList.contains("controls-hidden"), null, { timeout: 6000 });
      assert.equal(await page.getByTestId("play-button").isVisible(), false);
      assert.equal(await page.getByTestId("hud-section").isVisible(), true);
      await page.keyboard.press("ArrowDown"); // a pedal does not bring them back
      assert.equal(await page.getByTestId("play-button").isVisible(), false);
      const view = await page.getByTestId("chart-viewport").boundingBox();
      assert.ok(view.y < 60, `the lyrics take the screen: the chart starts at ${view.y} px`);
      await page.screenshot({ path: join(SCREENSHOTS, `${label}stage.png`) });
      // A touch or the mouse brings them back.
      await page.mouse.move(viewport.width / 2, viewport.height / 2);
      await page.mouse.move(viewport.width / 2 + 10, viewport.height / 2 + 10);
      await page.getByTestId("play-button").waitFor({ state: "visible", timeout: 2000 });
      await page.keyboard.press("Space");
      // Leaving the stage leaves full screen and lets the screen sleep.
      if (label) await page.getByTestId("controls-toggle").click();
      await page.getByTestId("stage-mode").click();
      await page.waitForFunction(() => !document.fullscreenElement && window.__wake.released === 1);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  it("plays the recording in the transposed key, keeping the tempo", async () => {
    const { page, context, errors } = await openChart("e2e-stems");
    // Tap the pitch shifter's output (the AudioWorklet node the page connects to the speakers).
    await page.evaluate(() => {
      const connect = AudioNode.prototype.connect;
      AudioNode.prototype.connect = function (destination, ...rest) {
        if (this instanceof AudioWorkletNode && destination instanceof AudioDestinationNode) window.__shifter = this;
        return connect.call(this, destination, ...rest);
      };
    });
    // Only the bass stem: a sine on the chord's root an octave down (G: 98 Hz in the first bar).
    await page.getByTestId("mute-vocals").click();
    await page.getByTestId("mute-drums").click();
    await page.getByTestId("mute-other").click();
    const peakHz = async () => {
      await page.evaluate(() => (document.querySelector("audio[data-role=master]").currentTime = 0.1));
      await page.getByTestId("play-button").click();
      await page.waitForFunction(() => document.querySelector("audio[data-role=master]").currentTime > 0.9, null, { timeout: 8000 });
      const hz = await page.evaluate(() => {
        const node = window.__shifter;
        const analyser = node.context.createAnalyser();
        analyser.fftSize = 32768;
        node.connect(analyser);
        const bins = new Float32Array(analyser.frequencyBinCount);
        analyser.getFloatFrequencyData(bins);
        return new Promise((done) =>
          setTimeout(() => {
            analyser.getFloatFrequencyData(bins);
            const binHz = node.context.sampleRate / analyser.fftSize;
            let best = -1;
            for (let i = Math.round(40 / binHz); i < 400 / binHz; i++) if (best < 0 || bins[i] > bins[best]) best = i;
            node.disconnect(analyser);
            done(best * binHz);
          }, 350),
        );
      });
      await page.getByTestId("play-button").click();
      return hz;
    };
    // Up a fourth, audio too: the recording goes through the shifter (only once it is asked for).
    for (let i = 0; i < 5; i++) await page.getByTestId("transpose-up").click();
    await page.getByTestId("pitch-audio").click();
    await page.waitForFunction(() => window.__shifter && document.querySelector("[data-testid=pitch-audio]").textContent.includes("+5"), null, { timeout: 10_000 });
    const shifted = await peakHz();
    // Back home: the same path, shifted by nothing.
    for (let i = 0; i < 5; i++) await page.getByTestId("transpose-down").click();
    await page.waitForFunction(() => document.querySelector("[data-testid=pitch-audio]").textContent === "Audio");
    const home = await peakHz();
    console.log(`bass root: ${home.toFixed(1)} Hz as recorded, ${shifted.toFixed(1)} Hz shifted +5 (expected ${(home * 2 ** (5 / 12)).toFixed(1)})`);
    assert.ok(Math.abs(home - 98) < 3, `the recording's bass at ${home.toFixed(1)} Hz (G2 is 98 Hz)`);
    const semitones = 12 * Math.log2(shifted / home);
    assert.ok(Math.abs(semitones - 5) < 0.3, `shifted by ${semitones.toFixed(2)} semitones, asked for 5`);
    assert.equal(await page.evaluate(() => document.querySelector("audio[data-role=master]").playbackRate), 1, "the tempo is kept");
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("exports ChordPro in the key and capo shown, and LRC, from the chart", async () => {
    const { page, context, errors } = await openChart("e2e-river");
    await transposeAndCapo(page, 2, 1);
    const read = async (testid) => {
      const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testid).click()]);
      return { name: file.suggestedFilename(), text: readFileSync(await file.path(), "utf8") };
    };
    const cho = await read("chart-export-chordpro");
    assert.equal(cho.name, "River-Song.cho");
    // G +2 sounds in A; capo 1: the chords are shapes in Ab and the file says so.
    assert.match(cho.text, /\{key: Ab\}\n\{capo: 1\}/);
    const written = [...cho.text.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
    assert.deepEqual(written.slice(0, 4), ["Ab", "Eb", "Fm", "Db"]);
    const lrc = await read("chart-export-lrc");
    assert.equal(lrc.name, "River-Song.lrc");
    assert.match(lrc.text, /^\[ti:River Song\]/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("names the mixer's buttons and keeps carried chords at 4.5:1 contrast", async () => {
    const { page, context } = await openChart("e2e-stems");
    for (const stem of ["Vocals", "Drums", "Bass", "Other"]) {
      for (const verb of ["Mute", "Solo"]) assert.equal(await page.getByRole("button", { name: `${verb} ${stem}`, exact: true }).count(), 1, `${verb} ${stem}`);
      assert.equal(await page.getByRole("slider", { name: `${stem} volume` }).count(), 1);
    }
    // Every button on the chart has a name a screen reader can say (not a lone letter).
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll("[data-testid=living-chart] button")]
        .map((b) => (b.getAttribute("aria-label") || b.textContent).trim())
        .filter((name) => name.length < 2),
    );
    assert.deepEqual(unnamed, []);
    // WCAG contrast of the carried chord against the page, opacity included, light and stage.
    for (const stage of [false, true]) {
      if (stage) await page.getByTestId("stage-mode").click();
      const ratio = await page.evaluate(() => {
        const el = document.querySelector(".line:not(.past) [data-testid=chord-carry]");
        const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
        let alpha = 1;
        for (let e = el; e; e = e.parentElement) alpha *= Number(getComputedStyle(e).opacity);
        let bgEl = el;
        while (bgEl && /rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(bgEl).backgroundColor)) bgEl = bgEl.parentElement;
        const bg = rgb(getComputedStyle(bgEl ?? document.body).backgroundColor);
        const fg = rgb(getComputedStyle(el).color).map((c, i) => alpha * c + (1 - alpha) * bg[i]);
        const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        return (a + 0.05) / (b + 0.05);
      });
      assert.ok(ratio >= 4.5, `carried chord contrast ${ratio.toFixed(2)}:1 (${stage ? "stage" : "light"}), WCAG AA asks 4.5:1`);
    }
    await context.close();
  });

  it("renders screenshots of the chart, light and in stage mode", async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const { page, context } = await openChart("e2e-anthem");
    const song = session.app.songs.find((s) => s.id === "e2e-anthem");
    const t = syllablesOf(song)[20].startTime + 0.15;
    await page.evaluate((t) => (document.querySelector("audio[data-role=master]").currentTime = t), t);
    await page.waitForFunction(() => document.querySelector("[data-testid=current-syllable]"));
    await page.waitForTimeout(600); // smooth scroll settles
    await page.screenshot({ path: join(SCREENSHOTS, "living-chart.png") });
    await page.getByTestId("stage-mode").click();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(0, 0, 0)");
    await page.screenshot({ path: join(SCREENSHOTS, "living-chart-stage.png") });
    await context.close();
  });
});
