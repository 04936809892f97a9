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
const http = require('node:http');
const { Server, Client, serverBinary, freePort, sleep, waitFor } = require('../lib/harness');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip = REDIS ? false : 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)';
// A Redis database of its own, one per suite pass.
const passDB = { gateway: 13, signalr: 17 }[process.env.E2E_VIA] || 9;
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/' + passDB;
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDPRESENCE', AWS_SECRET_ACCESS_KEY: 'presence-secret', AWS_REGION: 'us-east-1' };
const secret = 'presence-integration-secret';
const jwtKey = 'presence-test-jwt-key-0123456789abcdef';
const apps = []; // {addr, server}
const gw = new Server();
let balancer;
const served = {}; // integration calls per backend

/** A round-robin HTTP balancer with no stickiness; a backend that refuses
 *  the connection is skipped, as a health-checked load balancer would. */
function startBalancer(port) {
  let next = 0;
  const forward = (req, body, res, tries) => {
    const target = apps[next++ % apps.length];
    const [host, p] = target.addr.split(':');
    const out = http.request({ host, port: p, method: req.method, path: req.url, headers: req.headers }, (r) => {
      served[target.addr] = (served[target.addr] || 0) + 1;
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    out.on('error', () => (tries > 1 ? forward(req, body, res, tries - 1) : (res.writeHead(502), res.end())));
    out.end(body);
  };
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, apps.length));
  });
  return new Promise((r) => srv.listen(port, '127.0.0.1', () => r(srv)));
}

test.before(async () => {
  if (skip) return;
  const gwAddr = `127.0.0.1:${await freePort()}`;
  const lbPort = await freePort();
  for (let i = 0; i < 2; i++) {
    const addr = `127.0.0.1:${await freePort()}`;
    const args = ['serve', '--addr', addr, '--redis', redisURL, '--cluster', '--connection-url', `http://${gwAddr}/prod/@connections`, '--integration-secret', secret, '--jwt-key', jwtKey];
    const server = new Server();
    server.spawn(serverBinary(), args, env, `[app${i}] `);
    await server.waitHTTP(`http://${addr}/healthz`, (c) => c === 200, serverBinary(), args);
    apps.push({ addr, server });
  }
  balancer = await startBalancer(lbPort);
  const gargs = ['gateway', '--addr', gwAddr, '--stage', 'prod', '--ordered-delivery', '--param', `AppServerUrl=http://127.0.0.1:${lbPort}`,
    '--param', `IntegrationSecret=${secret}`, '--credentials', 'AKIDPRESENCE:presence-secret'];
  gw.spawn(serverBinary(), gargs, env, '[gateway] ');
  await gw.waitHTTP(`http://${gwAddr}/prod`, (c) => c === 426, serverBinary(), gargs);
  gw.hubUrl = `ws://${gwAddr}/prod`;
});

test.after(async () => {
  await gw.stop();
  for (const a of apps) await a.server.stop();
  if (balancer) await new Promise((r) => balancer.close(r));
});


async function accessToken(addr, username) {
  const res = await fetch(`http://${addr}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: 'dotnetify', grant_type: 'password', client_id: 'dotnetifydemo' }).toString(),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `POST /token for ${username}: ${JSON.stringify(body)}`);
  return body.access_token;
}

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
