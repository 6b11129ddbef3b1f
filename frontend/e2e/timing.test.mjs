// Fixing lyric timing in the Blueprint View, in Chromium against the real viewer: a syllable and
// a line set to the playhead, a line re-timed by tapping along while it plays, and "re-align from
// here" (the viewer's /api/realign, Whisper's forced alignment on the vocals stem) moving the
// lines after a fixed one back onto the singing; undo restores each.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSong, slideLinesAfterFirst } from "./fixture.mjs";
import { newPage, useSession } from "./harness.mjs";

/** How far the slid song's lines after the first were moved off the singing (s). */
const SLID_S = 3;
const river = makeSong({ id: "e2e-river", title: "River Song", lines: 8, seed: 3 });
const slid = makeSong({ id: "e2e-slid", title: "Slid Song", lines: 4, linesPerSection: 4, seed: 7 });
// the singing, before the chart slid off it: where each line really starts
const sungLineStarts = slid.sections.flatMap((s) => s.lines).map((l) => l.startTime);

const session = useSession([
  { song: river, stems: true },
  {
    song: slid,
    stems: true,
    stored: (song) => {
      slideLinesAfterFirst(song, SLID_S);
      // the analysis was unsure of the slid lines: the editor marks them for checking
      for (const line of song.sections.flatMap((s) => s.lines).slice(1)) for (const s of line.syllables) s.confidence = 0.2;
    },
  },
]);

const secs = (text) => {
  const [m, s] = text.split(":");
  return Number(m) * 60 + Number(s);
};

async function openBlueprint(songId) {
  const { page, context, errors } = await newPage(session.browser);
  await page.goto(`${session.app.url}#/song/${songId}/edit`);
  await page.getByTestId("blueprint").waitFor();
  return { page, context, errors };
}

/** Start times (s) of every line, as the editor lists them. */
const lineStarts = async (page) => (await page.locator(".bp-line .line-time").allTextContents()).map(secs);

async function seek(page, t) {
  await page.getByTestId("bp-seek").fill(String(t));
  await page.waitForFunction((want) => Math.abs(Number(document.querySelector("[data-testid=bp-seek]").value) - want) < 0.02, t);
}

describe("Fixing lyric timing", () => {
  it("sets a syllable's start and a whole line's start to the playhead, and undoes both", async () => {
    const { page, context, errors } = await openBlueprint("e2e-river");
    const before = await lineStarts(page);
    const line = page.getByTestId("bp-line").nth(1);
    await line.getByTestId("bp-syllable").nth(1).click();
    const syllableStart = secs(await page.getByTestId("syllable-start").textContent());

    await seek(page, syllableStart - 0.12);
    await page.getByTestId("syllable-to-playhead").click();
    assert.ok(Math.abs(secs(await page.getByTestId("syllable-start").textContent()) - (syllableStart - 0.12)) < 0.011);

    // The whole line moves to the playhead; the lines after it make room, the one before stays.
    const target = before[1] + 1.5;
    await seek(page, target);
    await page.getByTestId("line-to-playhead").click();
    const after = await lineStarts(page);
    assert.ok(Math.abs(after[1] - target) < 0.011, `line 2 at ${after[1]}, wanted ${target}`);
    assert.equal(after[0], before[0]);
    assert.ok(after[2] >= after[1], "the next line is not overrun");

    await page.getByTestId("undo").click();
    await page.getByTestId("undo").click();
    assert.deepEqual(await lineStarts(page), before);
    assert.equal(secs(await page.getByTestId("syllable-start").textContent()), syllableStart);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("re-times a line from one tap per syllable while it plays", async () => {
    const { page, context, errors } = await openBlueprint("e2e-river");
    const line = page.getByTestId("bp-line").nth(2);
    const chips = line.getByTestId("bp-syllable");
    const count = await chips.count();
    const titles = async () => (await chips.evaluateAll((els) => els.map((e) => e.title))).map((t) => secs(t.split(" · ")[0]));
    const before = await titles();
    await chips.nth(0).click();
    await page.getByTestId("tap-along").click();
    await page.getByTestId("tap-panel").waitFor();
    // wait until the song plays, then tap every 0.25 s
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=bp-seek]").value) > 0);
    for (let i = 0; i < count; i++) {
      await page.keyboard.press("t");
      if (i < count - 1) assert.equal(await page.getByTestId("tap-count").textContent(), String(i + 1));
      await page.waitForTimeout(250);
    }
    await page.locator("[data-testid=save-message][data-kind=ok]").waitFor();
    assert.equal(await page.getByTestId("tap-panel").count(), 0);
    const tapped = await titles();
    const gaps = tapped.slice(1).map((t, i) => t - tapped[i]);
    assert.ok(gaps.every((g) => g > 0.15 && g < 0.5), `tap gaps ${gaps}`);
    assert.notDeepEqual(tapped, before);
    // The taps started from two seconds before the line.
    assert.ok(Math.abs(tapped[0] - (before[0] - 2)) < 1.0, `first tap at ${tapped[0]}, line at ${before[0]}`);
    await page.getByTestId("undo").click();
    assert.deepEqual(await titles(), before);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("re-aligns the lines after a fixed one back onto the singing, and undo restores them", async () => {
    const { page, context, errors } = await openBlueprint("e2e-slid");
    const before = await lineStarts(page);
    assert.ok(Math.abs(before[1] - sungLineStarts[1] - SLID_S) < 0.01); // the chart is off
    const unsure = page.locator("[data-testid=bp-syllable][data-unsure]");
    const slidSyllables = slid.sections.flatMap((s) => s.lines).slice(1).reduce((n, l) => n + l.syllables.length, 0);
    assert.equal(await unsure.count(), slidSyllables);
    assert.match(await unsure.first().getAttribute("title"), /unsure/);
    await page.getByTestId("bp-line").nth(0).getByTestId("bp-syllable").nth(0).click();
    await page.getByTestId("realign-from-here").click();
    const done = page.locator("[data-testid=save-message][data-kind=ok]");
    await done.waitFor({ timeout: 120_000 });
    assert.match(await done.textContent(), /Re-aligned 3 lines after this one/);
    const after = await lineStarts(page);
    assert.equal(after[0], before[0]); // the fixed line stays
    assert.ok(Math.abs(after[1] - sungLineStarts[1]) < 0.3, `line 2 at ${after[1]}, sung at ${sungLineStarts[1]}`);
    assert.ok(after.slice(1).every((t, i) => t >= after[i]), `lines in order: ${after}`);
    assert.notDeepEqual(after, before);
    assert.equal(await unsure.count(), 0); // re-aligned words carry the aligner's confidence
    await page.getByTestId("undo").click();
    assert.deepEqual(await lineStarts(page), before);
    assert.equal(await unsure.count(), slidSyllables);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
