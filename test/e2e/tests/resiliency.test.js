'use strict';
// Resiliency on Redis, through the API Gateway path: the app server is
// SIGKILLed while official clients hold LiveChart, ChatRoom and SimpleList
// through `gonetify gateway`; started again on the same Redis, it restores
// their connections and VMs (with their state) and pushes resume on the
// same sockets.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client } = require('../lib/harness');
const { startCluster } = require('../lib/cluster');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip = REDIS ? false : 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)';

// A Redis database of its own, one per suite pass (the test server is fresh for each run).
const passDB = { gateway: 11, signalr: 15 }[process.env.E2E_VIA] || 7;
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/' + passDB;
let cl, gw, app; // the topology, its gateway, its app server (apps[0])

test.before(async () => {
  if (skip) return;
  cl = await startCluster({ name: 'resilience', redisURL, servers: 1 });
  gw = cl.gw;
  app = cl.apps[0].server;
});

test.after(async () => {
  if (cl) await cl.stop();
});

test('SIGKILL the app server: clients keep their sockets, VMs come back with their state', { skip, timeout: 60000 }, async (t) => {
  const a = new Client(gw, 'A');
  const b = new Client(gw, 'B');
  t.after(() => Promise.all([a.close(), b.close()]));
  try {
    // Before the crash.
    const chart = a.connect('TunableLiveChartVM', { vmArg: { Interval: 100 } });
    const chatA = a.connect('ChatRoomVM');
    const listA = a.connect('SimpleListVM');
    const chatB = b.connect('ChatRoomVM');
    await Promise.all([chart.loaded(5000), chatA.loaded(5000), listA.loaded(5000), chatB.loaded(5000)]);
    await chart.waitFrame((d) => d.Waveform_add, 'a tick before the crash', 0, 5000);
    chatA.dispatch({ AddUser: 'corr-A' });
    chatA.dispatch({ SendMessage: { Text: 'sent before the crash', Date: new Date(), UserName: 'Ann' } });
    await chatB.waitState((s) => s.Messages.some((m) => m.Text === 'sent before the crash'), 'B sees the message', 5000);
    const rows = listA.state.Employees.length;
    listA.dispatch({ Add: 'Kept Row' });
    await listA.waitState((s) => s.Employees.length === rows + 1, 'the added row', 5000);

    // The crash.
    const sockets = [a.sockets.length, b.sockets.length];
    app.procs[0].kill('SIGKILL');
    await new Promise((r) => app.procs[0].once('exit', r));
    const killedAt = Date.now();
    const from = a.mark();
    app = await cl.restart(cl.apps[0], '[app] ');

    // Pushes resume on the same connection within 10 s.
    await chart.waitFrame((d) => d.Waveform_add, 'a tick after the restart', from, 10000);
    const resumedMs = Date.now() - killedAt;
    assert.ok(resumedMs < 10000, `pushes resumed after ${resumedMs} ms`);
    assert.deepEqual([a.sockets.length, b.sockets.length], sockets, 'no client opened a new socket');
    for (const c of [a, b]) {
      const states = c.connStates.map((s) => s.state);
      assert.ok(!states.includes('disconnected') && !states.includes('reconnecting'), `client ${c.name} saw ${states}`);
    }
    // The series continues where it was (the snapshot kept it).
    const last = a.received('TunableLiveChartVM', from).find((f) => f.data && f.data.Waveform_add).data.Waveform_add;
    assert.ok(Number(last[0]) > 31, `the series continues (x=${last[0]})`);

    // Updates to VMs made before the crash work, with their state.
    listA.dispatch({ Add: 'After Restart' });
    await listA.waitState((s) => s.Employees.length === rows + 2, 'a row added after the restart', 10000);
    chatB.dispatch({ AddUser: 'corr-B' });
    chatB.dispatch({ SendMessage: { Text: 'sent after the restart', Date: new Date(), UserName: 'Bob' } });
    await chatA.waitState((s) => s.Messages.some((m) => m.Text === 'sent after the restart'), 'A gets B\'s new message', 10000);

    // A new client sees what was said before the crash, and the rows.
    const c = new Client(gw, 'C');
    t.after(() => c.close());
    const chatC = c.connect('ChatRoomVM');
    const listC = c.connect('SimpleListVM');
    const s = await chatC.loaded(5000);
    assert.deepEqual(s.Messages.map((m) => m.Text), ['sent before the crash', 'sent after the restart']);
    const l = await listC.loaded(5000);
    assert.ok(l.Employees.some((e) => `${e.FirstName} ${e.LastName}` === 'Kept Row'), 'the row added before the crash');
    t.diagnostic(`pushes resumed ${resumedMs} ms after the SIGKILL`);
  } catch (e) {
    e.message += `\n--- logs ---\n${gw.logTail(3000)}\n${app ? app.logTail(3000) : ''}`;
    throw e;
  }
});
