'use strict';
// Redis stopped and restarted mid-run, through the API Gateway path: the
// app server keeps serving from memory (no crash, no message lost), logs
// the outage, and catches up when Redis is back.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { Client, freePort, sleep, waitFor } = require('../lib/harness');
const { startCluster } = require('../lib/cluster');

let redisBin = null;
try {
  redisBin = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null;
} catch {
  /* not installed */
}
const skip = redisBin ? false : 'redis-server is not installed: run scripts/test.sh (it installs it)';
let redisPort, redisDir, redis, cl, gw, app; // Redis of its own; the topology, its gateway and app server

function startRedis() {
  const p = spawn(redisBin, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', redisDir], { stdio: 'ignore' });
  process.once('exit', () => p.exitCode === null && p.kill('SIGKILL'));
  return p;
}

test.before(async () => {
  if (skip) return;
  redisPort = await freePort();
  redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gonetify-redisdown-'));
  redis = startRedis();
  await sleep(300);
  cl = await startCluster({ name: 'redisdown', redisURL: `redis://127.0.0.1:${redisPort}/0`, servers: 1 });
  gw = cl.gw;
  app = cl.apps[0].server;
});

test.after(async () => {
  if (cl) await cl.stop();
  if (redis && redis.exitCode === null) redis.kill('SIGKILL');
  if (redisDir) fs.rmSync(redisDir, { recursive: true, force: true });
});

test('Redis stopped and restarted mid-run: no crash, no lost message, the recovery logged', { skip, timeout: 60000 }, async (t) => {
  const a = new Client(gw, 'A');
  const b = new Client(gw, 'B');
  t.after(() => Promise.all([a.close(), b.close()]));
  const ha = a.connect('ChatRoomVM');
  const hb = b.connect('ChatRoomVM');
  await Promise.all([ha.loaded(5000), hb.loaded(5000)]);
  let n = 0;
  const send = async () => {
    const text = `m${n++}`;
    ha.dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: 'Ann' } });
    await hb.waitState((s) => s.Messages.some((m) => m.Text === text), `B gets ${text}`, 10000);
  };
  try {
    for (let i = 0; i < 3; i++) await send();
    redis.kill('SIGKILL'); // Redis goes away
    await new Promise((r) => redis.once('exit', r));
    for (let i = 0; i < 3; i++) await send(); // still served, from memory
    await sleep(2000); // an outage longer than the client library's own retries
    // A client joining during the outage gets the room as it is.
    const c = new Client(gw, 'C');
    t.after(() => c.close());
    const hc = c.connect('ChatRoomVM');
    assert.equal((await hc.loaded(10000)).Messages.length, 6);
    redis = startRedis(); // and comes back
    for (let i = 0; i < 3; i++) await send();
    await waitFor(() => /shared store reachable again/.test(app.log()) && /snapshots saved again/.test(app.log()), {
      timeout: 15000,
      what: 'the recovery in the server log',
    });
    assert.match(app.log(), /shared store unreachable/);
    assert.match(app.log(), /view model snapshots not saved/);
    assert.equal(app.exit, null, 'the server is still running');
    assert.deepEqual(hb.state.Messages.map((m) => m.Text), [...Array(9).keys()].map((i) => `m${i}`), 'B has every message, in order');
  } catch (e) {
    e.message += `\n--- logs ---\n${app.logTail(4000)}`;
    throw e;
  }
});
