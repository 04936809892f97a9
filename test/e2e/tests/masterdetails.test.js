'use strict';
// MasterDetails: "MasterDetails.MasterList" and "MasterDetails.Details"
// share an implicit master; a selection in the list updates the details.
const assert = require('node:assert/strict');
const { useServer, barrier } = require('../lib/harness');

const env = useServer();
const LIST = 'MasterDetails.MasterList';
const DETAILS = 'MasterDetails.Details';
const NAMES = ['Brass Compass', 'Oak Writing Desk', 'Enamel Kettle', 'Linen Field Journal', 'Copper Rain Gauge'];

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
  assert.deepEqual(list.state.Items, NAMES.map((Name, i) => ({ Id: i + 1, Name })));
  assert.equal(list.vm.$itemKey.Items, 'Id');
  assert.equal(list.state.SelectedId, 0);
  assert.equal(list.state.Select, null);
  assert.ok(!('Items_itemKey' in list.state));
  assert.deepEqual(details.state, { Item: null });
});

env.test('select in the list → Details state changes (same cycle)', async (t) => {
  const { c, list, details } = await open(t);
  const from = c.mark();
  list.dispatch({ Select: 2 });
  await details.waitState((s) => s.Item && s.Item.Id === 2, 'details show item 2');
  assert.deepEqual(details.state.Item, {
    Id: 2,
    Name: 'Oak Writing Desk',
    Category: 'Furniture',
    Description: 'A fold-down desk with six pigeonholes and a hidden drawer.',
  });
  assert.equal(list.state.SelectedId, 2);
  // The list's reaction comes first, then the sibling's push.
  const order = c.frames.slice(from).filter((f) => f.dir === 'in').map((f) => f.msg.vmId);
  assert.deepEqual(order.slice(0, 2), [LIST, DETAILS]);

  const from2 = c.mark();
  list.dispatchState({ SelectedId: 4 }); // the property form, as a view's dispatchState would
  await details.waitState((s) => s.Item.Id === 4, 'details show item 4');
  await barrier(c);
  assert.deepEqual(list.received(from2).map((f) => f.raw), [], 'SelectedId echoed to the list');
});

env.test('an unknown item is an ArgumentException and the details stay', async (t) => {
  const { c, list, details } = await open(t);
  list.dispatch({ Select: 3 });
  await details.waitState((s) => s.Item && s.Item.Id === 3, 'details show item 3');
  const from = c.mark();
  list.dispatch({ Select: 42 });
  await c.waitFor(() => list.exceptions.length === 1, 'exceptionHandler for Select 42', 3000, LIST);
  assert.equal(list.exceptions[0].name, 'ArgumentException');
  assert.match(list.exceptions[0].message, /42/);
  await barrier(c);
  assert.deepEqual(details.received(from).map((f) => f.raw), [], 'details frames after a failed select');
  assert.equal(details.state.Item.Id, 3);
});

env.test('$destroy of Details: the list keeps working; a new Details shows the selection', async (t) => {
  const { c, list, details } = await open(t);
  const logStart = env.server.log().length;
  details.destroy();
  await barrier(c);
  const from = c.mark();
  list.dispatch({ Select: 5 });
  await list.waitState((s) => s.SelectedId === 5, 'list SelectedId 5');
  await barrier(c);
  assert.deepEqual(details.received(from).map((f) => f.raw), [], 'frames for the disposed Details');
  if (!env.server.external) {
    const log = env.server.log().slice(logStart);
    assert.match(log, /sub view model disposing.*DetailsVM/, 'OnSubVMDisposing was called');
  }
  const d2 = c.connect(DETAILS);
  await d2.loaded();
  assert.equal(d2.state.Item.Id, 5);
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
  await A.details.waitState((s) => s.Item && s.Item.Id === 1, 'A details item 1');
  B.list.dispatch({ Select: 2 });
  await B.details.waitState((s) => s.Item && s.Item.Id === 2, 'B details item 2');
  assert.equal(A.details.state.Item.Id, 1);
  assert.ok(!B.details.received().some((f) => f.data.Item && f.data.Item.Id === 1));
});
