'use strict';
// BookStore, dotNetify's routing example (Examples/BookStore.cs), driven
// with the official client the way its router drives it: BookStoreVM sends
// RoutingState (templates, root) and each book's Route; when the router
// loads a route's view it dispatches {"RoutingState.Active": path} to
// BookStoreVM and connects the view's BookDetailsVM with $vmArg
// {"RoutingState.Origin": path}, whose OnRouted handler looks the book up.
const assert = require('node:assert/strict');
const { useServer, barrier } = require('../lib/harness');

const env = useServer();
const TITLES = [
  'the-martian', 'life-of-pi', 'wayward-pines', 'the-5-love-languages-of-children',
  'the-csharp-players-guide', 'beginning-aspdotnet-for-visual-studio-2015',
  'learning-web-app-development', 'go-set-a-watchman',
];
const tmpl = (Id, UrlPattern, ViewUrl = null) => ({ Id, Root: null, UrlPattern, ViewUrl, JSModuleUrl: null, Target: null });

env.test('BookStoreVM: the routing state and every book with its route', async (t) => {
  const c = env.client(t, 'A');
  const store = c.connect('BookStoreVM');
  const s = await store.loaded();
  assert.deepEqual(Object.keys(s).sort(), ['Books', 'RoutingState']);
  assert.deepEqual(s.RoutingState, {
    Templates: [tmpl('BookHome', '', 'BookDefault'), tmpl('BookDefault', 'default'), tmpl('Book', 'book(/:title)')],
    Root: 'examples/bookstore',
    Active: null,
    Origin: null,
  });
  assert.deepEqual(s.Books.map((b) => b.Info.UrlSafeTitle), TITLES);
  for (const b of s.Books) {
    assert.deepEqual(b.Route, { TemplateId: 'Book', Path: `book/${b.Info.UrlSafeTitle}`, RedirectRoot: null });
  }
  assert.equal(s.Books[0].Info.Title, 'The Martian');
  assert.equal(s.Books[0].Info.Author, 'Andy Weir');
});

env.test('the router opens a book: Active is accepted without an echo, BookDetailsVM gets the book', async (t) => {
  const c = env.client(t, 'A');
  const store = c.connect('BookStoreVM');
  await store.loaded();
  const path = store.state.Books[1].Route.Path;

  const from = c.mark();
  store.dispatch({ 'RoutingState.Active': path });
  const details = c.connect('BookDetailsVM', { vmArg: { 'RoutingState.Origin': path } });
  const d = await details.loaded();
  await barrier(c);
  assert.deepEqual(store.received(from).map((f) => f.raw), [], 'BookStoreVM frames after RoutingState.Active');
  assert.deepEqual(JSON.parse(c.sent('BookDetailsVM', from)[0].msg.vmArgs).$vmArg, { 'RoutingState.Origin': 'book/life-of-pi' });

  assert.deepEqual(Object.keys(d).sort(), ['Book', 'BookDefaultRoute', 'RoutingState', 'SearchTitle']);
  assert.equal(d.Book.Title, 'Life Of Pi');
  assert.equal(d.Book.Author, 'Yann Martel');
  assert.equal(d.SearchTitle, 'life-of-pi');
  assert.deepEqual(d.RoutingState, { Templates: null, Root: null, Active: null, Origin: 'book/life-of-pi' });
  assert.deepEqual(d.BookDefaultRoute, { TemplateId: null, Path: 'default', RedirectRoot: 'examples/bookstore' });
  assert.equal(details.received().length, 1, 'one frame: the book is in the initial state');

  // Back to the store: the router routes BookDefaultRoute, disposes the
  // book's view and activates "default".
  details.destroy();
  const back = c.mark();
  store.dispatch({ 'RoutingState.Active': 'default' });
  await barrier(c);
  assert.deepEqual(store.received(back).map((f) => f.raw), []);
  assert.deepEqual(store.exceptions, []);
  assert.deepEqual(details.exceptions, []);
});

env.test('a deep link to an unknown title: Book is null, SearchTitle says what was searched', async (t) => {
  const c = env.client(t, 'A');
  const details = c.connect('BookDetailsVM', { vmArg: { 'RoutingState.Origin': 'book/no-such-book' } });
  const d = await details.loaded();
  assert.equal(d.Book, null);
  assert.equal(d.SearchTitle, 'no-such-book');
});

env.test('routed again: setting RoutingState.Origin changes the book and sends only Book and SearchTitle', async (t) => {
  const c = env.client(t, 'A');
  const details = c.connect('BookDetailsVM', { vmArg: { 'RoutingState.Origin': 'book/the-martian' } });
  await details.loaded();
  const from = c.mark();
  details.dispatch({ 'RoutingState.Origin': 'book/go-set-a-watchman' });
  const f = await details.waitFrame((data) => data.Book, 'the new book', from);
  assert.deepEqual(Object.keys(f.data).sort(), ['Book', 'SearchTitle']);
  assert.equal(f.data.Book.Title, 'Go Set A Watchman');
  assert.equal(f.data.SearchTitle, 'go-set-a-watchman');
});
