'use strict';
// Scale-out of dotNetify's default transport and of Web API mode: two app
// servers (--redis --cluster) behind a round-robin TCP balancer with no
// stickiness share one ChatRoom. The official client's SignalR connections
// land on either server (its negotiate and its WebSocket may even reach
// different ones); Web API dispatches are posted to both. Every message
// reaches every member exactly once, in order per sender.
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { Client, sleep, waitFor, VIA } = require('../lib/harness');
const { startDirectCluster, metric } = require('../lib/cluster');
const { chatAdds: adds } = require('../lib/chat');

const REDIS = process.env.GONETIFY_TEST_REDIS;
const skip = !REDIS
  ? 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)'
  : VIA !== 'signalr' && 'its clients use SignalR whatever the pass: it runs in the SignalR pass (E2E_VIA=signalr)';
const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/19';
const apps = [];
let balancer;
const routed = {}; // TCP connections per backend

test.before(async () => {
  if (skip) return;
  apps.push(...(await startDirectCluster(redisURL)));
  // Round robin per TCP connection, as a layer-4 balancer does.
  let next = 0;
  balancer = net.createServer((sock) => {
    const target = apps[next++ % apps.length];
    routed[target.addr] = (routed[target.addr] || 0) + 1;
    const [host, port] = target.addr.split(':');
    const up = net.connect(Number(port), host);
    sock.pipe(up).pipe(sock);
    const end = () => { sock.destroy(); up.destroy(); };
    sock.on('error', end);
    up.on('error', end);
  });
  await new Promise((r) => balancer.listen(0, '127.0.0.1', r));
});

test.after(async () => {
  if (balancer) balancer.close();
  for (const a of apps) await a.stop();
});

test('SignalR clients on two servers (no sticky sessions) and Web API dispatches share one room', { skip, timeout: 90000 }, async (t) => {
  const base = `http://127.0.0.1:${balancer.address().port}`;
  const via = { transport: 'signalr', httpBase: base, hubUrl: `${base}/dotnetify` };
  const clients = [];
  const dump = () => `\n--- logs ---\n${apps.map((a) => a.logTail(2500)).join('\n')}`;
  try {
    for (let i = 0; i < 4; i++) {
      const c = new Client(via, `S${i}`);
      t.after(() => c.close());
      clients.push({ c, h: c.connect('ChatRoomVM') });
      await clients[i].h.loaded(10000);
    }
    // The clients' connections are spread over both servers.
    for (const a of apps) {
      const n = await metric(a.addr, 'gonetify_connections', 'transport="signalr-websockets"');
      assert.ok(n >= 1, `server ${a.addr} holds ${n} SignalR connections; want at least one on each (balanced: ${JSON.stringify(routed)})`);
    }
    const rounds = 5;
    for (let r = 0; r < rounds; r++) {
      for (const { c, h } of clients) h.dispatch({ SendMessage: { Text: `${c.name}-m${r}`, Date: new Date(), UserName: c.name } });
    }
    // Web API mode: dispatches posted to each server in turn.
    const posters = ['W0', 'W1'];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < posters.length; i++) {
        const res = await fetch(`http://${apps[i].addr}/api/dotnetify/vm/ChatRoomVM`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ SendMessage: { Text: `${posters[i]}-m${r}`, Date: new Date(), UserName: posters[i] } }),
        });
        assert.ok(res.status === 200 || res.status === 204, `Web API POST to app${i}: ${res.status} ${await res.text()}`);
      }
    }
    const senders = [...clients.map(({ c }) => c.name), ...posters];
    for (const { c } of clients) {
      await waitFor(() => adds(c).length >= senders.length * rounds, {
        timeout: 15000,
        what: `${c.name} has ${senders.length * rounds} messages (has ${adds(c).map((m) => m.Text)})`,
      });
    }
    await sleep(300);
    for (const { c } of clients) {
      const got = adds(c);
      assert.equal(new Set(got.map((m) => m.Id)).size, got.length, `${c.name}: no duplicate`);
      for (const s of senders) {
        const mine = got.filter((m) => m.Text.startsWith(s + '-')).map((m) => Number(m.Text.split('-m')[1]));
        assert.deepEqual(mine, [...Array(rounds).keys()], `${c.name}: messages of ${s} exactly once, in order`);
      }
    }
    const owners = apps.filter((a) => /now owns a shared view model.*ChatRoomVM/.test(a.log()));
    assert.equal(owners.length, 1, 'one server owns ChatRoomVM');
    t.diagnostic(`TCP connections per server: ${JSON.stringify(routed)}`);
  } catch (e) {
    e.message += dump();
    throw e;
  }
});
