'use strict';
// SecurePageVM / AdminSecurePageVM (dotNetify's SecurePage example): JWT
// bearer tokens from POST /token in the connect option headers, the
// Authorize filter, pushes stopped by an expiring token and resumed by a
// token refreshed in band with $dispatch({$headers}).
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

// Short tokens, so one expires during a test. Set before the server starts:
// the harness passes its environment to `gonetify serve`.
const LIFETIME_S = 4;
process.env.GONETIFY_TOKEN_LIFETIME = process.env.GONETIFY_TOKEN_LIFETIME || `${LIFETIME_S}s`;
const lifetime = parseInt(process.env.GONETIFY_TOKEN_LIFETIME, 10);

const { useServer, sleep } = require('../lib/harness');

const env = useServer();
const UNAUTHORIZED = { name: 'UnauthorizedAccessException', message: 'Attempted to perform an unauthorized operation.' };

async function token(username, password = 'dotnetify') {
  const res = await fetch(env.server.httpBase + '/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password, grant_type: 'password', client_id: 'dotnetifydemo' }).toString(),
  });
  const body = await res.json();
  return { status: res.status, body };
}

async function accessToken(user) {
  const { status, body } = await token(user);
  assert.equal(status, 200, `POST /token for ${user}: ${JSON.stringify(body)}`);
  return body.access_token;
}

const bearer = (t) => ({ headers: { Authorization: 'Bearer ' + t } });

/** Asserts h was refused and got none of the VM's state. */
async function refused(h) {
  await h.client.waitFor(() => h.exceptions.length > 0, `${h.vmId}: an exception`, 3000, h.vmId);
  assert.deepEqual(h.exceptions, [UNAUTHORIZED]);
  await sleep(1300); // SecureData would have been pushed by now
  for (const f of h.received()) {
    assert.deepEqual(Object.keys(f.data).sort(), ['ExceptionType', 'Message'], `state leaked: ${f.raw}`);
  }
  for (const k of ['SecureCaption', 'SecureData', 'TokenIssuer', 'TokenValidFrom', 'TokenValidTo']) {
    assert.ok(!(k in h.state), `${k} reached the client: ${JSON.stringify(h.state)}`);
  }
}

env.test('POST /token: token shape, wrong password refused', async () => {
  const ok = await token('guest');
  assert.equal(ok.status, 200);
  assert.equal(ok.body.token_type, 'Bearer');
  assert.equal(ok.body.expires_in, lifetime);
  assert.equal(ok.body.access_token.split('.').length, 3);
  const bad = await token('guest', 'wrong');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.access_token, undefined);
});

env.test('anonymous SecurePageVM → UnauthorizedAccessException, no SecureData', async (t) => {
  const a = env.client(t, 'anon');
  await refused(a.connect('SecurePageVM'));
});

env.test('guest token → SecureCaption and pushed SecureData', async (t) => {
  const tok = await accessToken('guest');
  const a = env.client(t, 'guest');
  const h = a.connect('SecurePageVM', bearer(tok));
  const s = await h.loaded();
  assert.equal(s.SecureCaption, 'Authenticated user: "guest"');
  assert.match(s.SecureData, /^Access token will expire in \d+ seconds$/);
  const from = a.mark();
  await h.waitFrame((d) => typeof d.SecureData === 'string', 'a pushed SecureData', from, 2500);
  assert.deepEqual(h.exceptions, []);
});

env.test('guest on AdminSecurePageVM → refused; admin → served', async (t) => {
  const g = env.client(t, 'guest');
  await refused(g.connect('AdminSecurePageVM', bearer(await accessToken('guest'))));
  const a = env.client(t, 'admin');
  const h = a.connect('AdminSecurePageVM', bearer(await accessToken('admin')));
  const s = await h.loaded();
  assert.equal(s.TokenIssuer, 'Token issuer: "gonetify"');
  assert.match(s.TokenValidFrom, /^Valid from: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
  assert.match(s.TokenValidTo, /^Valid to: /);
  assert.equal(s.Refresh, null, 'the Refresh command key is present as null');
  assert.deepEqual(Object.keys(s).sort(), ['Refresh', 'TokenIssuer', 'TokenValidFrom', 'TokenValidTo']);
  assert.deepEqual(h.exceptions, []);
});

env.test('admin Refresh with a new token, as dotNetify\'s front-end sends it → the new token\'s times', async (t) => {
  const a = env.client(t, 'admin');
  const h = a.connect('AdminSecurePageVM', bearer(await accessToken('admin')));
  const s = await h.loaded();
  await sleep(1100); // the next token is issued in a later second
  const fresh = await accessToken('admin');
  h.dispatch({ $headers: { Authorization: 'Bearer ' + fresh }, Refresh: true });
  await h.waitState((st) => st.TokenValidFrom !== s.TokenValidFrom, 'TokenValidFrom of the new token', 3000);
  assert.notEqual(h.state.TokenValidTo, s.TokenValidTo);
  assert.deepEqual(h.exceptions, []);
});

env.test('forged token → refused', async (t) => {
  const tok = await accessToken('admin');
  const [head, payload] = tok.split('.');
  const forgedSig = crypto.createHmac('sha256', 'not the server key').update(`${head}.${payload}`).digest('base64url');
  const a = env.client(t, 'forged');
  await refused(a.connect('SecurePageVM', bearer(`${head}.${payload}.${forgedSig}`)));
});

env.test('expired token → refused', async (t) => {
  const tok = await accessToken('guest');
  await sleep((lifetime + 1.5) * 1000); // past expiry and the server's 1 s leeway
  const a = env.client(t, 'expired');
  await refused(a.connect('SecurePageVM', bearer(tok)));
}, { timeout: (lifetime + 10) * 1000 });

env.test('a token expiring mid-session stops the pushes (one exception); a refreshed token continues them', async (t) => {
  const a = env.client(t, 'session');
  const h = a.connect('SecurePageVM', bearer(await accessToken('guest')));
  await h.loaded();
  await h.waitFrame((d) => typeof d.SecureData === 'string', 'a pushed SecureData', a.mark(), 2500);

  // Expiry: the pushes stop with UnauthorizedAccessException, once.
  await a.waitFor(() => h.exceptions.length > 0, 'UnauthorizedAccessException on a push', (lifetime + 4) * 1000, 'SecurePageVM');
  assert.deepEqual(h.exceptions, [UNAUTHORIZED]);
  const stopped = a.mark();
  await sleep(2500);
  const after = h.received(stopped);
  assert.deepEqual(after.map((f) => f.raw), [], 'frames after the refusal');
  assert.equal(h.exceptions.length, 1, 'the exception is not repeated');

  // Refresh in band: the pushes continue.
  const fresh = await accessToken('guest');
  const from = a.mark();
  h.dispatch({ $headers: { Authorization: 'Bearer ' + fresh } });
  const f = await h.waitFrame((d) => typeof d.SecureData === 'string', 'SecureData pushed after the refresh', from, 3000);
  assert.match(f.data.SecureData, /^Access token will expire in \d+ seconds$/);
  const secs = Number(/(\d+) seconds/.exec(f.data.SecureData)[1]);
  assert.ok(secs > 0 && secs <= lifetime, `time left from the new token: ${secs}`);
  assert.equal(h.exceptions.length, 1);
}, { timeout: (lifetime + 20) * 1000 });
