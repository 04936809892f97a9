import assert from "node:assert/strict";
import { test } from "node:test";
import { openTab, screenshot, useApp } from "../lib/harness.js";

const app = useApp();

const ranks = (page) => page.locator('[data-testid="movies"] tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.key)));

test("CompositeView: movie table, paging, details, filters", async () => {
  const page = await app.browser.newPage();
  await openTab(page, app.url, "CompositeView");
  const details = page.getByTestId("details");
  await details.filter({ hasText: "The Lantern Keeper" }).waitFor();
  await page.locator('[data-testid="movies"] tbody tr').nth(9).waitFor();
  assert.deepEqual(await ranks(page), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(await page.locator('[data-testid="pages"] button').allTextContents(), ["1", "2", "3", "4"]);

  // Selecting a row updates the details pane (another VM on the connection).
  await page.locator('[data-testid="movies"] tr[data-key="3"]').click();
  await details.filter({ hasText: "#3" }).waitFor();
  assert.equal(await page.locator('[data-testid="movies"] tr.selected').getAttribute("data-key"), "3");

  // Paging.
  await page.locator('[data-testid="pages"] button', { hasText: "2" }).click();
  await page.locator('[data-testid="movies"] tr[data-key="11"]').waitFor();
  assert.deepEqual(await ranks(page), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);

  // Filter: Year <= 1940.
  await page.getByTestId("filter-property").selectOption("Year");
  await page.getByTestId("filter-operation").selectOption("<=");
  await page.getByTestId("filter-text").fill("1940");
  await page.getByTestId("filter-apply").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="movies"] tbody tr').length === 7);
  assert.deepEqual(await ranks(page), [1, 4, 11, 17, 21, 32, 38]);
  await details.filter({ hasText: "#1" }).waitFor();
  await screenshot(page, "compositeview");

  // Removing the filter brings the full table back.
  await page.locator('[data-testid="filters"] button').click();
  await page.locator('[data-testid="pages"] button', { hasText: "4" }).waitFor();
  assert.deepEqual(await ranks(page), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(page.errors, []);
});
