import assert from "node:assert/strict";
import { test } from "node:test";
import { openTab, screenshot, useApp } from "../lib/harness.js";

const app = useApp();

test("HelloWorld: server state, typing updates FullName, Submit, ServerTime pushes", async () => {
  const page = await app.browser.newPage();
  await openTab(page, app.url, "HelloWorld");
  const fullName = page.getByTestId("full-name");
  await assert.doesNotReject(fullName.filter({ hasText: "Hello World" }).waitFor());
  assert.equal(await page.getByTestId("first-name").inputValue(), "Hello");
  assert.equal(await page.getByTestId("greetings").textContent(), "Hello World!");

  await page.getByTestId("first-name").fill("John");
  await page.getByTestId("last-name").fill("Doe");
  await fullName.filter({ hasText: /^John Doe$/ }).waitFor();

  await page.getByTestId("submit-first").fill("Ada");
  await page.getByTestId("submit-last").fill("Byron");
  await page.getByRole("button", { name: "Submit" }).click();
  await page.getByTestId("greetings").filter({ hasText: "Hello Ada Byron!" }).waitFor();

  // ServerTime is pushed every second.
  const time = page.getByTestId("server-time");
  const first = await time.textContent();
  assert.ok(first, "ServerTime shown");
  await page.waitForFunction((t0) => document.querySelector('[data-testid="server-time"]').textContent !== t0, first, { timeout: 5000 });

  await screenshot(page, "helloworld");
  assert.deepEqual(page.errors, []);
});
