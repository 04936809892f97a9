'use strict';
// ChatRoomVM: one multicast instance for every connection. Users and
// messages are shared; a "<name>: …" message is sent privately.
const assert = require('node:assert/strict');
const { useServer, barrier } = require('../lib/harness');

const env = useServer();
const ID = 'ChatRoomVM';
let seq = 0;

/** Connects a client, adds its user and returns {client, h, corr, user}. */
async function join(t, name) {
  const c = env.client(t, name);
  const h = c.connect(ID);
  await h.loaded();
  const corr = `${name}-${process.pid}-${++seq}`;
  h.dispatch({ AddUser: corr });
  await h.waitState((s) => s.Users.some((u) => u.CorrelationId === corr), `own user ${corr} in Users`);
  const user = h.state.Users.find((u) => u.CorrelationId === corr);
  return { c, h, corr, user };
}

const corrs = (s) => s.Users.map((u) => u.CorrelationId);

env.test('initial state and item keys', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  const s = await h.loaded();
  const raw = h.received()[0].data;
  assert.equal(raw.Messages_itemKey, 'Id');
  assert.equal(raw.Users_itemKey, 'Id');
  assert.ok(Array.isArray(s.Messages) && Array.isArray(s.Users));
  for (const k of ['AddUser', 'RemoveUser', 'SendMessage']) assert.equal(s[k], null, `${k} is null`);
  assert.ok(!Object.keys(s).some((k) => k.endsWith('_itemKey')), 'no _itemKey in the client state');
  if (!env.server.external) {
    assert.deepEqual(s.Users, []);
    assert.deepEqual(s.Messages, []);
  }
});

env.test('multicast: users and messages are shared by every client', async (t) => {
  const A = await join(t, 'A');
  assert.equal(typeof A.user.Id, 'string');
  assert.match(A.user.Name, /^user\d+$/);
  if (!env.server.external) assert.equal(A.user.IpAddress, '127.0.0.1');

  const B = env.client(t, 'B');
  const hb = B.connect(ID);
  await hb.loaded();
  assert.ok(corrs(hb.state).includes(A.corr), 'a late joiner gets the current users in its initial state');
  const fromA = A.c.mark();
  const corrB = `B-${process.pid}-${++seq}`;
  hb.dispatch({ AddUser: corrB });
  await hb.waitState((s) => corrs(s).includes(corrB), 'B sees its own user');
  await A.h.waitState((s) => corrs(s).includes(corrB), 'A sees B join');
  const addFrames = A.h.received(fromA).filter((f) => 'Users_add' in f.data);
  assert.equal(addFrames.length, 1, 'A got exactly one Users_add');
  assert.equal(addFrames[0].data.Users_add.CorrelationId, corrB);

  // A second AddUser from the same connection is ignored.
  const fromB = B.mark();
  hb.dispatch({ AddUser: 'again' });
  await barrier(B);
  assert.ok(!corrs(hb.state).includes('again'));
  assert.deepEqual(hb.received(fromB).map((f) => f.raw), [], 'frames for a repeated AddUser');

  // A message from A reaches both, with A's new name, in one frame.
  const C = await join(t, 'C');
  const text = `Hi there! ${process.pid}`;
  const fromB2 = B.mark();
  const fromC = C.c.mark();
  A.h.dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: 'Rick' } });
  for (const [who, h] of [['A', A.h], ['B', hb], ['C', C.h]]) {
    await h.waitState((s) => s.Messages.some((m) => m.Text === text), `${who} sees the message`);
    const m = h.state.Messages.find((x) => x.Text === text);
    assert.equal(m.UserName, 'Rick');
    assert.equal(m.UserId, A.user.Id);
    assert.equal(h.state.Users.find((u) => u.Id === A.user.Id).Name, 'Rick', `${who} sees A renamed`);
  }
  for (const [who, c, from] of [['B', B, fromB2], ['C', C.c, fromC]]) {
    const frames = c.received(ID, from);
    assert.equal(frames.length, 1, `${who} got one frame: ${frames.map((f) => f.raw).join(' | ')}`);
    assert.ok('Users_update' in frames[0].data && 'Messages_add' in frames[0].data);
  }
  assert.deepEqual(A.h.state.Messages, hb.state.Messages, 'A and B hold the same messages');
  assert.deepEqual(C.h.state.Messages, hb.state.Messages, 'C and B hold the same messages');
});

env.test('a private message reaches only its target and the sender', async (t) => {
  const A = await join(t, 'A');
  const B = await join(t, 'B');
  const C = await join(t, 'C');
  await C.h.waitState((s) => corrs(s).includes(A.corr) && corrs(s).includes(B.corr), 'C sees A and B');
  const name = `Priv${process.pid}`;
  A.h.dispatch({ SendMessage: { Text: 'hello', Date: new Date(), UserName: name } });
  await B.h.waitState((s) => s.Users.some((u) => u.Name === name), 'B sees A renamed');
  const fromC = C.c.mark();
  const msgCount = B.h.state.Messages.length;
  const text = `${name}: psst ${process.pid}`;
  B.h.dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: '' } });
  await A.h.waitState((s) => s.PrivateMessage && s.PrivateMessage.Text === text, 'A (target) got PrivateMessage');
  await B.h.waitState((s) => s.PrivateMessage && s.PrivateMessage.Text === text, 'B (sender) got PrivateMessage');
  assert.equal(A.h.state.PrivateMessage.UserId, B.user.Id);
  // Flush C's socket with a public message after the private one.
  const pub = `public ${process.pid}`;
  B.h.dispatch({ SendMessage: { Text: pub, Date: new Date(), UserName: '' } });
  await C.h.waitState((s) => s.Messages.some((m) => m.Text === pub), 'C sees the later public message');
  const leaked = C.c.received(ID, fromC).filter((f) => JSON.stringify(f.data).includes('psst'));
  assert.deepEqual(leaked.map((f) => f.raw), [], 'C received the private message');
  assert.ok(!('PrivateMessage' in C.h.state));
  assert.ok(!B.h.state.Messages.some((m) => m.Text === text), 'the private message is not in Messages');
  assert.equal(B.h.state.Messages.length, msgCount + 1);
});

env.test('RemoveUser: every client sees the user leave', async (t) => {
  const A = await join(t, 'A');
  const B = await join(t, 'B');
  await B.h.waitState((s) => corrs(s).includes(A.corr), 'B sees A');
  A.h.dispatch({ RemoveUser: null });
  await A.h.waitState((s) => !corrs(s).includes(A.corr), 'A sees itself leave');
  await B.h.waitState((s) => !corrs(s).includes(A.corr), 'B sees A leave');
  assert.ok(corrs(B.h.state).includes(B.corr));
});

env.test('multicast $destroy: the other clients keep working', async (t) => {
  const A = await join(t, 'A');
  const B = await join(t, 'B');
  await barrier(A.c);
  A.h.dispatch({ RemoveUser: null }); // as the official view does before $destroy
  A.h.destroy();
  await barrier(A.c);
  const fromA = A.c.mark();
  const text = `after destroy ${process.pid}`;
  B.h.dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: '' } });
  await B.h.waitState((s) => s.Messages.some((m) => m.Text === text), 'B still gets its messages');
  await B.h.waitState((s) => !corrs(s).includes(A.corr), 'A is gone from B\'s users');
  await barrier(A.c);
  const leaked = A.h.received(fromA).filter((f) => !('ExceptionType' in f.data));
  assert.deepEqual(leaked.map((f) => f.raw), [], 'A got room pushes after $destroy');
  // A new client still joins the same room.
  const C = env.client(t, 'C');
  const hc = C.connect(ID);
  await hc.loaded();
  assert.ok(hc.state.Messages.some((m) => m.Text === text));
  assert.ok(corrs(hc.state).includes(B.corr));
});

env.test('$destroy without RemoveUser removes the user for the others (dotNetify per-connection Dispose)', async (t) => {
  const A = await join(t, 'A');
  const B = await join(t, 'B');
  await B.h.waitState((s) => corrs(s).includes(A.corr), 'B sees A');
  const fromB = B.c.mark();
  A.h.destroy();
  await B.h.waitState((s) => !corrs(s).includes(A.corr), 'B gets Users_remove for A after A\'s $destroy');
  const removes = B.h.received(fromB).filter((f) => 'Users_remove' in f.data);
  assert.equal(removes.length, 1);
  assert.equal(removes[0].data.Users_remove, A.user.Id);
});

env.test('a client that disconnects is removed from the others\' Users', async (t) => {
  const A = await join(t, 'A');
  const B = await join(t, 'B');
  await B.h.waitState((s) => corrs(s).includes(A.corr), 'B sees A');
  await A.c.close(); // socket closed, no dispose_vm
  await B.h.waitState((s) => !corrs(s).includes(A.corr), 'B gets Users_remove for A after A disconnected');
  const text = `still here ${process.pid}`;
  B.h.dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: '' } });
  await B.h.waitState((s) => s.Messages.some((m) => m.Text === text), 'B keeps working');
});

env.test('a system message posted over HTTP (a push from outside the VM) reaches every member once', async (t) => {
  if (env.server.external) return t.skip('E2E_HUB_URL: no server of ours to post to');
  const a = await join(t, 'A');
  const b = await join(t, 'B');
  const text = `system notice ${++seq}`;
  const res = await fetch(`${env.server.httpBase}/api/chatroom/system-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Gonetify-Secret': 'e2e-integration-secret-0123' },
    body: JSON.stringify({ text }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.ok((await res.json()).rooms >= 1);
  for (const m of [a, b]) {
    await m.h.waitState((s) => s.Messages.some((x) => x.Text === text), `${m.c.name} has the system message`);
    const got = m.h.state.Messages.filter((x) => x.Text === text);
    assert.equal(got.length, 1);
    assert.equal(got[0].UserName, 'System');
  }
  // A client cannot post one: the method is not a declared command.
  a.h.dispatch({ PostSystemMessage: 'spoofed' });
  await a.c.waitFor(() => a.h.exceptions.length > 0, 'an exception for PostSystemMessage', 3000, ID);
  assert.ok(!a.h.state.Messages.some((x) => x.Text === 'spoofed'));
});
