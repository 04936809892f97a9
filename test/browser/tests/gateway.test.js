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
