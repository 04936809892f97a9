import assert from "node:assert/strict";
import { test } from "node:test";
import { openTab, screenshot, useApp } from "../lib/harness.js";

const app = useApp();

const userNames = (page) => page.locator('[data-testid="users"] li').allTextContents();

async function send(page, text, name = "") {
  await page.getByTestId("chat-name").fill(name);
  await page.getByTestId("chat-text").fill(text);
  await page.getByTestId("chat-send").click();
}

test("ChatRoom: two pages join, chat, whisper and leave", async () => {
  const alice = await app.browser.newPage();
  await openTab(alice, app.url, "ChatRoom");
  await alice.locator('[data-testid="users"] li').filter({ hasText: "(you)" }).waitFor();

  const bob = await app.browser.newPage();
  await openTab(bob, app.url, "ChatRoom");
  await bob.locator('[data-testid="users"] li').nth(1).waitFor();
  await alice.locator('[data-testid="users"] li').nth(1).waitFor();
  assert.equal((await userNames(bob)).length, 2);

  // A public message renames its sender and reaches everybody.
  await send(alice, "Hi there!", "Alice");
  for (const page of [alice, bob]) {
    await page.getByTestId("messages").filter({ hasText: "Hi there!" }).waitFor();
    await page.locator('[data-testid="users"] li').filter({ hasText: "Alice" }).waitFor();
  }
  assert.match(await bob.locator(".message").first().textContent(), /Alice.*Hi there!/);

  // "Alice: …" is private to Alice (and Bob, who sent it).
  await send(bob, "Alice: psst", "Bob");
  await alice.locator(".message.private").filter({ hasText: "psst" }).waitFor();
  await bob.locator(".message.private").filter({ hasText: "psst" }).waitFor();
  await screenshot(alice, "chatroom");

  // Bob closes his page: Alice sees him leave.
  await bob.close();
  await alice.waitForFunction(() => document.querySelectorAll('[data-testid="users"] li').length === 1);
  assert.deepEqual(alice.errors, []);
});
