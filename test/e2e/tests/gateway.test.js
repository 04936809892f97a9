'use strict';
// The API Gateway path's failure modes, seen by the official client through
// `gonetify gateway` (the emulator configured from our CloudFormation
// template). The backend here is a stand-in app server whose integration
// endpoint we can break on purpose.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { Server, Client, waitFor, serverBinary, freePort } = require('../lib/harness');

let backend; // the stand-in app server
let mode = 'ok'; // 'ok' | '404'
const calls = [];
const gw = new Server();
const gw404 = new Server(); // the same, started with --unreachable-404

test.before(async () => {
  backend = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls.push({ path: req.url, body, secret: req.headers['x-gonetify-secret'] });
      const isMessage = /"payload"/.test(body);
      if (isMessage && mode === '404') {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end('{"message":"Not Found"}');
        return;
      }
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise((r) => backend.listen(0, '127.0.0.1', r));
  const appUrl = `http://127.0.0.1:${backend.address().port}`;
  const addr = `127.0.0.1:${await freePort()}`;
  const args = ['gateway', '--addr', addr, '--stage', 'prod', '--param', `AppServerUrl=${appUrl}`,
    '--param', 'IntegrationSecret=stand-in-secret-0123', '--credentials', 'AKIDGATEWAYTEST:secret'];
  gw.spawn(serverBinary(), args, process.env, '[gateway] ');
  await gw.waitHTTP(`http://${addr}/prod`, (code) => code === 426, serverBinary(), args);
  gw.hubUrl = `ws://${addr}/prod`;
  const addr404 = `127.0.0.1:${await freePort()}`;
  const args404 = ['gateway', '--addr', addr404, '--stage', 'prod', '--unreachable-404', '--param', `AppServerUrl=${appUrl}`,
    '--param', 'IntegrationSecret=stand-in-secret-0123', '--credentials', 'AKIDGATEWAYTEST:secret'];
  gw404.spawn(serverBinary(), args404, process.env, '[gateway-404] ');
  await gw404.waitHTTP(`http://${addr404}/prod`, (code) => code === 426, serverBinary(), args404);
  gw404.hubUrl = `ws://${addr404}/prod`;
});

test.after(async () => {
  await gw.stop();
  await gw404.stop();
  if (backend.listening) await new Promise((r) => backend.close(r));
});

/** Runs fn with console.error captured; returns the lines. */
async function captureConsoleError(fn) {
  const lines = [];
  const orig = console.error;
  console.error = (...a) => lines.push(a.join(' '));
  try {
    await fn(lines);
  } finally {
    console.error = orig;
  }
  return lines;
}

test('integration calls carry the rendered template and the X-Gonetify-Secret header', { timeout: 15000 }, async (t) => {
  mode = 'ok';
  const c = new Client(gw, 'A');
  t.after(() => c.close());
  c.connect('HelloWorldVM');
  await waitFor(() => calls.some((x) => /request_vm/.test(x.body)), { timeout: 5000, what: 'the request_vm reaching the backend' });
  const connect = calls.find((x) => !/"payload"/.test(x.body));
  assert.match(connect.body, /^\{"connectionId":"[A-Za-z0-9_-]{15}="\}$/);
  const msg = calls.find((x) => /request_vm/.test(x.body));
  const parsed = JSON.parse(msg.body);
  assert.deepEqual(parsed.payload, { callType: 'request_vm', vmId: 'HelloWorldVM', vmArgs: '{}' });
  assert.equal(msg.path, '/api/dotnetify/vm');
  assert.equal(msg.secret, 'stand-in-secret-0123');
});

test('backend answers 404: as on AWS, its body is relayed and no bare "404" frame is sent', { timeout: 15000 }, async (t) => {
  mode = '404';
  const lines = await captureConsoleError(async () => {
    const c = new Client(gw, 'B0');
    t.after(() => c.close());
    c.connect('HelloWorldVM');
    await waitFor(() => c.frames.some((f) => f.dir === 'in'), { timeout: 5000, what: 'the backend\'s 404 body' });
    assert.equal(c.frames.filter((f) => f.dir === 'in').map((f) => f.raw).join('|'), '{"message":"Not Found"}');
  });
  assert.deepEqual(lines, [], 'no "couldn\'t reach" hint without --unreachable-404');
});

test('backend answers 404 with --unreachable-404: the client shows dotNetify\'s "couldn\'t reach … integration endpoint"', { timeout: 15000 }, async (t) => {
  mode = '404';
  const lines = await captureConsoleError(async (lines) => {
    const c = new Client(gw404, 'B');
    t.after(() => c.close());
    c.connect('HelloWorldVM');
    await waitFor(() => lines.length > 0, { timeout: 5000, what: 'a console.error from the client' });
    assert.equal(c.frames.filter((f) => f.dir === 'in').map((f) => f.raw).join('|'), '404', 'the gateway relays the bare 404 frame');
  });
  assert.deepEqual(lines, ["The websocket server couldn't reach the dotNetify server's integration endpoint."]);
});

test('app server down: the client gets the gateway\'s "Internal server error" frame', { timeout: 15000 }, async (t) => {
  mode = 'ok';
  const c = new Client(gw, 'C');
  t.after(() => c.close());
  const seen = calls.length;
  const h = c.connect('HelloWorldVM');
  await waitFor(() => calls.slice(seen).some((x) => /request_vm/.test(x.body)), { timeout: 5000, what: 'the request reaching the backend' });
  await new Promise((r) => backend.close(r)); // the app server goes away
  backend.closeAllConnections();
  const from = c.mark();
  h.dispatch({ FirstName: 'Nobody' });
  await waitFor(() => c.frames.slice(from).some((f) => f.dir === 'in'), { timeout: 10000, what: 'an error frame from the gateway' });
  const f = c.frames.slice(from).find((x) => x.dir === 'in');
  assert.equal(f.msg.message, 'Internal server error');
  assert.match(f.msg.connectionId, /^[A-Za-z0-9_-]{15}=$/);
  assert.ok(f.msg.requestId, 'requestId present');
  assert.deepEqual(Object.keys(f.msg).sort(), ['connectionId', 'message', 'requestId']);
});
