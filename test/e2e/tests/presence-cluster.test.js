'use strict';
// Presence across servers (issue 14): two app servers (--cluster) behind a
// round-robin balancer, `gonetify gateway` in front, official clients with
// bearer tokens in PresenceVM (a demo VM listing its members with their
// identities). The server owning the room is SIGKILLed; the other takes the
// room over and every client then sees all four members, each with its
// user, and a whisper to one user still reaches only that user's
// connections.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client, sleep } = require('../lib/harness');
const { startCluster, accessToken } = require('../lib/cluster');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip = REDIS ? false : 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)';
// A Redis database of its own, one per suite pass.
const passDB = { gateway: 13, signalr: 17 }[process.env.E2E_VIA] || 9;
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/' + passDB;
let cl; // the cluster
let apps, gw;

test.before(async () => {
  if (skip) return;
  cl = await startCluster({ name: 'presence', redisURL, extraArgs: ['--jwt-key', 'presence-test-jwt-key-0123456789abcdef'] });
  ({ apps, gw } = cl);
});

test.after(async () => {
  if (cl) await cl.stop();
});

const users = (s) => (s.Present || []).map((m) => m.User).sort().join();

test('presence across two servers: the right members, with identities, after the owner is killed', { skip, timeout: 60000 }, async (t) => {
  const names = ['ann', 'ann', 'bob', 'cid'];
  const clients = [];
  for (let i = 0; i < names.length; i++) {
    const c = new Client(gw, `${names[i]}${i}`);
    t.after(() => c.close());
    const token = await accessToken(apps[i % 2].addr, names[i]);
    clients.push({ c, h: c.connect('PresenceVM', { headers: { Authorization: 'Bearer ' + token } }) });
  }
  const dump = () => `\n--- logs ---\n${gw.logTail(2000)}\n${apps.map((a) => a.server.logTail(2500)).join('\n')}`;
  try {
    for (const { h } of clients) await h.loaded(5000);
    const want = 'ann,ann,bob,cid';
    for (const { c, h } of clients) await h.waitState((s) => users(s) === want, `${c.name} sees ${want}`, 5000);

    const owner = apps.find((a) => /now owns a shared view model.*PresenceVM/.test(a.server.log()));
    assert.ok(owner, 'one server owns PresenceVM');
    owner.server.procs[0].kill('SIGKILL');
    apps.splice(apps.indexOf(owner), 1);
    // The room moves when a message for it reaches the other server.
    const from = clients.map(({ c }) => c.mark());
    clients[2].h.dispatch({ Whisper: { To: 'ann', Text: 'after the move' } });
    for (const i of [0, 1]) {
      await clients[i].h.waitFrame((d) => d.Whisper && d.Whisper.Text === 'after the move', `${clients[i].c.name} got the whisper`, from[i], 15000);
    }
    await sleep(300);
    for (const i of [2, 3]) {
      assert.ok(!clients[i].h.received(from[i]).some((f) => f.data.Whisper), `${clients[i].c.name} got a whisper meant for ann`);
    }
    // Presence on the new owner: everyone, with identities. A client's
    // list may be stale until the next change; a new member makes one.
    const late = new Client(gw, 'dan');
    t.after(() => late.close());
    const hd = late.connect('PresenceVM', { headers: { Authorization: 'Bearer ' + (await accessToken(apps[0].addr, 'dan')) } });
    await hd.loaded(5000);
    const all = 'ann,ann,bob,cid,dan';
    await hd.waitState((s) => users(s) === all, `dan sees ${all}`, 5000);
    for (const { c, h } of clients) await h.waitState((s) => users(s) === all, `${c.name} sees ${all}`, 5000);
  } catch (e) {
    e.message += dump();
    throw e;
  }
});
