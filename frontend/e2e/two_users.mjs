// Cloud-mode browser test: two users on a RUNNING stack each see their own library, and only it.
//
//   PERFORMIA_E2E_USERS=/path/to/users.json node e2e/two_users.mjs
//
// users.json: {"users": [{"name", "config": <that user's config.json>, "song": {"id", "title"}}, …]}
// with at least two users, each owning one song with a recording (tests/cloud/test_private_library.py
// publishes them). For each user, in a browser context of their own, this checks that:
//   1. the Library lists their song and no one else's;
//   2. their song opens as a Living Chart and its recording loads (through the read URL the
//      library function signed for them);
//   3. another user's song, opened by its address, is "not in your library" and shows nothing;
//   4. the page never asked the bucket for a listing or for another user's files.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIST, launchBrowser, newPage } from "./harness.mjs";
import { startNodeServer } from "./server.mjs";

const source = process.env.PERFORMIA_E2E_USERS;
if (!source) {
  console.error("set PERFORMIA_E2E_USERS to a users.json (see the comment at the top)");
  process.exit(2);
}
const { users } = JSON.parse(readFileSync(source, "utf8"));
assert.ok(users.length >= 2, "users.json needs at least two users");

const work = mkdtempSync(join(tmpdir(), "performia-users-"));
const browser = await launchBrowser();
const servers = [];
const step = (s) => console.log(`- ${s}`);
try {
  for (const user of users) {
    const others = users.filter((u) => u !== user);
    const server = await startNodeServer({ root: work, dist: DIST, configJson: user.config });
    servers.push(server);
    const { page, context, errors } = await newPage(browser);
    const requested = [];
    page.on("request", (r) => requested.push(decodeURIComponent(r.url())));

    step(`${user.name}: the Library lists only ${user.song.title}`);
    await page.goto(`${server.url}#/`);
    const rows = page.getByTestId("library-row");
    await rows.first().waitFor({ timeout: 30_000 });
    assert.deepEqual(await rows.locator(".title").allTextContents(), [user.song.title]);

    step(`${user.name}: opens it, and its recording loads`);
    await rows.first().click();
    await page.getByTestId("living-chart").waitFor();
    assert.equal(await page.getByTestId("song-title").textContent(), user.song.title);
    await page.waitForFunction(() => document.querySelector("audio[data-role=master]")?.readyState >= 1, null, { timeout: 30_000 });

    for (const other of others) {
      step(`${user.name}: ${other.name}'s song by its address is not in this library`);
      await page.goto(`${server.url}#/song/${other.song.id}`);
      const alert = page.getByRole("alert");
      await alert.waitFor({ timeout: 30_000 });
      assert.match(await alert.textContent(), new RegExp(`no song “${other.song.id}” in your library`));
      assert.equal(await page.getByTestId("living-chart").count(), 0);
    }
    const leaks = requested.filter((u) => /index\.json|\.libraries/.test(u) || others.some((o) => u.includes(`songs/${o.song.id}/`)));
    assert.deepEqual(leaks, [], "the page asked the bucket for a listing or another user's files");
    assert.deepEqual(errors.map(String), []);
    await context.close();
  }
  console.log("two users e2e: ok");
} finally {
  await browser.close();
  for (const s of servers) await s.close();
  rmSync(work, { recursive: true, force: true });
}
