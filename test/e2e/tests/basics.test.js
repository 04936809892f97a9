'use strict';
// The harness itself and behaviour common to every VM: independent client
// copies, the request_vm wire shape, unknown VMs.
const assert = require('node:assert/strict');
const { useServer, barrier } = require('../lib/harness');

const env = useServer();

env.test('each loaded client copy is an independent dotnetify with its own hub and socket', async (t) => {
  const a = env.client(t, 'A');
  const b = env.client(t, 'B');
  assert.notEqual(a.dn, b.dn, 'two loads returned the same dotnetify object');
  assert.notEqual(a.dn.react, b.dn.react, 'two loads share dotnetify.react (one viewModels table)');
  assert.notEqual(a.hub, b.hub);
  const va = a.connect('HelloWorldVM');
  const vb = b.connect('HelloWorldVM');
  await va.loaded();
  await vb.loaded();
  await a.waitConnected();
  await b.waitConnected();
  assert.equal(a.sockets.length, 1);
  assert.equal(b.sockets.length, 1);
  assert.notEqual(a.sockets[0], b.sockets[0], 'clients share a socket');
  // Each client only holds its own VM object.
  assert.deepEqual(Object.keys(a.dn.react.viewModels), ['HelloWorldVM']);
  assert.notEqual(a.dn.react.viewModels.HelloWorldVM, b.dn.react.viewModels.HelloWorldVM);
});

env.test('request_vm is sent in the documented shape and answered with response_vm', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect('HelloWorldVM');
  await h.loaded();
  const out = a.sent('HelloWorldVM');
  assert.equal(out[0].raw, '{"callType":"request_vm","vmId":"HelloWorldVM","vmArgs":"{}"}');
  const first = h.received()[0];
  assert.equal(first.msg.callType, 'response_vm');
  assert.equal(typeof first.msg.data, 'string', 'data must be a JSON string');
  assert.deepEqual(Object.keys(first.msg), ['callType', 'vmId', 'data']);
  // Every frame the server sent was JSON text with a string data.
  for (const f of a.frames.filter((f) => f.dir === 'in')) {
    assert.ok(f.msg && typeof f.msg.data === 'string', `bad frame ${f.raw}`);
  }
  if (a.signalr) {
    // Over SignalR the harness normalizes to the shape above; the records
    // themselves have protocol.md §4's: vmArgs an object, [vmId, data] as one argument.
    const req = JSON.parse(out[0].wire);
    assert.match(req.invocationId, /^\d+$/);
    assert.deepEqual(req, { arguments: ['HelloWorldVM', {}], invocationId: req.invocationId, target: 'Request_VM', type: 1 });
    const res = JSON.parse(first.wire);
    assert.deepEqual(Object.keys(res).sort(), ['arguments', 'target', 'type']);
    assert.equal(res.type, 1);
    assert.equal(res.target, 'Response_VM');
    assert.equal(res.arguments.length, 1);
    assert.deepEqual(res.arguments[0], ['HelloWorldVM', first.msg.data]);
  }
});

env.test('an unknown VM reaches exceptionHandler with name and message', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect('NoSuchVM');
  await a.waitFor(() => h.exceptions.length > 0, 'exceptionHandler called for NoSuchVM', 3000, 'NoSuchVM');
  assert.equal(h.exceptions.length, 1);
  const ex = h.exceptions[0];
  assert.equal(ex.name, 'Exception');
  assert.match(ex.message, /'NoSuchVM' is not a known view model/);
  // The client still merges the exception data into the state (dotNetify behaviour).
  assert.equal(h.state.ExceptionType, 'Exception');
  // The connection keeps working after the exception.
  await barrier(a);
  const hw = a.connect('HelloWorldVM');
  const s = await hw.loaded();
  assert.equal(s.FullName, 'Hello World');
});

env.test('an unknown scoped VM ("Master.NoSuchVM") reaches exceptionHandler', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect('MasterDetails.NoSuchVM');
  await a.waitFor(() => h.exceptions.length > 0, 'exceptionHandler called', 3000, 'MasterDetails.NoSuchVM');
  assert.equal(h.exceptions[0].name, 'Exception');
  assert.match(h.exceptions[0].message, /NoSuchVM/);
});
