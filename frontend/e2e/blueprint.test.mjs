// The Blueprint View in Chromium against the viewer: edit a chord and a lyric, split and merge,
// undo and redo, save, reload and see the change on disk and on screen; a stale save refused with
// a message; exports and the printed chord sheet; a screenshot for the docs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { standardSongs } from "./fixture.mjs";
import { newPage, SCREENSHOTS, useSession } from "./harness.mjs";

const session = useSession(standardSongs());

async function openBlueprint(songId) {
  const { page, context, errors } = await newPage(session.browser);
  await page.goto(`${session.app.url}#/song/${songId}/edit`);
  await page.getByTestId("blueprint").waitFor();
  return { page, context, errors };
}

const onDisk = (songId) => (session.app.root ? JSON.parse(readFileSync(join(session.app.root, "songs", songId, "song_map.json"), "utf8")) : null);
const firstLine = (song) => song.sections.find((s) => s.lines?.length).lines[0];

describe("Blueprint View", () => {
  it("splits between syllables, makes typed words syllables, and keeps the selection through a section split", async () => {
    const { page, context, errors } = await openBlueprint("e2e-stems");
    const chips = page.getByTestId("bp-syllable");
    const texts = async (from, n) => (await chips.locator(".chip-text").allTextContents()).slice(from, from + n);
    // A word of two syllables typed into one, then Split: at the syllable boundary, not mid-way.
    await chips.nth(0).click();
    await page.getByTestId("edit-text").fill("tonight");
    await page.getByTestId("edit-text").press("Enter");
    await page.getByTestId("split-syllable").click();
    assert.deepEqual(await texts(0, 2), ["to", "night"]);
    assert.match(await chips.nth(0).getAttribute("class"), /joined/, "the first part continues the word");
    // Two words typed into one syllable become two syllables, each ending its word.
    await chips.nth(2).click();
    await page.getByTestId("edit-text").fill("flows down");
    await page.getByTestId("edit-text").press("Enter");
    assert.deepEqual(await texts(2, 2), ["flows", "down"]);
    assert.doesNotMatch(await chips.nth(2).getAttribute("class"), /joined/);
    // Split the first lyric section at its second line, with a syllable of that line selected.
    const sections = page.getByTestId("bp-section");
    const before = await sections.count();
    const lyricSection = sections.nth(1);
    const target = lyricSection.getByTestId("bp-line").nth(1).getByTestId("bp-syllable").nth(1);
    const word = await target.locator(".chip-text").textContent();
    await target.click();
    await lyricSection.getByTestId("split-section").click();
    assert.equal(await sections.count(), before + 1);
    assert.equal(await page.getByText("That syllable no longer exists").count(), 0);
    assert.equal(await page.getByTestId("edit-text").inputValue(), word);
    // The selection moved with its syllable: first line of the new section.
    const selected = sections.nth(2).getByTestId("bp-line").nth(0).getByTestId("bp-syllable").nth(1);
    assert.match(await selected.getAttribute("class"), /selected/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("edits a chord and a lyric, undoes and redoes, saves, and the change survives a reload", async () => {
    const { page, context, errors } = await openBlueprint("e2e-river");
    const chips = page.getByTestId("bp-syllable");
    const before = await chips.nth(2).locator(".chip-text").textContent();

    await chips.nth(1).click();
    await page.getByTestId("edit-chord").fill("Am7");
    await page.getByTestId("edit-chord").press("Enter");
    assert.equal(await chips.nth(1).locator(".chip-chord").textContent(), "Am7");

    await chips.nth(2).click();
    await page.getByTestId("edit-text").fill("shining");
    await page.getByTestId("edit-text").press("Enter");
    assert.equal(await chips.nth(2).locator(".chip-text").textContent(), "shining");

    // An unreadable chord is flagged and not applied.
    await page.getByTestId("edit-chord").fill("H#x");
    assert.equal(await page.getByTestId("edit-chord").getAttribute("aria-invalid"), "true");
    await page.getByTestId("edit-chord").fill("");

    await page.getByTestId("undo").click();
    assert.equal(await chips.nth(2).locator(".chip-text").textContent(), before);
    await page.getByTestId("redo").click();
    assert.equal(await chips.nth(2).locator(".chip-text").textContent(), "shining");

    await page.getByTestId("save-button").click();
    await page.waitForSelector("[data-testid=save-message][data-kind=ok]");
    assert.equal(await page.getByTestId("save-button").textContent(), "Saved");

    if (session.app.root) {
      const saved = firstLine(onDisk("e2e-river"));
      assert.equal(saved.syllables[1].chord, "Am7");
      assert.equal(saved.syllables[2].text, "shining");
      assert.match(saved.text, /shining/);
    }
    await page.reload();
    await page.getByTestId("blueprint").waitFor();
    assert.equal(await chips.nth(1).locator(".chip-chord").textContent(), "Am7");
    assert.equal(await chips.nth(2).locator(".chip-text").textContent(), "shining");
    // … and the Living Chart shows it.
    await page.getByTestId("nav-chart").click();
    await page.getByTestId("living-chart").waitFor();
    assert.equal(await page.locator(".line").first().locator("[data-testid=chord]").nth(1).textContent(), "Am7");
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("splits, merges and nudges syllables", async () => {
    const { page, context } = await openBlueprint("e2e-anthem");
    const chips = page.getByTestId("bp-syllable");
    const count = await chips.count();
    await chips.nth(0).click();
    const text = await page.getByTestId("edit-text").inputValue();
    await page.getByTestId("split-syllable").click();
    assert.equal(await chips.count(), count + 1);
    assert.equal((await chips.nth(0).locator(".chip-text").textContent()) + (await chips.nth(1).locator(".chip-text").textContent()), text);
    await chips.nth(0).click();
    await page.getByTestId("merge-syllable").click();
    assert.equal(await chips.count(), count);
    assert.equal(await chips.nth(0).locator(".chip-text").textContent(), text);
    const start = await page.getByTestId("syllable-start").textContent();
    await page.getByTestId("nudge-both-plus10").click();
    const moved = await page.getByTestId("syllable-start").textContent();
    const secs = (s) => { const [m, x] = s.split(":"); return Number(m) * 60 + Number(x); };
    assert.ok(Math.abs(secs(moved) - secs(start) - 0.01) < 0.0051, `${start} → ${moved}`);
    // Keyboard undo restores the start.
    await page.locator("body").click({ position: { x: 5, y: 400 } });
    await page.keyboard.press("Control+z");
    assert.equal(await page.getByTestId("syllable-start").textContent(), start);
    await context.close();
  });

  it("refuses a stale save with a message, and reloads the saved version on request", async () => {
    const { page, context, errors } = await openBlueprint("e2e-stems");
    // Someone else saves this song after the page loaded it.
    const r = await fetch(`${session.app.url}data/songs/e2e-stems/song_map.json`);
    const version = r.headers.get("x-performia-version");
    const theirs = await r.json();
    theirs.title = "Stem Study (their edit)";
    const saved = await fetch(`${session.app.url}api/save_song`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ songId: "e2e-stems", baseVersion: version, songMap: theirs }),
    });
    assert.equal(saved.status, 200, await saved.text());

    await page.getByTestId("bp-syllable").nth(0).click();
    await page.getByTestId("edit-chord").fill("Bm");
    await page.getByTestId("edit-chord").press("Enter");
    await page.getByTestId("save-button").click();
    const message = page.locator("[data-testid=save-message][data-kind=stale]");
    await message.waitFor();
    assert.match(await message.textContent(), /Not saved: .*changed by someone else/);
    if (session.app.root) assert.equal(onDisk("e2e-stems").title, "Stem Study (their edit)"); // nothing overwritten

    page.once("dialog", (d) => d.accept());
    await page.getByTestId("reload-song").click();
    await page.waitForFunction(() => document.querySelector("[data-testid=edit-title]")?.value === "Stem Study (their edit)");
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("shows the server's message when it refuses a Song Map (400)", async () => {
    const { page, context } = await openBlueprint("e2e-anthem");
    // A document the server's schema refuses: sent through the app's own save path.
    const message = await page.evaluate(async () => {
      const r = await fetch("data/songs/e2e-anthem/song_map.json");
      const song = await r.json();
      song.sections[1].lines[0].syllables[0].pitch = 500;
      const reply = await fetch("api/save_song", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ songId: "e2e-anthem", baseVersion: r.headers.get("X-Performia-Version"), songMap: song }) });
      return { status: reply.status, body: await reply.json() };
    });
    assert.equal(message.status, 400);
    assert.match(message.body.error, /pitch/);
    // The app shows that answer as it is. The editor's own validation stops such a document
    // before it is sent, so the server's answer is replayed for a valid edit.
    await page.route("**/api/save_song", (route) => route.fulfill({ status: 400, contentType: "application/json", body: JSON.stringify(message.body) }));
    await page.getByTestId("bp-syllable").nth(0).click();
    await page.getByTestId("edit-chord").fill("C");
    await page.getByTestId("edit-chord").press("Enter");
    await page.getByTestId("save-button").click();
    const shown = page.locator("[data-testid=save-message][data-kind=error]");
    await shown.waitFor();
    assert.equal(await shown.textContent(), `Not saved: the server refused this Song Map — ${message.body.error}`);
    assert.equal(await page.getByTestId("save-button").textContent(), "Save"); // still unsaved
    await context.close();
  });

  it("exports ChordPro and LRC, prints a chord sheet, and renders a screenshot", async () => {
    const { page, context } = await openBlueprint("e2e-anthem");
    const [cho] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-chordpro").click()]);
    assert.equal(cho.suggestedFilename(), "Anthem-of-Tests.cho");
    const choText = readFileSync(await cho.path(), "utf8");
    assert.match(choText, /^\{title: Anthem of Tests\}\n\{artist: Assertion Choir\}/);
    assert.match(choText, /\{key: G\}/);
    assert.match(choText, /\{start_of_verse: Verse 1\}\n\[G\]/);
    const [lrc] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-lrc").click()]);
    const lrcText = readFileSync(await lrc.path(), "utf8");
    assert.match(lrcText, /^\[ti:Anthem of Tests\]/);
    assert.match(lrcText, /\n\[00:08\.00\]<00:08\.00>/);

    await page.getByTestId("bp-syllable").nth(3).click();
    await page.screenshot({ path: join(SCREENSHOTS, "blueprint.png") });

    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator(".print-sheet").isVisible(), true);
    assert.equal(await page.locator(".bp-main").isVisible(), false);
    const pdf = await page.pdf({ format: "A4" });
    assert.equal(pdf.subarray(0, 4).toString(), "%PDF");
    assert.ok(pdf.length > 5000);
    await context.close();
  });
});
