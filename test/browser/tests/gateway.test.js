import assert from "node:assert/strict";
import { test } from "node:test";
import { openTab, screenshot, useApp } from "../lib/harness.js";

// `gonetify demo`: the app server behind the local API Gateway emulator.
const app = useApp("demo");

test("gateway: the page connects through the API Gateway emulator by default", async () => {
  const page = await app.browser.newPage();
  await openTab(page, app.url, "HelloWorld");
  assert.equal(await page.getByTestId("hub-url").textContent(), app.server.gatewayURL);
  await page.getByTestId("full-name").filter({ hasText: "Hello World" }).waitFor();
  await page.getByTestId("first-name").fill("Gateway");
  await page.getByTestId("full-name").filter({ hasText: "Gateway World" }).waitFor();
  const t0 = await page.getByTestId("server-time").textContent();
  await page.waitForFunction((t) => document.querySelector('[data-testid="server-time"]').textContent !== t, t0, { timeout: 5000 });
  await screenshot(page, "gateway-helloworld");
  assert.deepEqual(page.errors, []);
});

test("gateway: the hub switch reloads the page on the direct hub and back", async () => {
  const page = await app.browser.newPage();
  await openTab(page, app.url, "HelloWorld");
  await page.getByRole("button", { name: "Direct WebSocket" }).click();
  await page.waitForURL(/[?&]hub=direct/);
  await page.locator('[data-testid="conn-state"][data-state="connected"]').waitFor();
  assert.match(await page.getByTestId("hub-url").textContent(), /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
  assert.match(page.url(), /#HelloWorld$/);
  await page.getByTestId("full-name").filter({ hasText: "World" }).waitFor();

  await page.getByRole("button", { name: "API Gateway" }).click();
  await page.waitForURL(/[?&]hub=gateway/);
  await page.locator('[data-testid="conn-state"][data-state="connected"]').waitFor();
  assert.equal(await page.getByTestId("hub-url").textContent(), app.server.gatewayURL);
  assert.deepEqual(page.errors, []);
});

test("gateway: the Vue page's HelloWorld and ChatRoom work through the API Gateway emulator", async () => {
  const page = await app.browser.newPage();
  const warnings = [];
  page.on("console", (msg) => msg.type() === "warning" && warnings.push(msg.text()));
  await page.goto(`${app.url}vue.html`);
  await page.locator('[data-testid="conn-state"][data-state="connected"]').waitFor();
  assert.equal(await page.getByTestId("hub-url").textContent(), app.server.gatewayURL);
  const hw = page.getByTestId("vue-HelloWorld");
  await hw.getByTestId("full-name").filter({ hasText: /^Hello World$/ }).waitFor();
  await hw.getByTestId("first-name").fill("Gateway");
  await hw.getByTestId("full-name").filter({ hasText: /^Gateway World$/ }).waitFor();
  const chat = page.getByTestId("vue-ChatRoom");
  await chat.locator("li.myself").waitFor();
  await chat.getByTestId("message").fill("through the gateway");
  await chat.getByTestId("send").click();
  await chat.getByTestId("message-text").filter({ hasText: /^through the gateway$/ }).waitFor();
  assert.deepEqual(page.errors, []);
  assert.deepEqual(warnings, []);
});

test("gateway: BookStore routing through the API Gateway emulator: a book's URL opened directly, then a click and Back", async () => {
  const page = await app.browser.newPage();
  // The covers are dotNetify's web store images on Amazon's servers; the
  // test machine is offline, so they get a blank image.
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
    route.fulfill({ contentType: "image/svg+xml", body: '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>' }),
  );
  await page.goto(`${app.url}examples/bookstore/book/wayward-pines`);
  await page.locator('[data-testid="conn-state"][data-state="connected"]').waitFor();
  assert.equal(await page.getByTestId("hub-url").textContent(), app.server.gatewayURL);
  await page.getByTestId("book-title").filter({ hasText: /^Wayward Pines$/ }).waitFor();
  await page.getByTestId("book-back").click();
  await page.waitForURL(/\/examples\/bookstore\/default$/);
  await page.getByTestId("book-details").waitFor({ state: "detached" });
  await page.locator('[data-title="go-set-a-watchman"] a').click();
  await page.waitForURL(/\/examples\/bookstore\/book\/go-set-a-watchman$/);
  await page.getByTestId("book-title").filter({ hasText: /^Go Set A Watchman$/ }).waitFor();
  assert.deepEqual(page.errors, []);
});
