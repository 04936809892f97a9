'use strict';
// A connection's own VMs have one home: two --cluster app servers behind a
// round-robin balancer and `gonetify gateway`; a client's timer VM
// (TunableLiveChartVM) gets updates that reach both servers, yet it ticks
// on one server only — every point once, in order. When its home is
// SIGKILLed, the other server inherits the connection and the chart goes
// on ticking, once, on the same socket.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client, sleep, waitFor, VIA } = require('../lib/harness');
const { startCluster, metric } = require('../lib/cluster');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip = !REDIS
  ? 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)'
  : VIA !== 'gateway' && 'runs its own gateway topology whatever the pass: it runs in the gateway pass (E2E_VIA=gateway)';
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/23';
let cl;

test.before(async () => {
  if (skip) return;
  cl = await startCluster({ name: 'home', redisURL });
});

test.after(async () => {
  if (cl) await cl.stop();
});

/** The x of every waveform point the client received, in order. */
function points(c) {
  const out = [];
  for (const f of c.received('TunableLiveChartVM')) {
    const a = f.data && f.data.Waveform_add;
    if (a) out.push(Number(a[0]));
  }
  return out;
}

/** How many TunableLiveChartVM instances an app server holds. */
const charts = (a) => metric(a.addr, 'gonetify_vms', 'type="TunableLiveChartVM"');

function assertOnceInOrder(xs, what) {
  for (let i = 1; i < xs.length; i++) {
    assert.equal(xs[i], xs[i - 1] + 1, `${what}: points ${xs.slice(Math.max(0, i - 3), i + 2)} — each point once, in order`);
  }
}

test('a timer VM updated through two servers ticks on one; its home dies and the other inherits it', { skip, timeout: 60000 }, async (t) => {
  const a = new Client(cl.gw, 'A');
  t.after(() => a.close());
  const dump = () => `\n--- logs ---\n${cl.gw.logTail(2000)}\n${cl.apps.map((x) => x.server.logTail(3000)).join('\n')}`;
  try {
    const chart = a.connect('TunableLiveChartVM', { vmArg: { Interval: 100 } });
    await chart.loaded(5000);
    // Updates spread over both servers by the balancer.
    for (let i = 0; i < 6; i++) {
      chart.dispatch({ Interval: 100 });
      await sleep(150);
    }
    await sleep(1000);
    const before = points(a);
    assert.ok(before.length >= 5, `the chart ticks (${before.length} points)`);
    assertOnceInOrder(before, 'updated through both servers');
    const held = await Promise.all(cl.apps.map(charts));
    assert.deepEqual([...held].sort(), [0, 1], `one server holds the chart (${held})`);

    const home = cl.apps[held.indexOf(1)];
    const sockets = a.sockets.length;
    home.server.procs[0].kill('SIGKILL');
    const killedAt = Date.now();
    const last = before[before.length - 1];
    await waitFor(() => points(a).length > before.length + 5, { timeout: 10000, what: `ticks after the home's SIGKILL (have ${points(a).slice(-5)})` });
    const resumed = Date.now() - killedAt;
    const after = points(a);
    assertOnceInOrder(after.filter((x) => x > last - 1), 'after the take-over');
    assert.equal(a.sockets.length, sockets, 'the client kept its socket');
    const other = cl.apps.find((x) => x !== home);
    assert.equal(await charts(other), 1, 'the other server holds the chart now');
    t.diagnostic(`the chart ticked again ≈ ${resumed} ms after its home's SIGKILL (including 5 ticks of 100 ms)`);
  } catch (e) {
    e.message += dump();
    throw e;
  }
});
