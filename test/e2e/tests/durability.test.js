'use strict';
// Durable acknowledgements (issue 11): with --redis, a change a client has
// been told about is in Redis before the message telling it leaves the
// server. Official clients hold ChatRoomVM and SimpleListVM through
// `gonetify gateway`; in each of CYCLES cycles client A sends chat messages
// and SimpleList rows, and the app server (only it, not the gateway) gets
// SIGKILL synchronously in the socket's message handler that receives the
// last reaction: no pause. Started again on the same port and Redis, every
// acknowledged message and row must be there exactly once and in order (a
// fresh client's initial state), and the pre-crash VMs must take updates
// (the next cycle's Adds and messages on the same sockets get their
// reactions; at the end, B still gets A's messages and the old clients'
// lists hold what was acknowledged, once each, in order).
//
// Runs in the gateway pass only (E2E_VIA=gateway), with servers of its own
// on GONETIFY_TEST_REDIS (database 10, flushed at the start).
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { Client } = require('../lib/harness');
const { startCluster } = require('../lib/cluster');

const CYCLES = Number(process.env.E2E_DURABILITY_CYCLES) || 20;
const PER_CYCLE = 2; // chat messages and rows each, sent back to back
const REDIS = process.env.GONETIFY_TEST_REDIS;
const DB = 10;
const skip = process.env.E2E_HUB_URL
  ? 'E2E_HUB_URL: this test runs servers of its own'
  : process.env.E2E_VIA !== 'gateway'
    ? `E2E_VIA=${process.env.E2E_VIA || '(direct)'}: this test runs its own app server and gateway (it runs in the gateway pass)`
    : REDIS
      ? false
      : 'GONETIFY_TEST_REDIS is not set: run scripts/test.sh (it starts redis-server)';

const redisURL = REDIS && REDIS.replace(/\/\d*$/, '') + '/' + DB;
let cl, gw, app; // the topology (its gateway delivers in order: the test checks order per sender), its gateway, the app server
const appLogs = []; // every app server's log, one per start
// Each spawned server adds a process 'exit' listener (harness): CYCLES + 2 of them.
process.setMaxListeners(CYCLES + 10);

/** SELECT db; FLUSHDB on the Redis of url, with a minimal RESP client. */
function flushDB(url, db) {
  const u = new URL(url);
  const cmd = (...a) => `*${a.length}\r\n` + a.map((s) => `$${Buffer.byteLength(String(s))}\r\n${s}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port) || 6379, u.hostname);
    let got = '';
    sock.setTimeout(3000, () => sock.destroy(new Error(`no answer from Redis at ${u.host}`)));
    sock.on('error', reject);
    sock.on('connect', () => {
      if (u.password) sock.write(cmd('AUTH', ...(u.username ? [u.username] : []), decodeURIComponent(u.password)));
      sock.write(cmd('SELECT', db) + cmd('FLUSHDB'));
    });
    sock.on('data', (d) => {
      got += d;
      const lines = got.split('\r\n').filter(Boolean);
      if (lines.some((l) => l.startsWith('-'))) return sock.destroy(new Error(`Redis: ${got.trim()}`));
      if (lines.length >= (u.password ? 3 : 2)) {
        sock.end();
        resolve();
      }
    });
  });
}

/** Starts the app server again on its address and Redis (after a kill). */
async function startApp() {
  const s = await cl.restart(cl.apps[0], `[app${appLogs.length + 1}] `);
  appLogs.push(s);
  return s;
}

test.before(async () => {
  if (skip) return;
  await flushDB(redisURL, DB);
  cl = await startCluster({ name: 'durability', redisURL, servers: 1 });
  gw = cl.gw;
  app = cl.apps[0].server;
  appLogs.push(app);
});

test.after(async () => {
  if (cl) await cl.stop();
});

const rowName = (e) => `${e.FirstName} ${e.LastName}`;
const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Checks a list the server holds against what was acknowledged: each
 * acknowledged item exactly once, in the order sent, and nothing else.
 */
function assertExactly(got, want, what) {
  const dup = got.filter((x, i) => got.indexOf(x) !== i);
  const missing = want.filter((x) => !got.includes(x));
  const extra = got.filter((x) => !want.includes(x));
  assert.deepEqual(got, want, `${what}: ${missing.length} acknowledged missing ${JSON.stringify(missing)}, ` +
    `${dup.length} duplicated ${JSON.stringify(dup)}, ${extra.length} unexpected ${JSON.stringify(extra)} ` +
    `(${got.length} present, ${want.length} acknowledged)`);
}

test(`SIGKILL the app server the moment the reaction arrives, ${CYCLES} times: every acknowledged message and row survives, exactly once, in order`,
  { skip, timeout: 120000 }, async (t) => {
    const a = new Client(gw, 'A');
    const b = new Client(gw, 'B');
    t.after(() => Promise.all([a.close(), b.close()]));
    const started = Date.now();
    let cycle = 0;
    try {
      const chatA = a.connect('ChatRoomVM');
      const listA = a.connect('SimpleListVM');
      const chatB = b.connect('ChatRoomVM');
      await Promise.all([chatA.loaded(5000), listA.loaded(5000), chatB.loaded(5000)]);
      assert.deepEqual(chatA.state.Messages, [], 'the room starts empty (database flushed)');
      const wantMessages = [];
      const wantRows = listA.state.Employees.map(rowName); // the example's seed rows
      const sockets = [a.sockets.length, b.sockets.length];

      // Reactions seen by A, and the kill armed for the cycle: it fires in
      // the message handler that receives the last awaited reaction.
      const acked = new Set();
      let armed = null; // {want: Set of keys, proc, at}
      a.socket.addEventListener('message', () => {
        const f = a.frames[a.frames.length - 1]; // the harness recorded it (its listener came first)
        if (!f || f.dir !== 'in' || !f.data) return;
        for (const m of asList(f.data.Messages_add)) acked.add(`msg:${m.Text}`);
        for (const e of asList(f.data.Employees_add)) acked.add(`row:${rowName(e)}`);
        if (armed && !armed.at && [...armed.want].every((k) => acked.has(k))) {
          armed.proc.kill('SIGKILL');
          armed.at = Date.now();
        }
      });

      for (cycle = 1; cycle <= CYCLES; cycle++) {
        // Send PER_CYCLE messages and rows back to back on the pre-crash VMs
        // (after the first cycle, these are the updates that must work).
        const keys = [];
        const proc = app.procs[0];
        const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
        armed = { want: new Set(), proc, at: 0 };
        for (let i = 1; i <= PER_CYCLE; i++) {
          const text = `c${cycle} m${i}`;
          const row = `Row${cycle} N${i}`;
          keys.push(`msg:${text}`, `row:${row}`);
          armed.want.add(`msg:${text}`).add(`row:${row}`);
          // Odd cycles end on a row's reaction, even ones on a message's.
          const send = [() => chatA.dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: 'Ann' } }),
            () => listA.dispatch({ Add: row })];
          if (cycle % 2 === 0) send.reverse();
          send.forEach((f) => f());
          wantMessages.push(text);
          wantRows.push(row);
        }
        await a.waitFor(() => armed.at, `cycle ${cycle}: the reactions to ${keys.join(', ')} (then SIGKILL)`, 10000, 'SimpleListVM');
        const exit = await exited;
        assert.deepEqual(exit, { code: null, signal: 'SIGKILL' }, `cycle ${cycle}: the app server was killed`);

        await listA.waitState((s) => s.Employees.length >= wantRows.length, `cycle ${cycle}: A's list has applied its reactions`, 5000).catch(() => {});
        assertExactly(listA.state.Employees.map(rowName), wantRows, `cycle ${cycle}: A's rows after its reactions (before the restart)`);

        app = await startApp();

        // A fresh client's initial state: what the restarted server holds.
        const c = new Client(gw, `C${cycle}`);
        try {
          const chatC = c.connect('ChatRoomVM');
          const listC = c.connect('SimpleListVM');
          const [chat, list] = await Promise.all([chatC.loaded(5000), listC.loaded(5000)]);
          assertExactly(chat.Messages.map((m) => m.Text), wantMessages, `cycle ${cycle}: ChatRoom messages after the restart`);
          assertExactly(list.Employees.map(rowName), wantRows, `cycle ${cycle}: SimpleList rows after the restart`);
          const ids = list.Employees.map((e) => e.Id);
          assert.equal(new Set(ids).size, ids.length, `cycle ${cycle}: row Ids are unique: ${ids}`);
        } finally {
          await c.close();
        }
      }

      // After the last restart: the pre-crash VMs still take updates, and
      // the old clients' states match what the server acknowledged.
      armed = null;
      const text = 'after the last restart';
      const row = 'Final Row';
      chatA.dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: 'Ann' } });
      listA.dispatch({ Add: row });
      wantMessages.push(text);
      wantRows.push(row);
      await a.waitFor(() => acked.has(`msg:${text}`) && acked.has(`row:${row}`), 'the reactions after the last restart', 10000, 'SimpleListVM');
      await chatB.waitState((s) => s.Messages.some((m) => m.Text === text), 'B gets the message sent after the last restart', 5000);
      assertExactly(chatA.state.Messages.map((m) => m.Text), wantMessages, 'A\'s messages at the end');
      // B may have missed the push of a message when the server died right
      // after A's reaction (B was not told: that is no acknowledgement),
      // but what it has is in order, once each.
      const gotB = chatB.state.Messages.map((m) => m.Text);
      assertExactly(gotB, wantMessages.filter((m) => gotB.includes(m)), 'B\'s messages at the end');
      assertExactly(listA.state.Employees.map(rowName), wantRows, 'A\'s rows at the end');
      assert.deepEqual([a.sockets.length, b.sockets.length], sockets, 'no client opened a new socket');
      t.diagnostic(`${CYCLES} SIGKILLs in ${Date.now() - started} ms; ${wantMessages.length} messages, ${wantRows.length} rows`);
    } catch (e) {
      e.message += `\n--- cycle ${cycle}; logs ---\n${gw.logTail(2000)}\n${appLogs.slice(-2).map((s) => s.logTail(2500)).join('\n')}`;
      throw e;
    }
  });
