'use strict';
// MasterDetails, with the names of dotNetify's DataFlow example
// (DataFlow.cs): "MasterDetails.MasterList" (ListItems, Select) and
// "MasterDetails.Details" (ItemImageUrl) share an implicit master; a
// selection in the list updates the details.
const assert = require('node:assert/strict');
const { useServer, barrier } = require('../lib/harness');

const env = useServer();
const LIST = 'MasterDetails.MasterList';
const DETAILS = 'MasterDetails.Details';
const TITLES = ['Brass Compass Patterns', 'The Oak Desk Handbook', 'Enamel Kettle Recipes', 'A Linen Field Journal', 'Copper Rain and C# Notes'];
const RECORD_KEYS = ['Author', 'Category', 'Id', 'ImageUrl', 'ItemUrl', 'Rating', 'Recommended', 'Title', 'Type', 'UrlSafeTitle'];

async function open(t, name = 'A') {
  const c = env.client(t, name);
  const list = c.connect(LIST);
  const details = c.connect(DETAILS);
  await list.loaded();
  await details.loaded();
  return { c, list, details };
}

env.test('initial states', async (t) => {
  const { list, details } = await open(t);
  assert.deepEqual(Object.keys(list.state).sort(), ['ListItems', 'Select']);
  assert.deepEqual(list.state.ListItems.map((r) => r.Title), TITLES);
  assert.deepEqual(list.state.ListItems.map((r) => r.Id), [1, 2, 3, 4, 5]);
  for (const r of list.state.ListItems) {
    assert.deepEqual(Object.keys(r).sort(), RECORD_KEYS);
    assert.equal(r.Type, 'Book');
    assert.match(r.ImageUrl, /^data:image\/svg\+xml,/);
  }
  assert.equal(list.state.ListItems[4].UrlSafeTitle, 'copper-rain-and-csharp-notes');
  assert.equal(list.state.Select, null);
  assert.deepEqual(details.state, { ItemImageUrl: null });
});

const image = (list, id) => list.state.ListItems.find((r) => r.Id === id).ImageUrl;

env.test('select in the list → Details state changes (same cycle)', async (t) => {
  const { c, list, details } = await open(t);
  const from = c.mark();
  list.dispatch({ Select: 2 });
  await details.waitState((s) => s.ItemImageUrl === image(list, 2), 'details show item 2');
  await barrier(c);
  assert.deepEqual(list.received(from).map((f) => f.raw), [], 'list frames: Select changes no list state');
  const frames = details.received(from);
  assert.equal(frames.length, 1);
  assert.deepEqual(Object.keys(frames[0].data), ['ItemImageUrl']);
});

env.test('an unknown item is an ArgumentException and the details stay', async (t) => {
  const { c, list, details } = await open(t);
  list.dispatch({ Select: 3 });
  await details.waitState((s) => s.ItemImageUrl === image(list, 3), 'details show item 3');
  const from = c.mark();
  list.dispatch({ Select: 42 });
  await c.waitFor(() => list.exceptions.length === 1, 'exceptionHandler for Select 42', 3000, LIST);
  assert.equal(list.exceptions[0].name, 'ArgumentException');
  assert.match(list.exceptions[0].message, /42/);
  await barrier(c);
  assert.deepEqual(details.received(from).map((f) => f.raw), [], 'details frames after a failed select');
  assert.equal(details.state.ItemImageUrl, image(list, 3));
});

env.test('$destroy of Details: the list keeps working; a new Details shows the selection', async (t) => {
  const { c, list, details } = await open(t);
  const logStart = env.server.log().length;
  details.destroy();
  await barrier(c);
  const from = c.mark();
  list.dispatch({ Select: 5 });
  await barrier(c);
  assert.deepEqual(details.received(from).map((f) => f.raw), [], 'frames for the disposed Details');
  assert.deepEqual(list.exceptions, []);
  if (!env.server.external) {
    const log = env.server.log().slice(logStart);
    assert.match(log, /sub view model disposing.*DetailsVM/, 'OnSubVMDisposing was called');
  }
  const d2 = c.connect(DETAILS);
  await d2.loaded();
  assert.equal(d2.state.ItemImageUrl, image(list, 5));
});

env.test('dispose_vm of the MasterDetails scope disposes both children', async (t) => {
  const { c, list } = await open(t);
  const logStart = env.server.log().length;
  c.hub.disposeVM('MasterDetails');
  await barrier(c);
  const from = c.mark();
  list.dispatch({ Select: 1 });
  await barrier(c);
  const state = [LIST, DETAILS].flatMap((id) => c.received(id, from)).filter((f) => !('ExceptionType' in f.data));
  assert.deepEqual(state.map((f) => f.raw), [], 'state frames after the scope was disposed');
  if (!env.server.external) {
    const log = env.server.log().slice(logStart);
    assert.match(log, /sub view model disposing.*MasterListVM/);
    assert.match(log, /sub view model disposing.*DetailsVM/);
  }
  for (const id of [LIST, DETAILS]) c.dn.react.viewModels[id].$destroy();
});

env.test('two connections have separate masters', async (t) => {
  const A = await open(t, 'A');
  const B = await open(t, 'B');
  A.list.dispatch({ Select: 1 });
  await A.details.waitState((s) => s.ItemImageUrl === image(A.list, 1), 'A details item 1');
  B.list.dispatch({ Select: 2 });
  await B.details.waitState((s) => s.ItemImageUrl === image(B.list, 2), 'B details item 2');
  assert.equal(A.details.state.ItemImageUrl, image(A.list, 1));
  assert.ok(!B.details.received().some((f) => f.data.ItemImageUrl === image(B.list, 1)));
});
