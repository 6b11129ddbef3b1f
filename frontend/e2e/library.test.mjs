// The Library in Chromium: the listing, search over title, artist and lyrics, sorting, opening a
// song; a screenshot for the docs.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makeSong, standardSongs } from "./fixture.mjs";
import { newPage, SCREENSHOTS, useSession } from "./harness.mjs";

/** A long song whose last line, far past the listing's opening words, is "Hold on, silver moon". */
function longSong() {
  const song = makeSong({ id: "e2e-long", title: "Zephyr Road", lines: 40, seed: 13 });
  const last = song.sections.flatMap((s) => s.lines).at(-1);
  const words = [["Hold"], ["on,"], ["sil", "ver"], ["moon"]].flatMap((w) => w.map((text, k) => ({ text, endsWord: k === w.length - 1 })));
  last.syllables = last.syllables.slice(0, words.length).map((s, i) => ({ ...s, ...words[i] }));
  last.text = "Hold on, silver moon";
  last.endTime = last.syllables.at(-1).startTime + last.syllables.at(-1).duration;
  return song;
}

const session = useSession([...standardSongs(), { song: longSong() }]);

describe("Library", () => {
  it("lists, searches, sorts and opens songs", async () => {
    const { page, context, errors } = await newPage(session.browser);
    await page.goto(`${session.app.url}#/`);
    const rows = page.getByTestId("library-row");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 4);
    assert.deepEqual(await rows.locator(".title").allTextContents(), ["Anthem of Tests", "River Song", "Stem Study", "Zephyr Road"]);
    assert.match(await rows.first().textContent(), /Assertion Choir.*G major.*120 BPM.*1:11/);

    await page.getByTestId("library-search").fill("mixer");
    assert.deepEqual(await rows.locator(".title").allTextContents(), ["Stem Study"]);
    // Lyrics: a word only in one song's opening lines.
    const river = session.app.songs.find((s) => s.id === "e2e-river");
    const word = river.sections[1].lines[0].text.split(" ").slice(1, 3).join(" ");
    await page.getByTestId("library-search").fill(word);
    assert.ok((await rows.locator(".title").allTextContents()).includes("River Song"));
    // Whole words (not "sil ver"), from anywhere in the song: the last line of a long song.
    for (const query of ["silver", "hold on", "silver MOON", "zephyr silver"]) {
      await page.getByTestId("library-search").fill(query);
      assert.deepEqual(await rows.locator(".title").allTextContents(), ["Zephyr Road"], `“${query}” finds the song`);
    }
    assert.equal(await rows.locator(".lyrics-hit").textContent(), "sings “silver”"); // past the opening words
    await page.getByTestId("library-search").fill("no such song anywhere");
    assert.equal(await rows.count(), 0);
    await page.getByTestId("library-search").fill("");

    await page.getByTestId("sort-title").click(); // descending
    assert.deepEqual(await rows.locator(".title").allTextContents(), ["Zephyr Road", "Stem Study", "River Song", "Anthem of Tests"]);
    await page.getByTestId("sort-duration").click();
    const durations = await rows.locator("td:nth-child(5)").allTextContents();
    const seconds = durations.map((d) => { const [m, s] = d.split(":"); return Number(m) * 60 + Number(s); });
    assert.deepEqual(seconds, [...seconds].sort((a, b) => a - b));

    await page.screenshot({ path: join(SCREENSHOTS, "library.png") });
    await rows.filter({ hasText: "River Song" }).click();
    await page.getByTestId("living-chart").waitFor();
    assert.equal(await page.getByTestId("song-title").textContent(), "River Song");
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("searches the help (knowledge base) and shows passages with their source and heading path", async (t) => {
    const config = await (await fetch(`${session.app.url}config.json`)).json();
    if (!config.kbQueryUrl) return t.skip("this server has no knowledge base (kbQueryUrl is null)");
    const { page, context } = await newPage(session.browser);
    // the viewer offers the help search only with a built index (make test builds it): the real
    // knowledge base answers, through the viewer, in the browser
    const probe = await fetch(new URL(config.kbQueryUrl, session.app.url), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ query: "capo", k: 1 }) });
    assert.equal(probe.status, 200, await probe.text());
    await page.goto(`${session.app.url}#/`);
    await page.getByTestId("help-search").fill("how does a capo change the chord shapes");
    await page.getByTestId("help-search").press("Enter");
    const results = page.getByTestId("help-results");
    await results.locator(".passage").first().waitFor();
    const sources = await results.locator(".passage .source").allTextContents();
    assert.ok(sources.some((s) => s.includes("music/capo-and-transposition.md")), sources.join(" | "));
    const headers = await results.locator(".passage header").allTextContents();
    assert.ok(headers.every((h) => h.includes(" › ")), `every passage names its section: ${headers.join(" | ")}`);
    await context.close();
  });

  it("opens the song the viewer names in config.json when no route is given", async () => {
    const { page, context } = await newPage(session.browser);
    const config = await (await fetch(`${session.app.url}config.json`)).json();
    await page.goto(session.app.url);
    if (config.openSong) {
      await page.getByTestId("living-chart").waitFor();
      assert.equal(new URL(page.url()).hash, `#/song/${config.openSong}`);
    } else {
      await page.getByTestId("library-row").first().waitFor();
    }
    await context.close();
  });

  it("imports a ChordPro chart as a song without a recording, and refuses a file that is not one", async (t) => {
    const config = await (await fetch(`${session.app.url}config.json`)).json();
    if (!config.importUrl) return t.skip("this server does not import charts (importUrl is null)");
    const { page, context, errors } = await newPage(session.browser);
    await page.goto(`${session.app.url}#/`);
    await page.getByTestId("library-row").first().waitFor();
    const chart = "{title: Borrowed Chart}\n{artist: A Friend}\n{key: D}\n\n{start_of_chorus}\n[D]Hold on, [G]sil[A]ver moon\n{end_of_chorus}\n";
    await page.getByTestId("import-chordpro").setInputFiles({ name: "borrowed.cho", mimeType: "text/plain", buffer: Buffer.from(chart) });
    await page.getByTestId("living-chart").waitFor();
    assert.equal(await page.getByTestId("song-title").textContent(), "Borrowed Chart");
    assert.deepEqual(await page.locator(".line [data-testid=chord]").allTextContents(), ["D", "G", "A"]);
    assert.equal((await page.locator(".line .word").nth(2).locator(".tx").allTextContents()).join(""), "silver"); // sil · ver
    assert.match(await page.getByRole("status").first().textContent(), /no audio/);
    await page.goto(`${session.app.url}#/`);
    await page.getByTestId("library-search").fill("friend silver"); // its artist and its words
    assert.deepEqual(await page.getByTestId("library-row").locator(".title").allTextContents(), ["Borrowed Chart"]);
    await page.getByTestId("import-chordpro").setInputFiles({ name: "photo.cho", mimeType: "text/plain", buffer: Buffer.from("{title: nothing here}\n") });
    await page.waitForSelector("[data-testid=import-message]:has-text('Could not import photo.cho')");
    assert.match(await page.getByTestId("import-message").textContent(), /no lyrics or chords/);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
