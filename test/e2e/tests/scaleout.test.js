'use strict';
// Scale-out on Redis: two app servers (--cluster) behind a round-robin
// balancer with no stickiness, in front of them `gonetify gateway`, and
// official clients in one ChatRoom. Every message must reach every client
// exactly once, in order per sender — also after the server owning the room
// is SIGKILLed mid-conversation.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { sleep, waitFor } = require('../lib/harness');
const { chatAdds: adds, joinChat } = require('../lib/chat');
const { startCluster } = require('../lib/cluster');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip = REDIS ? false : 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)';
// A Redis database of its own, one per suite pass.
const passDB = { gateway: 12, signalr: 16 }[process.env.E2E_VIA] || 8;
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/' + passDB;
let cl; // the cluster
let apps, gw, served, secret;

test.before(async () => {
  if (skip) return;
  cl = await startCluster({ name: 'scaleout', redisURL });
  ({ apps, gw, served, secret } = cl);
});

test.after(async () => {
  if (cl) await cl.stop();
});

/** POST a system message to one app server's HTTP endpoint. */
function postSystemMessage(addr, text) {
  return new Promise((resolve, reject) => {
    const [host, port] = addr.split(':');
    const body = JSON.stringify({ text });
    const req = http.request({ host, port, method: 'POST', path: '/api/chatroom/system-message',
      headers: { 'Content-Type': 'application/json', 'X-Gonetify-Secret': secret } }, (res) => {
      let out = '';
      res.on('data', (d) => (out += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(out)) : reject(new Error(`system message: ${res.statusCode} ${out}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('two servers, no stickiness: one room, every message once and in order, also after the owner dies', { skip, timeout: 90000 }, async (t) => {
  const N = 4;
  const clients = joinChat(t, gw, 'C', N);
  const dump = () => `\n--- logs ---\n${gw.logTail(2000)}\n${apps.map((a) => a.server.logTail(2500)).join('\n')}`;
  try {
    for (const { h } of clients) await h.loaded(5000);
    clients.forEach(({ h }, i) => h.dispatch({ AddUser: `corr-${i}` }));
    const say = (round) =>
      clients.forEach(({ h }, i) => h.dispatch({ SendMessage: { Text: `c${i}-m${round}`, Date: new Date(), UserName: `u${i}` } }));
    const check = async (rounds, timeout) => {
      const want = N * rounds;
      for (const { c } of clients) {
        await waitFor(() => adds(c).length >= want, { timeout, what: `${c.name} has ${want} messages (has ${adds(c).length})` });
      }
      await sleep(300); // late duplicates would show now
      for (const { c } of clients) {
        const got = adds(c);
        assert.equal(got.length, want, `${c.name}: each message exactly once (got ${got.map((m) => m.Text)})`);
        assert.equal(new Set(got.map((m) => m.Id)).size, want, `${c.name}: distinct message ids`);
        for (let i = 0; i < N; i++) {
          const mine = got.filter((m) => m.Text.startsWith(`c${i}-`)).map((m) => Number(m.Text.split('-m')[1]));
          assert.deepEqual(mine, [...Array(rounds).keys()], `${c.name}: messages of c${i} in order`);
        }
      }
    };
    for (let round = 0; round < 5; round++) say(round);
    await check(5, 10000);
    assert.ok(Object.keys(served).length === 2, `both servers took integration calls: ${JSON.stringify(served)}`);

    // A push from outside the VM (an HTTP call), made on the server that
    // does not hold the room: it reaches every member once, through the owner.
    const owner = apps.find((a) => /now owns a shared view model.*ChatRoomVM/.test(a.server.log()));
    assert.ok(owner, 'one server owns ChatRoomVM');
    const other = apps.find((a) => a !== owner);
    const reached = await postSystemMessage(other.addr, 'maintenance at noon');
    t.diagnostic(`system message posted to the server not owning the room (it reached ${reached.rooms} rooms itself)`);
    for (const { c } of clients) {
      await waitFor(() => adds(c, true).length >= 1, { timeout: 5000, what: `${c.name} got the system message` });
    }
    await sleep(200);
    for (const { c } of clients) {
      assert.deepEqual(adds(c, true).map((m) => `${m.UserName}: ${m.Text}`), ['System: maintenance at noon'], `${c.name}: the system message once`);
    }

    // Kill the server that owns the room, mid-conversation.
    owner.server.procs[0].kill('SIGKILL');
    const killedAt = Date.now();
    apps.splice(apps.indexOf(owner), 1);
    for (let round = 5; round < 10; round++) say(round);
    await check(10, 15000);
    const movedMs = Date.now() - killedAt;
    assert.ok(movedMs < 10000, `the room moved and delivered everything within ${movedMs} ms`);
    t.diagnostic(`room moved to the other server; all messages delivered ${movedMs} ms after the SIGKILL; calls per server ${JSON.stringify(served)}`);
  } catch (e) {
    e.message += dump();
    throw e;
  }
});
