import assert from "node:assert/strict";
import { test } from "node:test";
import { screenshot, useApp } from "../lib/harness.js";

// dotNetify's routing in the demo's BookStore tab: BookStoreVM's books
// link (RouteLink) to /examples/bookstore/book/<title>, which the router
// loads into the book panel (BookDetailsVM, told its route by $vmArg
// {"RoutingState.Origin"}); Back ($routeTo BookDefaultRoute) and the
// browser's back button return to the store; a book's URL opened directly
// shows the book.
const app = useApp();

const TITLES = [
  "the-martian", "life-of-pi", "wayward-pines", "the-5-love-languages-of-children",
  "the-csharp-players-guide", "beginning-aspdotnet-for-visual-studio-2015",
  "learning-web-app-development", "go-set-a-watchman",
];

// The covers are dotNetify's web store images, on Amazon's servers; the
// test machine is offline, so they are answered here with a blank image
// (and recorded, to check the page asked for the records' URLs).
async function offlineCovers(page) {
  const covers = [];
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => {
    covers.push(route.request().url());
    route.fulfill({ contentType: "image/svg+xml", body: '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>' });
  });
  return covers;
}

async function open(path, hub) {
  const page = await app.browser.newPage();
  const covers = await offlineCovers(page);
  await page.goto(`${app.url}${path}?hub=${hub}`);
  await page.locator('[data-testid="conn-state"][data-state="connected"]').waitFor();
  await page.getByTestId("tab-BookStore").waitFor();
  await page.locator('[data-testid="book"]').nth(TITLES.length - 1).waitFor();
  return { page, covers };
}

const bookURL = (title) => new RegExp(`/examples/bookstore/book/${title}$`);

for (const hub of ["direct", "signalr"]) {
  test(`BookStore (${hub}): the books, a click opens the book's route, Back and the back button return to the store`, async () => {
    const { page, covers } = await open("examples/bookstore", hub);
    assert.match(await page.getByTestId("hub-url").textContent(), hub === "signalr" ? /\/dotnetify$/ : /\/ws$/);
    const books = page.getByTestId("book");
    assert.deepEqual(await books.evaluateAll((els) => els.map((e) => e.dataset.title)), TITLES);
    assert.equal(await books.first().locator("a").getAttribute("href"), "/examples/bookstore/book/the-martian");
    assert.ok(covers.some((u) => u.includes("m.media-amazon.com")), `covers requested: ${covers}`);
    assert.equal(await page.getByTestId("book-details").count(), 0);

    await books.first().locator("a").click();
    await page.waitForURL(bookURL("the-martian"));
    await page.getByTestId("book-title").filter({ hasText: /^The Martian$/ }).waitFor();
    assert.equal(await page.getByTestId("book-author").textContent(), "by Andy Weir");
    await screenshot(page, `bookstore-${hub}-book`);

    // Back: $routeTo(BookDefaultRoute), a redirect to the store's default.
    await page.getByTestId("book-back").click();
    await page.waitForURL(/\/examples\/bookstore\/default$/);
    await page.getByTestId("book-details").waitFor({ state: "detached" });
    assert.equal(await books.count(), TITLES.length);

    // Another book, then the browser's back button.
    await page.locator('[data-title="life-of-pi"] a').click();
    await page.waitForURL(bookURL("life-of-pi"));
    await page.getByTestId("book-title").filter({ hasText: /^Life Of Pi$/ }).waitFor();
    await page.goBack();
    await page.waitForURL(/\/examples\/bookstore\/default$/);
    await page.getByTestId("book-details").waitFor({ state: "detached" });

    // And forward again: the book is back.
    await page.goForward();
    await page.waitForURL(bookURL("life-of-pi"));
    await page.getByTestId("book-title").filter({ hasText: /^Life Of Pi$/ }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test(`BookStore (${hub}): a book's URL opened directly in a new page shows the book, and closing it returns to the store`, async () => {
    const { page } = await open("examples/bookstore/book/the-csharp-players-guide", hub);
    await page.getByTestId("book-title").filter({ hasText: /^The C# Player's Guide$/ }).waitFor();
    assert.equal(await page.getByTestId("book-author").textContent(), "by RB Whitaker");
    assert.match(new URL(page.url()).pathname, bookURL("the-csharp-players-guide"));
    await screenshot(page, `bookstore-${hub}-deeplink`);

    await page.getByTestId("book-back").click();
    await page.waitForURL(/\/examples\/bookstore\/default$/);
    await page.getByTestId("book-details").waitFor({ state: "detached" });
    assert.equal(await page.getByTestId("book").count(), TITLES.length);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test(`BookStore (${hub}): a URL naming no book shows what was searched`, async () => {
    const { page } = await open("examples/bookstore/book/no-such-book", hub);
    await page.getByTestId("book-missing").filter({ hasText: "no-such-book" }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
