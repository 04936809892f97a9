'use strict';
// Tokens of an identity provider: `gonetify serve --jwt-jwks-url …` checks
// RS256 tokens against a local JWKS endpoint (a stand-in for Amazon
// Cognito's https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json),
// with the issuer, the audience and cognito:groups as roles, on SecurePageVM
// and AdminSecurePageVM, with the official client, in every E2E_VIA mode:
// the token in the connect option headers, or on the handshake (the hub
// URL's access_token; SignalR's accessTokenFactory); forged, expired,
// wrong-issuer, wrong-audience and alg-none tokens refused; the provider
// rotating its key mid-session.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const nodeTest = require('node:test');

const { useServer, Client, VIA, sleep } = require('../lib/harness');

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_E2eTest';
const CLIENT_ID = 'e2e-app-client';
const UNAUTHORIZED = { name: 'UnauthorizedAccessException', message: 'Attempted to perform an unauthorized operation.' };

// ------------------------------------------------- the identity provider

function rsaKey(kid) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** An RS256 JWT signed with key (header kid = key.kid). */
function sign(key, claims, header = {}) {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${b64(claims)}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** Cognito-style ID token claims for user, valid for an hour. */
function claims(user, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { sub: user, 'cognito:username': user, iss: ISSUER, aud: CLIENT_ID, token_use: 'id', iat: now, exp: now + 3600, ...extra };
}

const k1 = rsaKey('e2e-key-1');
const k2 = rsaKey('e2e-key-2');
const idp = { published: [k1], fetches: 0 };
const jwksServer = http.createServer((req, res) => {
  idp.fetches++;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ keys: idp.published.map((k) => k.jwk) }));
});

// Before the harness starts gonetify (hooks run in order): it passes this
// environment to `gonetify serve`.
nodeTest.before(async () => {
  await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
  process.env.GONETIFY_JWT_JWKS_URL = `http://127.0.0.1:${jwksServer.address().port}/eu-west-1_E2eTest/.well-known/jwks.json`;
  process.env.GONETIFY_JWT_ISSUER = ISSUER;
  process.env.GONETIFY_JWT_AUDIENCE = CLIENT_ID;
});
nodeTest.after(() => jwksServer.close());

const env = useServer();

// ------------------------------------------------------------- helpers

const bearer = (t) => ({ headers: { Authorization: 'Bearer ' + t } });

/**
 * A client whose handshake carries token: the hub URL's access_token (the
 * direct hub, API Gateway's $connect), or @microsoft/signalr's
 * accessTokenFactory (which puts it in the WebSocket URL the same way).
 */
function handshakeClient(t, name, token) {
  let c;
  if (VIA === 'signalr') {
    c = env.client(t, name);
    c.dn.hubOptions.accessTokenFactory = () => token;
  } else {
    const server = Object.create(env.server, { hubUrl: { value: `${env.server.hubUrl}?access_token=${encodeURIComponent(token)}` } });
    c = new Client(server, name);
    t.after(() => c.close());
  }
  return c;
}

/** Asserts h was refused and got none of the VM's state. */
async function refused(h) {
  await h.client.waitFor(() => h.exceptions.length > 0, `${h.vmId}: an exception`, 4000, h.vmId);
  assert.deepEqual(h.exceptions, [UNAUTHORIZED]);
  await sleep(1300); // SecureData would have been pushed by now
  for (const f of h.received()) {
    assert.deepEqual(Object.keys(f.data).sort(), ['ExceptionType', 'Message'], `state leaked: ${f.raw}`);
  }
  for (const k of ['SecureCaption', 'SecureData', 'TokenIssuer']) {
    assert.ok(!(k in h.state), `${k} reached the client: ${JSON.stringify(h.state)}`);
  }
}

// ----------------------------------------------------------------- tests

env.test('RS256 token from the JWKS in the connect headers → SecurePageVM served, SecureData pushed', async (t) => {
  const a = env.client(t, 'ann');
  const h = a.connect('SecurePageVM', bearer(sign(k1, claims('ann'))));
  const s = await h.loaded();
  assert.equal(s.SecureCaption, 'Authenticated user: "ann"');
  assert.match(s.SecureData, /^Access token will expire in \d+ seconds$/);
  await h.waitFrame((d) => typeof d.SecureData === 'string', 'a pushed SecureData', a.mark(), 2500);
  assert.deepEqual(h.exceptions, []);
});

env.test('cognito:groups admin → AdminSecurePageVM served with the provider as issuer; other groups refused', async (t) => {
  const a = env.client(t, 'admin');
  const h = a.connect('AdminSecurePageVM', bearer(sign(k1, claims('root', { 'cognito:groups': ['admin'] }))));
  const s = await h.loaded();
  assert.equal(s.TokenIssuer, `Token issuer: "${ISSUER}"`);
  assert.deepEqual(h.exceptions, []);
  const g = env.client(t, 'user');
  await refused(g.connect('AdminSecurePageVM', bearer(sign(k1, claims('joe', { 'cognito:groups': ['users'] })))));
});

const bad = {
  forged: () => {
    // The provider's kid, another key's signature.
    const impostor = rsaKey(k1.kid);
    return sign(impostor, claims('eve'));
  },
  expired: () => sign(k1, claims('ann', { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 60 })),
  'wrong issuer': () => sign(k1, claims('ann', { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' })),
  'wrong audience': () => sign(k1, claims('ann', { aud: 'another-app-client' })),
  'alg none': () => `${b64({ alg: 'none', typ: 'JWT', kid: k1.kid })}.${b64(claims('ann'))}.`,
};
for (const [name, make] of Object.entries(bad)) {
  env.test(`${name} token → UnauthorizedAccessException, no state`, async (t) => {
    const a = env.client(t, name);
    await refused(a.connect('SecurePageVM', bearer(make())));
  });
}

env.test('a forged token on the handshake → refused', async (t) => {
  const a = handshakeClient(t, 'forged-handshake', bad.forged());
  await refused(a.connect('SecurePageVM'));
});

env.test(`the token on the handshake (${VIA === 'signalr' ? 'accessTokenFactory' : 'hub URL ?access_token='}) → SecurePageVM served without headers`, async (t) => {
  const a = handshakeClient(t, 'handshake', sign(k1, claims('hal')));
  const h = a.connect('SecurePageVM');
  const s = await h.loaded();
  assert.equal(s.SecureCaption, 'Authenticated user: "hal"');
  assert.deepEqual(h.exceptions, []);
});

// Last: it rotates the provider's key (and uses the server's one
// unknown-kid fetch its rate limit allows soon).
env.test('key rotation mid-session: the new kid is fetched; the retired key is refused on the next push; a refreshed token resumes', async (t) => {
  const a = env.client(t, 'session');
  const h = a.connect('SecurePageVM', bearer(sign(k1, claims('ann'))));
  await h.loaded();
  await h.waitFrame((d) => typeof d.SecureData === 'string', 'a pushed SecureData (key 1)', a.mark(), 2500);

  // The provider replaces key 1 with key 2; a new user signs in with key 2.
  idp.published = [k2];
  const fetches = idp.fetches;
  const b = env.client(t, 'newcomer');
  const hb = b.connect('SecurePageVM', bearer(sign(k2, claims('bob'))));
  const sb = await hb.loaded(5000);
  assert.equal(sb.SecureCaption, 'Authenticated user: "bob"');
  assert.ok(idp.fetches > fetches, 'the server fetched the key set for the new kid');

  // The session's key-1 token no longer verifies: its pushes stop, once.
  await a.waitFor(() => h.exceptions.length > 0, 'UnauthorizedAccessException on a push', 4000, 'SecurePageVM');
  assert.deepEqual(h.exceptions, [UNAUTHORIZED]);

  // The client refreshes its token in band (a key-2 token, shorter lived).
  const exp = Math.floor(Date.now() / 1000) + 600;
  const from = a.mark();
  h.dispatch({ $headers: { Authorization: 'Bearer ' + sign(k2, claims('ann', { exp })) } });
  const f = await h.waitFrame((d) => typeof d.SecureData === 'string', 'SecureData pushed after the refresh', from, 3000);
  const secs = Number(/(\d+) seconds/.exec(f.data.SecureData)[1]);
  assert.ok(secs > 0 && secs <= 600, `time left from the new token: ${secs}`);
  assert.equal(h.exceptions.length, 1);
  assert.deepEqual(hb.exceptions, []);
}, { timeout: 20000 });
