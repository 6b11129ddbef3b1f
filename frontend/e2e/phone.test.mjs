// Phones and tablets: every view fits the screen's width, the lyrics get most of a phone's
// height (the transport sits at the bottom edge for a thumb, settings fold into a drawer), and
// the drawer's controls work. Screenshots at 390×844 for the docs.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { standardSongs } from "./fixture.mjs";
import { newPage, SCREENSHOTS, useSession } from "./harness.mjs";

const session = useSession(standardSongs());
const PHONE = { width: 390, height: 844 };
const SCREENS = { phone: PHONE, "tablet portrait": { width: 768, height: 1024 }, "tablet landscape": { width: 1024, height: 768 } };
const VIEWS = { library: "#/", chart: "#/song/e2e-stems", blueprint: "#/song/e2e-river/edit" };

async function open(viewport, hash) {
  const { page, context, errors } = await newPage(session.browser, { viewport });
  await page.addInitScript(() => localStorage.clear());
  await page.goto(`${session.app.url}${hash}`);
  await page.locator("[data-testid=living-chart], [data-testid=library-row], [data-testid=blueprint]").first().waitFor();
  return { page, context, errors };
}

/** The page's width and the elements reaching past the screen's right edge. */
const overflow = (page) =>
  page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    past: [...document.querySelectorAll("body *")]
      .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > innerWidth + 0.5; })
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
  }));

describe("Phones and tablets", () => {
  for (const [screen, viewport] of Object.entries(SCREENS)) {
    for (const [view, hash] of Object.entries(VIEWS)) {
      it(`${view} fits a ${screen} (${viewport.width} px) without scrolling sideways`, async () => {
        const { page, context, errors } = await open(viewport, hash);
        const modes = view === "chart" ? ["plain", "drawer", "stage"] : ["plain"];
        for (const mode of modes) {
          if (mode === "drawer" && viewport.width <= 640) await page.getByTestId("controls-toggle").click();
          if (mode === "stage") await page.getByTestId("stage-mode").click();
          const o = await overflow(page);
          assert.ok(o.width <= viewport.width, `${view} (${mode}) is ${o.width} px wide on a ${viewport.width} px screen: ${o.past.join(", ")}`);
        }
        assert.deepEqual(errors, []);
        await context.close();
      });
    }
  }

  it("gives the lyrics most of a phone's height, with the transport at the bottom edge", async () => {
    const { page, context } = await open(PHONE, VIEWS.chart);
    const layout = await page.evaluate(() => {
      const box = (q) => document.querySelector(q).getBoundingClientRect();
      return { viewTop: box("[data-testid=chart-viewport]").top, viewBottom: box("[data-testid=chart-viewport]").bottom, play: box("[data-testid=play-button]") };
    });
    assert.ok(layout.viewTop <= 0.2 * PHONE.height, `the lyrics start ${layout.viewTop} px down (${Math.round((100 * layout.viewTop) / PHONE.height)} % of the screen)`);
    assert.ok(layout.viewBottom - layout.viewTop >= 0.65 * PHONE.height, `the lyrics get ${Math.round(layout.viewBottom - layout.viewTop)} px of ${PHONE.height}`);
    assert.ok(layout.play.bottom <= PHONE.height && layout.play.top >= 0.85 * PHONE.height, `play sits at the bottom edge: ${JSON.stringify(layout.play)}`);
    assert.ok(layout.play.width >= 44 && layout.play.height >= 44, "play is a 44 px touch target");
    // Settings are folded away until asked for, then work.
    assert.equal(await page.getByTestId("transpose-up").isVisible(), false);
    await page.getByTestId("controls-toggle").click();
    await page.getByTestId("transpose-up").click();
    assert.equal(await page.getByTestId("transpose-value").textContent(), "+1");
    assert.equal(await page.locator(".hud .mixer").isVisible(), true, "the mixer is in the drawer");
    await page.screenshot({ path: join(SCREENSHOTS, "phone-chart-drawer.png") });
    await page.getByTestId("controls-toggle").click();
    assert.equal(await page.getByTestId("transpose-up").isVisible(), false);
    await page.screenshot({ path: join(SCREENSHOTS, "phone-chart.png") });
    await context.close();
  });

  it("shows the chord grid on a phone, four bars a row, within the screen", async () => {
    const { page, context } = await open(PHONE, VIEWS.chart);
    await page.getByTestId("controls-toggle").click();
    await page.getByTestId("grid-view").click();
    await page.getByTestId("controls-toggle").click();
    await page.getByTestId("grid-bar").first().waitFor();
    const o = await overflow(page);
    assert.ok(o.width <= PHONE.width, `the grid is ${o.width} px wide: ${o.past.join(", ")}`);
    const row = await page.evaluate(() => [...document.querySelectorAll("[data-testid=grid-bar]")].slice(0, 4).map((b) => b.getBoundingClientRect().top));
    assert.equal(new Set(row).size, 1, "four bars in a row");
    await page.screenshot({ path: join(SCREENSHOTS, "phone-chord-grid.png") });
    await context.close();
  });

  it("renders the library on a phone", async () => {
    const { page, context } = await open(PHONE, VIEWS.library);
    await page.screenshot({ path: join(SCREENSHOTS, "phone-library.png") });
    await context.close();
  });
});
