import assert from "node:assert/strict";
import { test } from "node:test";
import { openTab, screenshot, useApp } from "../lib/harness.js";

const app = useApp();

test("LiveChart: draws the server's data and its pushes", async () => {
  const page = await app.browser.newPage();
  await openTab(page, app.url, "LiveChart");
  await page.getByTestId("line-chart").waitFor();
  assert.equal(await page.getByTestId("last-x").textContent(), "30");
  assert.equal(await page.locator('[data-testid="bar-chart"] rect').count(), 8);
  assert.equal(await page.locator('[data-testid="pie-chart"] circle').count(), 3);
  const path0 = await page.locator('[data-testid="line-chart"] path').getAttribute("d");

  // Pushes every second: Waveform_add appends points, Bar gets 12 values.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-updates"]').textContent) >= 2, null, { timeout: 6000 });
  assert.ok(Number(await page.getByTestId("last-x").textContent()) >= 32);
  assert.equal(await page.locator('[data-testid="bar-chart"] rect').count(), 12);
  assert.notEqual(await page.locator('[data-testid="line-chart"] path').getAttribute("d"), path0);

  await screenshot(page, "livechart");
  assert.deepEqual(page.errors, []);
});
