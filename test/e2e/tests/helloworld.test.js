'use strict';
// HelloWorldVM (exactly dotNetify's: FirstName, LastName, FullName): initial
// state, action → reaction without echo, vmArg, isolation between
// connections, dispose. The demo VMs GreetingVM (a command) and
// ServerTimeVM (server push) cover what the original has not.
const assert = require('node:assert/strict');
const { useServer, barrier, sleep } = require('../lib/harness');

const env = useServer();
const ID = 'HelloWorldVM';

env.test('initial state', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  const s = await h.loaded();
  assert.deepEqual(Object.keys(s).sort(), ['FirstName', 'FullName', 'LastName']);
  assert.equal(s.FirstName, 'Hello');
  assert.equal(s.LastName, 'World');
  assert.equal(s.FullName, 'Hello World');
});

env.test('dispatch FirstName → FullName arrives; FirstName is not echoed', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  await h.loaded();
  const from = a.mark();
  h.dispatch({ FirstName: 'John' });
  await h.waitState((s) => s.FullName === 'John World', 'FullName = "John World"');
  assert.equal(a.sent(ID, from)[0].raw, '{"callType":"update_vm","vmId":"HelloWorldVM","value":"{\\"FirstName\\":\\"John\\"}"}');
  // The reaction frame: FullName, and no FirstName (echo suppression).
  const reaction = h.received(from).find((f) => 'FullName' in f.data);
  assert.ok(!('FirstName' in reaction.data), `FirstName echoed: ${reaction.raw}`);
  // Nothing else carried FirstName either.
  await barrier(a);
  const withFirst = h.received(from).filter((f) => 'FirstName' in f.data);
  assert.deepEqual(withFirst.map((f) => f.raw), [], 'FirstName frames after the dispatch');
  // The client's state keeps what it had (dotNetify never echoes; the view owns its input).
  assert.equal(h.state.FirstName, 'Hello');

  h.dispatch({ LastName: 'Doe' });
  await h.waitState((s) => s.FullName === 'John Doe', 'FullName = "John Doe"');
});

env.test('GreetingVM: Submit command → Greetings', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect('GreetingVM');
  const s = await h.loaded();
  assert.deepEqual(Object.keys(s).sort(), ['Greetings', 'Submit']);
  assert.equal(s.Greetings, 'Hello World!');
  assert.equal(s.Submit, null, 'commands are sent as null');
  h.dispatch({ Submit: { FirstName: 'Ada', LastName: 'Lovelace' } });
  await h.waitState((s) => s.Greetings === 'Hello Ada Lovelace!', 'Greetings = "Hello Ada Lovelace!"');
  assert.equal(h.state.Submit, null);
});

env.test('an unknown property path is ignored: no response, no exception', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  await h.loaded();
  const from = a.mark();
  h.dispatch({ NoSuchProp: 1, 'Person.Nothing': 'x' });
  await barrier(a);
  assert.deepEqual(h.received(from).map((f) => f.raw), [], 'frames after the dispatch');
  assert.deepEqual(h.exceptions, []);
});

env.test('vmArg values are applied before the initial state', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID, { vmArg: { FirstName: 'Grace', LastName: 'Hopper' } });
  const s = await h.loaded();
  assert.equal(a.sent(ID)[0].msg.vmArgs, '{"$vmArg":{"FirstName":"Grace","LastName":"Hopper"}}');
  assert.equal(s.FirstName, 'Grace');
  assert.equal(s.FullName, 'Grace Hopper');
});

env.test('ServerTimeVM server push: ServerTime ticks without any dispatch', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect('ServerTimeVM');
  const s = await h.loaded();
  assert.deepEqual(Object.keys(s), ['ServerTime']);
  const first = s.ServerTime;
  assert.ok(!Number.isNaN(Date.parse(first)), `ServerTime is a date: ${first}`);
  const from = a.mark();
  await h.waitState((s) => s.ServerTime !== first, 'a pushed ServerTime', 3000);
  assert.ok(Date.parse(h.state.ServerTime) > Date.parse(first));
  assert.equal(a.sent('ServerTimeVM', from).length, 0, 'the client sent nothing');
  // A push carries only what changed.
  const push = h.received(from).find((f) => 'ServerTime' in f.data);
  assert.deepEqual(Object.keys(push.data), ['ServerTime']);
});

env.test('two clients are isolated: changes on A do not reach B', async (t) => {
  const a = env.client(t, 'A');
  const b = env.client(t, 'B');
  const ha = a.connect(ID);
  const hb = b.connect(ID);
  await ha.loaded();
  await hb.loaded();
  const fromB = b.mark();
  ha.dispatch({ FirstName: 'Alice' });
  await ha.waitState((s) => s.FullName === 'Alice World', 'A: FullName = "Alice World"');
  // B's own change shows B's instance never saw A's FirstName.
  hb.dispatch({ LastName: 'Bobson' });
  await hb.waitState((s) => s.FullName === 'Hello Bobson', 'B: FullName = "Hello Bobson"');
  assert.equal(hb.state.FullName, 'Hello Bobson');
  const leaked = hb.received(fromB).filter((f) => JSON.stringify(f.data).includes('Alice'));
  assert.deepEqual(leaked.map((f) => f.raw), [], 'frames on B mentioning A\'s change');
  assert.equal(ha.state.FullName, 'Alice World');
});

env.test('$destroy disposes: dispose_vm is sent, pushes stop, a later $dispatch changes nothing', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  await h.loaded();
  await barrier(a); // connect the probe VM first
  let from = a.mark();
  h.destroy();
  assert.equal(a.sent(ID, from)[0].raw, '{"callType":"dispose_vm","vmId":"HelloWorldVM"}');
  await barrier(a); // dispose handled; a tick pushed just before it is in
  from = a.mark();
  h.dispatch({ FirstName: 'Ghost' }); // the VM object can still send
  assert.equal(a.sent(ID, from).length, 1, 'update_vm after $destroy was sent');
  await barrier(a);
  const state = h.received(from).filter((f) => !(f.data && 'ExceptionType' in f.data));
  assert.deepEqual(state.map((f) => f.raw), [], 'state frames (a reaction) for the disposed VM');
  // Requesting it again creates a fresh VM.
  const h2 = a.connect(ID);
  const s = await h2.loaded();
  assert.equal(s.FullName, 'Hello World');
});

env.test('ServerTimeVM: $destroy stops the pushes', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect('ServerTimeVM');
  await h.loaded();
  await barrier(a);
  h.destroy();
  await barrier(a); // dispose handled; a tick pushed just before it is in
  const from = a.mark();
  // Observe for longer than the 1 s ServerTime interval, then flush the socket.
  await sleep(1300);
  await barrier(a);
  assert.deepEqual(h.received(from).map((f) => f.raw), [], 'ServerTime pushes for the disposed VM');
});

env.test('an update after $destroy gets an error frame the client ignores; a repeated dispose gets nothing', async (t) => {
  // dotNetify only logs these (protocol §5.5, §5.9); gonetify answers an update for a VM the
  // connection does not hold with an exception for that vmId, as every hostile frame gets an
  // answer, and the official client drops frames for a vmId it no longer holds. A dispose_vm
  // repeated for a VM already disposed is only logged: the SignalR client answers an
  // unexpected Response_VM with Dispose_VM, and an answer to that would bounce forever.
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  await h.loaded();
  await barrier(a);
  h.destroy();
  await barrier(a);
  const from = a.mark();
  const before = JSON.stringify(h.state);
  h.dispatch({ FirstName: 'Ghost' });
  h.destroy(); // a second dispose_vm for a VM the connection no longer holds
  await barrier(a);
  const frames = h.received(from);
  assert.deepEqual(frames.map((f) => f.data && f.data.ExceptionType), ['InvalidOperationException'],
    'one exception frame for the update, none for the repeated dispose');
  assert.match(frames[0].data.Message, /received before request_vm/);
  assert.equal(JSON.stringify(h.state), before, 'the client applied nothing');
  assert.deepEqual(h.exceptions, [], 'exceptionHandler not called for a VM the client no longer holds');
});

