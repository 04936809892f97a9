import assert from "node:assert/strict";
import { test } from "node:test";
import { openTab, screenshot, useApp } from "../lib/harness.js";

const app = useApp();

test("ControlTypes: every control round-trips through the server", async () => {
  const page = await app.browser.newPage();
  await openTab(page, app.url, "ControlTypes");
  const text = (id) => page.getByTestId(id).textContent();
  const shows = (id, want) => page.getByTestId(id).filter({ hasText: want }).waitFor();

  // Server state.
  assert.equal(await page.getByTestId("textbox").getAttribute("placeholder"), "Type something here");
  assert.equal(await text("checkbox-result"), "Enabled");
  assert.equal(await page.getByTestId("dropdown").locator("option").count(), 5);

  await page.getByTestId("textbox").fill("testing");
  await shows("textbox-result", "You typed: testing");

  await page.getByTestId("searchbox").fill("m");
  await page.getByTestId("search-results").filter({ hasText: "Mercury" }).waitFor();
  assert.deepEqual(await page.getByTestId("search-results").locator("li").allTextContents(), ["Mercury", "Mars"]);
  await page.getByTestId("searchbox").fill("ma");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="search-results"] li').length === 1);

  await page.getByTestId("enable-me").uncheck();
  await shows("checkbox-result", "Disabled");
  await page.getByTestId("enable-me").check();
  await shows("checkbox-result", "Enabled");

  await page.getByTestId("simple-dropdown").selectOption("Two");
  await shows("simple-dropdown-result", "You selected: Two");
  await page.getByTestId("dropdown").selectOption("3");
  await shows("dropdown-result", "You selected: Object Three");

  await page.getByTestId("radio-yellow").check();
  await page.locator('[data-testid="radio-style"].label-warning').waitFor();

  await page.getByTestId("click-me").click();
  await shows("click-count", "Clicked 1 time");
  await page.getByTestId("click-me").click();
  await shows("click-count", "Clicked 2 times");

  await screenshot(page, "controltypes");
  assert.deepEqual(page.errors, []);
});
