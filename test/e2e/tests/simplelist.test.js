'use strict';
// SimpleListVM (multicast, grouped by client IP): list add/update/remove as
// the official client applies them (Employees_add/_update/_remove).
const assert = require('node:assert/strict');
const { useServer, barrier } = require('../lib/harness');

const env = useServer();
const ID = 'SimpleListVM';
const CRUD_KEY = /_add|_update|_remove|_itemKey/;

function noCrudKeys(state) {
  const bad = Object.keys(state).filter((k) => CRUD_KEY.test(k));
  assert.deepEqual(bad, [], 'CRUD pseudo-keys leaked into the client state');
}

const byId = (state, id) => state.Employees.find((e) => e.Id === id);

env.test('initial state: 7 employees, item key Id, commands as null', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  const s = await h.loaded();
  const raw = h.received()[0].data;
  assert.equal(raw.Employees_itemKey, 'Id', 'the initial frame declares Employees_itemKey');
  assert.equal(h.vm.$itemKey.Employees, 'Id', 'the client registered the item key');
  noCrudKeys(s);
  assert.ok(Array.isArray(s.Employees));
  for (const e of s.Employees) assert.deepEqual(Object.keys(e).sort(), ['FirstName', 'Id', 'LastName']);
  if (!env.server.external) {
    assert.deepEqual(s.Employees.map((e) => e.Id), [1, 2, 3, 4, 5, 6, 7]);
  }
  for (const k of ['Add', 'Update', 'Remove']) assert.equal(s[k], null, `${k} is null`);
});

env.test('Add / Update / Remove: both clients of the group see the list grow, change and shrink', async (t) => {
  const a = env.client(t, 'A');
  const b = env.client(t, 'B');
  const ha = a.connect(ID);
  const hb = b.connect(ID);
  const initial = (await ha.loaded()).Employees.length;
  await hb.loaded();
  assert.equal(hb.state.Employees.length, initial);

  const name = `Babe${process.pid} Ruth`;
  let fromA = a.mark();
  ha.dispatch({ Add: name });
  await ha.waitState((s) => s.Employees.length === initial + 1, 'A: Employees grew by 1');
  await hb.waitState((s) => s.Employees.length === initial + 1, 'B: Employees grew by 1');
  const added = ha.state.Employees[initial];
  assert.equal(added.FirstName, `Babe${process.pid}`);
  assert.equal(added.LastName, 'Ruth');
  assert.ok(Number.isInteger(added.Id));
  assert.deepEqual(hb.state.Employees[initial], added);
  assert.ok(ha.received(fromA).some((f) => f.data && 'Employees_add' in f.data), 'the wire carried Employees_add');
  noCrudKeys(ha.state);
  noCrudKeys(hb.state);

  fromA = a.mark();
  hb.dispatch({ Update: { Id: added.Id, FirstName: 'Johnny' } });
  await hb.waitState((s) => byId(s, added.Id).FirstName === 'Johnny', 'B: item renamed');
  await ha.waitState((s) => byId(s, added.Id).FirstName === 'Johnny', 'A: item renamed');
  assert.equal(byId(ha.state, added.Id).LastName, 'Ruth', 'a field left out keeps its value');
  hb.dispatch({ Update: { Id: added.Id, LastName: 'Tango' } });
  await ha.waitState((s) => byId(s, added.Id).LastName === 'Tango', 'A: last name changed');
  assert.equal(ha.state.Employees.length, initial + 1, 'update does not add');
  noCrudKeys(ha.state);

  ha.dispatch({ Remove: added.Id });
  await ha.waitState((s) => s.Employees.length === initial && !byId(s, added.Id), 'A: item removed');
  await hb.waitState((s) => s.Employees.length === initial && !byId(s, added.Id), 'B: item removed');
  noCrudKeys(ha.state);
  noCrudKeys(hb.state);
});

env.test('$dispatchListState sends List.$key.Field paths and the other client gets the update', async (t) => {
  const a = env.client(t, 'A');
  const b = env.client(t, 'B');
  const ha = a.connect(ID);
  const hb = b.connect(ID);
  await ha.loaded();
  await hb.loaded();
  const target = ha.state.Employees[0];
  const from = a.mark();
  ha.vm.$dispatchListState({ Employees: { Id: target.Id, FirstName: 'Zed' } });
  assert.equal(a.sent(ID, from)[0].msg.value, JSON.stringify({ [`Employees.$${target.Id}.FirstName`]: 'Zed' }));
  assert.equal(byId(ha.state, target.Id).FirstName, 'Zed', 'the client applies its own change at once');
  await hb.waitState((s) => byId(s, target.Id).FirstName === 'Zed', 'B: item changed through the path update');
  // A late joiner sees the server-side list changed.
  const c = env.client(t, 'C');
  const hc = c.connect(ID);
  await hc.loaded();
  assert.equal(byId(hc.state, target.Id).FirstName, 'Zed');
  ha.dispatch({ Update: { Id: target.Id, FirstName: target.FirstName } }); // restore
  await hb.waitState((s) => byId(s, target.Id).FirstName === target.FirstName, 'B: restored');
});

env.test('multicast $destroy: the other client keeps working', async (t) => {
  const a = env.client(t, 'A');
  const b = env.client(t, 'B');
  const ha = a.connect(ID);
  const hb = b.connect(ID);
  await ha.loaded();
  const n = (await hb.loaded()).Employees.length;
  await barrier(a);
  const fromA = a.mark();
  ha.destroy();
  await barrier(a); // A's dispose_vm has been handled (one connection is handled in order)
  hb.dispatch({ Add: 'After Destroy' });
  await hb.waitState((s) => s.Employees.length === n + 1, 'B: Employees grew after A left');
  const id = hb.state.Employees[n].Id;
  hb.dispatch({ Remove: id });
  await hb.waitState((s) => s.Employees.length === n, 'B: Employees shrank');
  await barrier(a);
  const leaked = ha.received(fromA).filter((f) => !(f.data && 'ExceptionType' in f.data));
  assert.deepEqual(leaked.map((f) => f.raw), [], 'A got group pushes after $destroy');
});
