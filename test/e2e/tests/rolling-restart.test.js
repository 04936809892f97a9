'use strict';
// A rolling restart under traffic (docs/operations.md): three --cluster app
// servers behind a round-robin balancer and `gonetify gateway`, official
// clients chatting in one ChatRoom the whole time. Each server in turn gets
// SIGTERM (a graceful stop: it hands its shared VMs over and drains its
// pushes), exits, and starts again. Every message reaches every client
// exactly once, in order per sender, and no client sees a disconnect.
const test = require('node:test');
const assert = require('node:assert/strict');
const { sleep, waitFor, VIA } = require('../lib/harness');
const { chatAdds: adds, joinChat } = require('../lib/chat');
const { startCluster } = require('../lib/cluster');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip = !REDIS
  ? 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)'
  : VIA !== 'gateway' && 'runs its own gateway topology whatever the pass: it runs in the gateway pass (E2E_VIA=gateway)';
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/20';
let cl;

test.before(async () => {
  if (skip) return;
  cl = await startCluster({ name: 'rolling', redisURL, servers: 3, extraArgs: ['--shutdown-delay', '300ms'] });
});

test.after(async () => {
  if (cl) await cl.stop();
});

test('three servers restarted one at a time under traffic: nothing lost, no disconnect', { skip, timeout: 120000 }, async (t) => {
  const N = 4;
  const clients = joinChat(t, cl.gw, 'R', N);
  const dump = () => `\n--- logs ---\n${cl.gw.logTail(2000)}\n${cl.apps.map((a) => a.server.logTail(2500)).join('\n')}`;
  try {
    for (const { h } of clients) await h.loaded(5000);
    const sockets = clients.map(({ c }) => c.sockets.length);
    let round = 0;
    let talking = true;
    const talk = (async () => {
      while (talking) {
        for (const { c, h } of clients) h.dispatch({ SendMessage: { Text: `${c.name}-m${round}`, Date: new Date(), UserName: c.name } });
        round++;
        await sleep(150);
      }
    })();
    const restarts = [];
    for (let i = 0; i < cl.apps.length; i++) {
      const a = cl.apps[i];
      const t0 = Date.now();
      await a.server.stop(); // SIGTERM: graceful
      await cl.restart(a, `[app${i}'] `);
      restarts.push(Date.now() - t0);
      await sleep(1000);
    }
    talking = false;
    await talk;
    const want = N * round;
    for (const { c } of clients) {
      await waitFor(() => adds(c).length >= want, { timeout: 20000, what: `${c.name} has ${want} messages (has ${adds(c).length})` });
    }
    await sleep(300);
    for (const { c } of clients) {
      const got = adds(c);
      assert.equal(new Set(got.map((m) => m.Id)).size, got.length, `${c.name}: no duplicate`);
      for (const { c: s } of clients) {
        const mine = got.filter((m) => m.Text.startsWith(s.name + '-')).map((m) => Number(m.Text.split('-m')[1]));
        assert.deepEqual(mine, [...Array(round).keys()], `${c.name}: messages of ${s.name} exactly once, in order`);
      }
      const states = c.connStates.map((s) => s.state);
      assert.ok(!states.includes('disconnected') && !states.includes('reconnecting'), `client ${c.name} saw ${states}`);
    }
    assert.deepEqual(clients.map(({ c }) => c.sockets.length), sockets, 'no client opened a new socket');
    t.diagnostic(`${round} rounds of ${N} messages during 3 restarts (stop to serving again: ${restarts.join(', ')} ms)`);
  } catch (e) {
    e.message += dump();
    throw e;
  }
});
