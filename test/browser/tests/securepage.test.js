import assert from "node:assert/strict";
import { test } from "node:test";
import { openTab, screenshot, useApp } from "../lib/harness.js";

const app = useApp();

// POST /token and the secure VMs are being added to `gonetify serve`: skip
// until the server issues tokens.
async function tokenServed(t) {
  const res = await fetch(app.url + "token", {
    method: "POST",
    body: new URLSearchParams({ username: "probe", password: "dotnetify", grant_type: "password" }),
  });
  if (res.ok) return true;
  t.skip(`this gonetify does not issue tokens yet (POST /token answered ${res.status})`);
  return false;
}

async function login(page, user, password = "dotnetify") {
  await openTab(page, app.url, "SecurePage", { connected: false });
  await page.getByTestId("username").fill(user);
  await page.getByTestId("password").fill(password);
  await page.getByTestId("login-submit").click();
}

test("SecurePage: a wrong password is refused", async (t) => {
  if (!(await tokenServed(t))) return;
  const page = await app.browser.newPage();
  await login(page, "guest", "nope");
  await page.getByTestId("login-error").waitFor();
  assert.match(await page.getByTestId("login-error").textContent(), /incorrect/);
  await page.close();
});

test("SecurePage: a user sees SecurePageVM, not the admin VM", async (t) => {
  if (!(await tokenServed(t))) return;
  const page = await app.browser.newPage();
  await login(page, "guest");
  await page.getByTestId("secure-caption").filter({ hasText: 'Authenticated user: "guest"' }).waitFor();
  await page.getByTestId("secure-data").filter({ hasText: /Access token will expire in \d+ seconds/ }).waitFor();
  await page.getByTestId("admin-denied").filter({ hasText: "unauthorized" }).waitFor();
  // SecureData is pushed every second.
  const before = await page.getByTestId("secure-data").textContent();
  await page.waitForFunction((t0) => document.querySelector('[data-testid="secure-data"]').textContent !== t0, before, { timeout: 5000 });
  await page.close();
});

test("SecurePage: admin sees both view models; logging out disconnects them", async (t) => {
  if (!(await tokenServed(t))) return;
  const page = await app.browser.newPage();
  await login(page, "admin");
  await page.getByTestId("secure-caption").filter({ hasText: 'Authenticated user: "admin"' }).waitFor();
  await page.getByTestId("token-issuer").filter({ hasText: "Token issuer:" }).waitFor();
  await screenshot(page, "securepage");
  await page.getByTestId("logout").click();
  await page.getByTestId("login").waitFor();
  assert.deepEqual(page.errors, []);
});
