// Setlists in Chromium: build a set in the Library (order, key and capo per song), play it, and
// move through it with a page-turner's keys; the set's key is the set's, not the song's.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { standardSongs } from "./fixture.mjs";
import { newPage, SCREENSHOTS, useSession } from "./harness.mjs";

const session = useSession(standardSongs());

describe("Setlists", () => {
  it("builds a set with a key and capo per song and plays through it with the pedal", async () => {
    const { page, context, errors } = await newPage(session.browser);
    await page.addInitScript(() => {
      if (!sessionStorage.getItem("cleared")) {
        localStorage.clear();
        sessionStorage.setItem("cleared", "1");
      }
    });
    await page.goto(`${session.app.url}#/`);
    await page.getByTestId("library-row").first().waitFor();
    await page.getByTestId("setlist-name").fill("Sunday");
    await page.getByTestId("setlist-create").click();
    const row = (title) => page.getByTestId("library-row").filter({ hasText: title });
    await row("River Song").getByTestId("add-to-set").click();
    await row("Stem Study").getByTestId("add-to-set").click();
    const items = page.getByTestId("set-item");
    assert.deepEqual(await items.locator(".set-title").allTextContents(), ["River Song", "Stem Study"]);
    await items.nth(0).getByTestId("set-transpose").selectOption("2");
    await items.nth(1).getByTestId("set-capo").selectOption("2");
    await page.getByRole("button", { name: "Move Stem Study up" }).click();
    assert.deepEqual(await items.locator(".set-title").allTextContents(), ["Stem Study", "River Song"]);
    await page.screenshot({ path: join(SCREENSHOTS, "setlist.png") });

    // Play: the first song, with the set's capo.
    await page.getByTestId("play-set").click();
    await page.getByTestId("living-chart").waitFor();
    assert.equal(await page.getByTestId("song-title").textContent(), "Stem Study");
    assert.match(await page.getByTestId("setlist-bar").textContent(), /Sunday · 1 of 2.*Next: River Song/);
    assert.match(await page.getByTestId("song-key").textContent(), /capo 2/);
    // The pedal: PageDown goes section by section, then on to the next song.
    for (let i = 0; i < 12 && (await page.getByTestId("song-title").textContent()) === "Stem Study"; i++) {
      await page.keyboard.press("PageDown");
      await page.waitForTimeout(100);
    }
    await page.waitForFunction(() => document.querySelector("[data-testid=song-title]")?.textContent === "River Song");
    assert.equal(await page.getByTestId("transpose-value").textContent(), "+2");
    assert.deepEqual((await page.locator(".line [data-testid=chord]").allTextContents()).slice(0, 4), ["A", "E", "F#m", "D"]);
    assert.match(await page.getByTestId("setlist-bar").textContent(), /2 of 2.*last song/);
    // PageUp at the top goes back to the song before.
    await page.keyboard.press("PageUp");
    await page.waitForFunction(() => document.querySelector("[data-testid=song-title]")?.textContent === "Stem Study");
    // The set's key belongs to the set: the song on its own is as recorded.
    await page.goto(`${session.app.url}#/song/e2e-river`);
    await page.waitForFunction(() => document.querySelector("[data-testid=song-title]")?.textContent === "River Song");
    assert.equal(await page.getByTestId("transpose-value").textContent(), "0");
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("shows the set on a phone without scrolling sideways", async () => {
    const { page, context } = await newPage(session.browser, { viewport: { width: 390, height: 844 } });
    await page.addInitScript(() => {
      localStorage.setItem("performia.setlists", JSON.stringify([{ id: "s1", name: "Friday gig", items: [{ songId: "e2e-anthem", title: "Anthem of Tests", transpose: -1, capo: 0 }, { songId: "e2e-river", title: "River Song", transpose: 0, capo: 3 }] }]));
    });
    await page.goto(`${session.app.url}#/`);
    await page.getByTestId("set-item").first().waitFor();
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
    await page.screenshot({ path: join(SCREENSHOTS, "phone-setlist.png") });
    await page.goto(`${session.app.url}#/set/s1/1`);
    await page.getByTestId("setlist-bar").waitFor();
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
    await context.close();
  });
});
