'use strict';
// Safe by default (issue 11), with the official client over the direct
// WebSocket hub of a small server of our own (test/e2e/fixtures/safety):
// - an undeclared exported getter returning a secret never reaches the
//   client (initial state and pushes), and $dispatch of an undeclared
//   exported method calls nothing and answers with an exception naming it;
// - a 3 s command in one VM does not stall the 0.5 s pushes of another VM
//   on the same connection.
// Runs in the direct pass (the fixture serves /ws only).
const test = require('node:test');
const assert = require('node:assert/strict');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { Server, Client, freePort, REPO_ROOT, sleep } = require('../lib/harness');

const skip = process.env.E2E_HUB_URL
  ? 'E2E_HUB_URL: this test runs a server of its own'
  : process.env.E2E_VIA
    ? `E2E_VIA=${process.env.E2E_VIA}: the fixture serves the direct WebSocket hub only (this test runs in the direct pass)`
    : false;

const server = new Server();
let dir;

test.before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gonetify-safety-'));
  const bin = path.join(dir, 'safety');
  try {
    execFileSync('go', ['build', '-o', bin, './test/e2e/fixtures/safety'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`go build ./test/e2e/fixtures/safety failed:\n${e.stderr || e.message}`);
  }
  const addr = `127.0.0.1:${await freePort()}`;
  const args = ['--addr', addr];
  server.spawn(bin, args, process.env, '');
  await server.waitHTTP(`http://${addr}/healthz`, (c) => c === 200, bin, args);
  server.hubUrl = `ws://${addr}/ws`;
  server.httpBase = `http://${addr}`;
});

test.after(async () => {
  if (skip) return;
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function client(t, name) {
  const c = new Client(server, name);
  t.after(() => c.close());
  return c;
}

test('an undeclared getter is never sent; $dispatch of an undeclared method calls nothing and gets an exception', { skip, timeout: 15000 }, async (t) => {
  const a = client(t, 'A');
  const h = a.connect('AccountVM');
  const s = await h.loaded();
  assert.deepEqual(Object.keys(s).sort(), ['Deleted', 'Greeting', 'Owner', 'Rename']);
  const from = a.mark();
  h.dispatch({ DeleteEverything: null });
  await a.waitFor(() => h.exceptions.length > 0, 'an exception for DeleteEverything', 3000, 'AccountVM');
  assert.equal(h.exceptions[0].name, 'InvalidOperationException');
  assert.match(h.exceptions[0].message, /'DeleteEverything' is not a property or command of AccountVM/);
  h.dispatch({ Config: null });
  await a.waitFor(() => h.exceptions.length > 1, 'an exception for Config', 3000, 'AccountVM');
  assert.match(h.exceptions[1].message, /'Config' is not a property or command of AccountVM/);
  // A declared command still works, and its push carries no secret.
  h.dispatch({ Rename: 'Ann' });
  await h.waitState((st) => st.Greeting === 'Hello Ann', 'Greeting = Hello Ann');
  assert.equal(h.state.Deleted, false, 'DeleteEverything ran');
  for (const f of a.received('AccountVM')) {
    assert.ok(!/hunter2|Password|db\.internal/.test(f.raw), `a frame leaked the helper's value: ${f.raw}`);
  }
  assert.ok(a.received('AccountVM', from).length >= 3);
});

test('a 3 s command in one VM: another VM on the same connection keeps its 0.5 s pushes', { skip, timeout: 20000 }, async (t) => {
  const a = client(t, 'A');
  const report = a.connect('ReportVM');
  const ticker = a.connect('TickerVM');
  await report.loaded();
  await ticker.loaded();
  await ticker.waitState((s) => s.Ticks >= 1, 'a first tick');
  const start = Date.now();
  const from = a.mark();
  report.dispatch({ Run: 3000 });
  await report.waitState((s) => s.Result === 'done', 'the report done', 6000);
  const took = Date.now() - start;
  assert.ok(took >= 2900, `the reaction came ${took} ms after the dispatch: before the command ended`);
  const ticks = a.received('TickerVM', from).map((f) => f.t);
  let last = start;
  let worst = 0;
  for (const at of ticks) {
    worst = Math.max(worst, at - last);
    last = at;
  }
  worst = Math.max(worst, Date.now() - last);
  assert.ok(ticks.length >= 4, `only ${ticks.length} TickerVM pushes during the 3 s command`);
  assert.ok(worst <= 1000, `TickerVM pushes stalled for ${worst} ms during the command (ticks at ${ticks.map((x) => x - start).join(', ')} ms)`);
  await sleep(10);
});
