'use strict';
// A Sentinel failover under traffic: two `--cluster` app servers on a
// master watched by Sentinel, behind `gonetify gateway` and a round-robin
// balancer, official clients chatting in one ChatRoom. Mid-conversation
// `redis-cli -p SENTINEL_PORT sentinel failover MASTER` promotes the
// replica. The servers keep serving (every message sent during the
// failover is delivered, once, in order), and nothing acknowledged is lost:
// with both servers SIGKILLed and one started again, the room it restores
// from the new master holds every message its sender saw echoed.
//
// Runs with E2E_REDIS=sentinel (scripts/e2e-redis-ha.sh, which scripts/test.sh
// runs after starting the Sentinel group); skipped otherwise.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client, sleep, waitFor, sentinelMaster, sentinelFailover } = require('../lib/harness');
const { chatAdds: adds, joinChat } = require('../lib/chat');
const { startCluster } = require('../lib/cluster');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip =
  process.env.E2E_REDIS !== 'sentinel' || !REDIS
    ? 'runs with E2E_REDIS=sentinel and GONETIFY_TEST_REDIS_SENTINEL set: scripts/e2e-redis-ha.sh (run by scripts/test.sh)'
    : false;
// A database of its own on the Sentinel group (the harness keeps the number).
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/18';
let cl;

test.before(async () => {
  if (skip) return;
  cl = await startCluster({ name: 'failover', redisURL });
});

test.after(async () => {
  if (cl) await cl.stop();
});

test('sentinel failover mid-conversation: the servers keep serving, nothing acknowledged is lost', { skip, timeout: 90000 }, async (t) => {
  const N = 3;
  const clients = joinChat(t, cl.gw, 'C', N);
  const dump = () => `\n--- logs ---\n${cl.gw.logTail(2000)}\n${cl.apps.map((a) => a.server.logTail(3000)).join('\n')}`;
  try {
    for (const { h } of clients) await h.loaded(5000);
    clients.forEach(({ h }, i) => h.dispatch({ AddUser: `corr-${i}` }));
    let rounds = 0;
    const say = () => {
      const r = rounds++;
      clients.forEach(({ h }, i) => h.dispatch({ SendMessage: { Text: `c${i}-m${r}`, Date: new Date(), UserName: `u${i}` } }));
    };
    // Acknowledged: the sender's own client shows the message.
    const acked = (i) => adds(clients[i].c).filter((m) => m.Text.startsWith(`c${i}-`)).length;

    for (let r = 0; r < 3; r++) say();
    await waitFor(() => clients.every((_, i) => acked(i) === 3), { timeout: 10000, what: 'the first messages echoed' });

    // The failover, with messages sent every 100 ms from its start until the
    // sentinels name the new master: those sent before the promotion go to
    // the old master, and the last ones are written nowhere else — a
    // deposed master that acknowledged them would lose them. Nothing is sent
    // after the switch (a later snapshot would hide such a loss).
    const old = await sentinelFailover();
    const startedAt = Date.now();
    let now = old;
    while (now === old && Date.now() - startedAt < 20000) {
      say();
      await sleep(100);
      now = await sentinelMaster();
    }
    assert.notEqual(now, old, 'the sentinels promoted another master');
    const switchedMs = Date.now() - startedAt;
    // The servers kept serving: every message reaches every client once,
    // in order per sender.
    const want = N * rounds;
    for (const { c } of clients) {
      await waitFor(() => adds(c).length >= want, { timeout: 20000, what: `${c.name} has ${want} messages (has ${adds(c).length})` });
    }
    await sleep(300);
    for (const { c } of clients) {
      const got = adds(c);
      assert.equal(got.length, want, `${c.name}: each message exactly once`);
      for (let i = 0; i < N; i++) {
        const mine = got.filter((m) => m.Text.startsWith(`c${i}-`)).map((m) => Number(m.Text.split('-m')[1]));
        assert.deepEqual(mine, [...Array(rounds).keys()], `${c.name}: messages of c${i} in order`);
      }
    }
    const deliveredMs = Date.now() - startedAt;

    // Nothing acknowledged is lost: kill both servers, start one again; the
    // room it restores from the new master has every message.
    const texts = adds(clients[0].c).map((m) => m.Text);
    for (const a of cl.apps) {
      a.server.procs[0].kill('SIGKILL');
      await new Promise((r) => a.server.procs[0].once('exit', r));
    }
    const survivor = cl.apps[0];
    cl.apps.splice(1);
    await cl.restart(survivor, '[app0 again] ');
    const fresh = new Client(cl.gw, 'Fresh');
    t.after(() => fresh.close());
    const fh = fresh.connect('ChatRoomVM');
    const s = await fh.loaded(10000);
    assert.deepEqual(s.Messages.map((m) => m.Text), texts, 'the room restored from the new master holds every acknowledged message, in order');

    // And it keeps serving on the new master.
    fh.dispatch({ AddUser: 'corr-fresh' });
    fh.dispatch({ SendMessage: { Text: 'after the failover', Date: new Date(), UserName: 'Fresh' } });
    for (const c of [fresh, clients[0].c]) {
      await waitFor(() => c.received('ChatRoomVM').some((f) => f.data && JSON.stringify(f.data.Messages_add || '').includes('after the failover')), {
        timeout: 10000,
        what: `${c.name} gets a message sent after the failover`,
      });
    }
    t.diagnostic(`master ${old} -> ${now} in ${switchedMs} ms; ${want} messages sent across it all delivered ${deliveredMs} ms after the failover began`);
  } catch (e) {
    e.message += dump();
    throw e;
  }
});
