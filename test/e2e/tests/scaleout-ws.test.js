'use strict';
// Scale-out in direct WebSocket mode: two app servers (--redis --cluster),
// each with its own official clients, share one ChatRoom through the Redis
// backplane. Every message reaches every client exactly once, in order per
// sender; when the server owning the room is SIGKILLed, the clients of the
// other server carry on with the room (its clients lose their sockets, as
// with any direct server).
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client, sleep, waitFor } = require('../lib/harness');
const { startDirectCluster } = require('../lib/cluster');
const { chatAdds: adds } = require('../lib/chat');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip = REDIS ? false : 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)';
// A Redis database of its own, one per suite pass.
const passDB = { gateway: 13, signalr: 17 }[process.env.E2E_VIA] || 9;
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/' + passDB;
const apps = [];

test.before(async () => {
  if (skip) return;
  apps.push(...(await startDirectCluster(redisURL)));
});

test.after(async () => {
  for (const a of apps) await a.stop();
});

test('two direct servers share one room over Redis; it survives its owner', { skip, timeout: 60000 }, async (t) => {
  const clients = [];
  for (let i = 0; i < 4; i++) {
    const c = new Client(apps[i % 2], `C${i}@app${i % 2}`);
    t.after(() => c.close());
    clients.push({ c, h: c.connect('ChatRoomVM'), server: apps[i % 2] });
  }
  const dump = () => `\n--- logs ---\n${apps.map((a) => a.logTail(2500)).join('\n')}`;
  try {
    for (const { h } of clients) await h.loaded(5000);
    const say = (who, round) => who.forEach(({ h }) => h.dispatch({ SendMessage: { Text: `${h.client.name}-m${round}`, Date: new Date(), UserName: h.client.name } }));
    const check = async (who, senders, rounds, timeout) => {
      const want = senders.length * rounds;
      for (const { c } of who) {
        await waitFor(() => adds(c).filter((m) => senders.some((s) => m.Text.startsWith(s + '-'))).length >= want, {
          timeout,
          what: `${c.name} has ${want} messages (has ${adds(c).map((m) => m.Text)})`,
        });
      }
      await sleep(300);
      for (const { c } of who) {
        const got = adds(c).filter((m) => senders.some((s) => m.Text.startsWith(s + '-')));
        assert.equal(new Set(got.map((m) => m.Id)).size, got.length, `${c.name}: no duplicate`);
        for (const s of senders) {
          const mine = got.filter((m) => m.Text.startsWith(s + '-')).map((m) => Number(m.Text.split('-m')[1]));
          assert.deepEqual(mine, [...Array(rounds).keys()], `${c.name}: messages of ${s} exactly once, in order`);
        }
      }
    };
    for (let r = 0; r < 5; r++) say(clients, r);
    await check(clients, clients.map(({ c }) => c.name), 5, 10000);

    const ownerIdx = apps.findIndex((a) => /now owns a shared view model.*ChatRoomVM/.test(a.log()));
    assert.ok(ownerIdx >= 0, 'one server owns ChatRoomVM');
    const owner = apps[ownerIdx];
    const survivors = clients.filter((x) => x.server !== owner);
    for (const x of clients.filter((y) => y.server === owner)) x.c.hub.reconnectRetry = 0;
    owner.procs[0].kill('SIGKILL');
    const killedAt = Date.now();
    for (let r = 0; r < 5; r++) say(survivors, r + 100);
    const names = survivors.map(({ c }) => c.name);
    for (const { c } of survivors) {
      await waitFor(() => names.every((n) => adds(c).filter((m) => m.Text.startsWith(n + '-m10')).length === 5), {
        timeout: 15000,
        what: `${c.name} gets the messages sent after the owner died (has ${adds(c).map((m) => m.Text)})`,
      });
    }
    await sleep(300);
    for (const { c } of survivors) {
      for (const n of names) {
        const after = adds(c).filter((m) => m.Text.startsWith(n + '-m10')).map((m) => m.Text);
        assert.deepEqual(after, [0, 1, 2, 3, 4].map((i) => `${n}-m10${i}`), `${c.name}: ${n}'s later messages exactly once, in order`);
      }
    }
    t.diagnostic(`the room moved; messages sent after the SIGKILL all delivered ${Date.now() - killedAt} ms after it`);
  } catch (e) {
    e.message += dump();
    throw e;
  }
});
