'use strict';
// Graceful shutdown: official clients stream updates to a multicast VM
// (SimpleListVM, whose state is kept in Redis) while the server gets
// SIGTERM. The server turns /readyz 503, applies every update already on
// the wire, closes the sockets with 1001 and saves the VM's state; started
// again on the same port, it is found by the clients by themselves (the
// official client retries after 2 s), and the state they get back holds
// every update they wrote to the socket before it closed.
//
// "Sent before the close" is measured at the client: an update counts when
// the client wrote it on its first socket while that socket was OPEN, so
// before the server's close frame was processed. TCP keeps it ahead of the
// client's reply to the close, and the server reads up to that reply, so
// the server must have applied it.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { spawn, execFileSync } = require('node:child_process');
const { Server, Client, serverBinary, freePort, sleep, waitFor } = require('../lib/harness');

let redisBin = null;
try {
  redisBin = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null;
} catch {
  /* not installed */
}
const skip = process.env.E2E_HUB_URL
  ? 'E2E_HUB_URL: this test runs servers of its own'
  : process.env.E2E_VIA
    ? `E2E_VIA=${process.env.E2E_VIA}: this test runs its own servers on the direct hub (it runs in the direct pass)`
    : redisBin
      ? false
      : 'redis-server is not installed: run scripts/test.sh (it installs it)';

const CLIENTS = 3;
const EVERY_MS = 15; // per client: ~67 updates/s, under the hub's 100/s rate limit…
const FAST_MAX = 150; // …and around the SIGTERM a burst within its 200 burst allowance
let redis, redisDir, addr, args;
const servers = [];

/** GET url: its status code, or 0 when nothing answers. */
function status(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

async function startServer(name) {
  const s = new Server();
  s.spawn(serverBinary(), args, process.env, `[${name}] `);
  await s.waitHTTP(`http://${addr}/readyz`, (c) => c === 200, serverBinary(), args);
  s.hubUrl = `ws://${addr}/ws`;
  servers.push(s);
  return s;
}

test.before(async () => {
  if (skip) return;
  const port = await freePort();
  redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gonetify-sigterm-'));
  redis = spawn(redisBin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
  process.once('exit', () => redis.exitCode === null && redis.kill('SIGKILL'));
  addr = `127.0.0.1:${await freePort()}`;
  args = ['serve', '--addr', addr, '--redis', `redis://127.0.0.1:${port}/0`];
  for (let i = 0; ; i++) {
    try {
      await startServer('first');
      break;
    } catch (e) {
      if (i >= 20) throw e; // redis-server may take a moment to listen
      servers.pop();
      await sleep(100);
    }
  }
});

test.after(async () => {
  for (const s of servers) await s.stop();
  if (redis && redis.exitCode === null) redis.kill('SIGKILL');
  if (redisDir) fs.rmSync(redisDir, { recursive: true, force: true });
});

test('SIGTERM mid-traffic: no update sent before the close is lost, clients reconnect to the restarted server', { skip, timeout: 60000 }, async (t) => {
  const first = servers[0];
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(new Client(first, `C${i}`));
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const lists = clients.map((c) => c.connect('SimpleListVM'));
  await Promise.all(lists.map((h) => h.loaded(5000)));
  const seed = lists[0].state.Employees.length;

  // Each client streams Adds on its first socket; for each we note whether
  // the socket was OPEN when it was written. The socket's close code is kept.
  const sent = clients.map(() => []); // names written while OPEN
  const late = clients.map(() => 0); // Adds not tried: the socket was no longer OPEN
  const closes = clients.map(() => null); // {code, t}
  const fastSent = clients.map(() => 0);
  let sigtermAt = 0;
  let fast = false; // around the SIGTERM: one Add per millisecond per client
  const loops = clients.map((c, i) => {
    const sock = c.sockets[0];
    sock.addEventListener('close', (ev) => (closes[i] = { code: ev.code, t: Date.now() }));
    return (async () => {
      for (let n = 0; ; n++) {
        if (sock.readyState !== sock.OPEN || c.hub._socket !== sock) {
          late[i]++;
          break;
        }
        const name = `C${i} n${n}`;
        sent[i].push({ name, t: Date.now() });
        lists[i].dispatch({ Add: name });
        fastSent[i] += fast ? 1 : 0;
        await sleep(fast && fastSent[i] < FAST_MAX ? 1 : EVERY_MS);
      }
    })();
  });

  // Mid-traffic: once every client has had a good number applied.
  await waitFor(() => lists.every((h, i) => h.state.Employees.length >= seed + 20 && sent[i].length >= 20), {
    timeout: 10000,
    what: 'traffic flowing before the SIGTERM',
  });
  const proc = first.procs[0];
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  fast = true;
  await sleep(20);
  sigtermAt = Date.now();
  proc.kill('SIGTERM');
  // /readyz while the server drains: 503, then nothing once it is gone.
  const readyz = [];
  let gone = false;
  exited.then(() => (gone = true));
  const polling = (async () => {
    while (!gone) {
      readyz.push({ code: await status(`http://${addr}/readyz`), t: Date.now() });
      await sleep(2);
    }
  })();
  await Promise.all(loops);
  const exit = await exited;
  await polling;

  try {
    assert.deepEqual(exit, { code: 0, signal: null }, 'the server exits cleanly on SIGTERM');
    const firstClose = Math.min(...closes.map((c) => (c ? c.t : Infinity)));
    const readyAfterClose = readyz.filter((r) => r.code === 200 && r.t > firstClose);
    assert.deepEqual(readyAfterClose, [], '/readyz answered 200 after the server began closing sockets');
    t.diagnostic(`/readyz during the shutdown: ${readyz.map((r) => r.code).join(',')}`);
    assert.match(first.log(), /shutting down/);
    assert.match(first.log(), /\] .*stopped/);
    for (let i = 0; i < CLIENTS; i++) {
      assert.ok(closes[i], `C${i}'s socket closed`);
      assert.equal(closes[i].code, 1001, `C${i} closed with 1001 (going away)`);
      const last = sent[i][sent[i].length - 1];
      assert.ok(closes[i].t - last.t < 1000, `C${i} was still sending when its socket closed (last Add ${closes[i].t - last.t} ms before)`);
    }
    const afterSigterm = sent.flat().filter((s) => s.t >= sigtermAt).length;
    t.diagnostic(`Adds sent: ${sent.map((s) => s.length).join('+')}; written after the SIGTERM: ${afterSigterm}`);

    // The restart, on the same port: clients find it by themselves.
    const marks = clients.map((c) => c.mark());
    const second = await startServer('second');
    await Promise.all(clients.map((c, i) =>
      c.waitFor(() => c.sockets.length === 2 && c.hub.isConnected && lists[i].received(marks[i]).length > 0,
        'reconnected to the restarted server and got SimpleListVM again', 20000, 'SimpleListVM')));
    for (let i = 0; i < CLIENTS; i++) {
      const requests = clients[i].frames.slice(marks[i]).filter((f) => f.dir === 'out' && f.msg && f.msg.callType === 'request_vm');
      assert.deepEqual(requests.map((f) => f.msg.vmId), ['SimpleListVM'], `C${i} re-requested its VM`);
    }

    // No update sent before the close is lost: each is in the state the
    // restarted server restored (from the snapshot the first one saved).
    const names = new Set(lists[0].state.Employees.map((e) => `${e.FirstName} ${e.LastName}`));
    const missing = sent.flat().filter((s) => !names.has(s.name)).map((s) => s.name);
    assert.deepEqual(missing, [], `updates lost (of ${sent.flat().length} sent)`);
    assert.equal(lists[0].state.Employees.length, seed + sent.flat().length, 'nothing else was added');
    for (let i = 1; i < CLIENTS; i++) {
      assert.deepEqual(lists[i].state.Employees, lists[0].state.Employees, `C${i} got the same list as C0`);
    }

    // And the restarted server serves them: an Add reaches the others.
    lists[0].dispatch({ Add: 'After Restart' });
    await lists[1].waitState((s) => s.Employees.some((e) => e.FirstName === 'After' && e.LastName === 'Restart'), 'C1 sees an Add made after the restart', 5000);
    assert.equal(second.exit, null, 'the restarted server is running');
  } catch (e) {
    e.message += `\n--- server logs ---\n${servers.map((s) => s.logTail(3000)).join('\n')}`;
    throw e;
  }
});
