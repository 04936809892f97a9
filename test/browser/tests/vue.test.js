import assert from "node:assert/strict";
import { test } from "node:test";
import { screenshot, useApp } from "../lib/harness.js";

// The demo's Vue page: dotNetify's HelloWorld, SimpleList and ChatRoom as
// Vue components on the official dotnetify/vue client. The console must
// stay clean: no errors (the client reports a property the component does
// not declare, "'X' is received, but the Vue instance doesn't declare the
// property.", with console.error) and no warnings.
const app = useApp();

async function openVue(browser, url) {
  const page = await browser.newPage();
  page.warnings = [];
  page.on("console", (msg) => msg.type() === "warning" && page.warnings.push(msg.text()));
  await page.goto(`${url}vue.html`);
  await page.locator('[data-testid="conn-state"][data-state="connected"]').waitFor();
  return page;
}

function assertCleanConsole(page) {
  assert.deepEqual(page.errors, [], "console errors");
  assert.deepEqual(page.warnings, [], "console warnings");
}

test("Vue HelloWorld: the server's state, typing updates FullName", async () => {
  const page = await openVue(app.browser, app.url);
  const hw = page.getByTestId("vue-HelloWorld");
  const fullName = hw.getByTestId("full-name");
  await fullName.filter({ hasText: /^Hello World$/ }).waitFor();
  assert.equal(await hw.getByTestId("first-name").inputValue(), "Hello");
  assert.equal(await hw.getByTestId("last-name").inputValue(), "World");
  await hw.getByTestId("first-name").fill("John");
  await fullName.filter({ hasText: /^John World$/ }).waitFor();
  await hw.getByTestId("last-name").fill("Doe");
  await fullName.filter({ hasText: /^John Doe$/ }).waitFor();
  await screenshot(page, "vue");
  assertCleanConsole(page);
  await page.close();
});

test("Vue SimpleList: Add, Update and Remove, seen by a second page", async () => {
  const a = await openVue(app.browser, app.url);
  const b = await openVue(app.browser, app.url);
  const listA = a.getByTestId("vue-SimpleList");
  const listB = b.getByTestId("vue-SimpleList");
  const rows = (l) => l.locator('[data-testid="employees"] tbody tr');
  await rows(listA).first().waitFor();
  await rows(listB).first().waitFor();
  const n = await rows(listA).count();
  assert.ok(n > 0, "the server's employees are listed");

  await listA.getByTestId("add-first").fill("Vue");
  await listA.getByTestId("add-last").fill("Tester");
  await listA.getByTestId("add").click();
  const added = (l) => rows(l).filter({ has: l.page().locator('input[value="Vue"]') });
  await added(listA).waitFor();
  await added(listB).waitFor(); // the list is shared (multicast)
  const id = await added(listA).getAttribute("data-id");

  const last = listA.getByTestId(`LastName-${id}`);
  await last.fill("Renamed");
  await last.press("Enter"); // change event: Update
  await listB.locator(`[data-testid="LastName-${id}"][value="Renamed"]`).waitFor();
  await b.waitForFunction((i) => document.querySelector(`[data-testid="LastName-${i}"]`)?.value === "Renamed", id);

  await listA.getByTestId(`remove-${id}`).click();
  await listA.locator(`tr[data-id="${id}"]`).waitFor({ state: "detached" });
  await listB.locator(`tr[data-id="${id}"]`).waitFor({ state: "detached" });
  assert.equal(await rows(listA).count(), n);
  assertCleanConsole(a);
  assertCleanConsole(b);
  await a.close();
  await b.close();
});

test("Vue ChatRoom: users, public and private messages between two pages", async () => {
  const a = await openVue(app.browser, app.url);
  const b = await openVue(app.browser, app.url);
  const chatA = a.getByTestId("vue-ChatRoom");
  const chatB = b.getByTestId("vue-ChatRoom");
  // Each page added its user; both see both.
  await a.waitForFunction(() => document.querySelectorAll('[data-testid="vue-ChatRoom"] [data-testid="users"] li').length >= 2);
  await chatA.locator("li.myself").waitFor();

  const say = async (chat, text) => {
    await chat.getByTestId("message").fill(text);
    await chat.getByTestId("send").click();
  };
  await say(chatA, "my name is Ann");
  await chatB.getByTestId("message-text").filter({ hasText: /^my name is Ann$/ }).waitFor();
  await chatB.locator("li b", { hasText: /^Ann$/ }).waitFor(); // renamed (Users_update)
  await say(chatB, "hello from B");
  await chatA.getByTestId("message-text").filter({ hasText: /^hello from B$/ }).waitFor();

  // A private message reaches B and the sender, as PrivateMessage.
  await say(chatB, "Ann: just for you");
  await chatA.getByTestId("message-text").filter({ hasText: /^\(private\) Ann: just for you$/ }).waitFor();
  await chatB.getByTestId("message-text").filter({ hasText: /^\(private\) Ann: just for you$/ }).waitFor();

  // Leaving removes the user for the others.
  const before = await chatA.locator('[data-testid="users"] li').count();
  await b.close();
  await a.waitForFunction((n) => document.querySelectorAll('[data-testid="vue-ChatRoom"] [data-testid="users"] li').length === n - 1, before);
  await screenshot(a, "vue-chatroom");
  assertCleanConsole(a);
  await a.close();
});
