import assert from "node:assert/strict";
import { test } from "node:test";
import { openTab, screenshot, useApp } from "../lib/harness.js";

const app = useApp();

const rows = (page) => page.locator('[data-testid="employees"] tbody tr');
const firstNames = (page) => page.locator('[data-testid="employees"] [data-testid="first"]').allTextContents();

test("SimpleList: the list, add, edit and remove, seen by a second page", async () => {
  const page = await app.browser.newPage();
  await openTab(page, app.url, "SimpleList");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="employees"] tbody tr').length === 7);
  assert.equal((await firstNames(page))[0], "Marla");

  // A second browser page shares the list (same IP address).
  const other = await app.browser.newPage();
  await openTab(other, app.url, "SimpleList");
  await rows(other).nth(6).waitFor();

  // Add.
  await page.getByTestId("new-name").fill("Babe Ruth");
  await page.getByTestId("add").click();
  const added = page.locator('[data-testid="employees"] tr[data-id="8"]');
  await added.filter({ hasText: "Babe" }).waitFor();
  assert.match(await added.textContent(), /Babe.*Ruth/);
  await other.locator('[data-testid="employees"] tr[data-id="8"]').filter({ hasText: "Ruth" }).waitFor();

  // Edit: click the name, type, Enter.
  await page.locator('tr[data-id="1"] [data-testid="first"]').click();
  await page.locator('tr[data-id="1"] [data-testid="first-input"]').fill("Johnny");
  await page.keyboard.press("Enter");
  await page.locator('tr[data-id="1"] [data-testid="first"]').filter({ hasText: "Johnny" }).waitFor();
  await other.locator('tr[data-id="1"] [data-testid="first"]').filter({ hasText: "Johnny" }).waitFor();

  // Remove.
  await page.locator('tr[data-id="2"] [data-testid="remove"]').click();
  await page.locator('tr[data-id="2"]').waitFor({ state: "detached" });
  await other.locator('tr[data-id="2"]').waitFor({ state: "detached" });
  assert.equal(await rows(page).count(), 7);

  await screenshot(page, "simplelist");
  assert.deepEqual([...page.errors, ...other.errors], []);
});
