'use strict';
// PresenceVM (a demo VM, not a dotNetify port): multicast presence and
// addressing. Each member's identity comes from its bearer token (POST
// /token); the members list follows OnJoin/OnLeave; a Whisper to a user
// reaches every connection of that user and no one else (dotNetify's Send
// with UserIds).
const assert = require('node:assert/strict');
const { useServer, sleep } = require('../lib/harness');

const env = useServer();
const ID = 'PresenceVM';

async function accessToken(username) {
  const res = await fetch(env.server.httpBase + '/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: 'dotnetify', grant_type: 'password', client_id: 'dotnetifydemo' }).toString(),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `POST /token for ${username}: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function member(t, name, user) {
  const c = env.client(t, name);
  const h = c.connect(ID, { headers: { Authorization: 'Bearer ' + (await accessToken(user)) } });
  await h.loaded();
  return { c, h };
}

const users = (s) => s.Present.map((m) => m.User).sort();

env.test('presence with identities; a whisper reaches every connection of one user and no one else', async (t) => {
  if (env.server.external) return t.skip('E2E_HUB_URL: needs the server\'s POST /token');
  const ann1 = await member(t, 'ann1', 'ann');
  const ann2 = await member(t, 'ann2', 'ann');
  const bob = await member(t, 'bob', 'bob');
  for (const m of [ann1, ann2, bob]) {
    await m.h.waitState((s) => users(s).join() === 'ann,ann,bob', `${m.c.name} sees ann, ann and bob`);
  }
  const from = bob.c.mark();
  bob.h.dispatch({ Whisper: { To: 'ann', Text: 'psst' } });
  for (const m of [ann1, ann2]) {
    await m.h.waitFrame((d) => d.Whisper && d.Whisper.Text === 'psst', `${m.c.name} got the whisper`);
  }
  const w = ann1.h.received().find((f) => f.data.Whisper);
  assert.deepEqual(w.data.Whisper, { From: 'bob', Text: 'psst' });
  await sleep(200);
  assert.ok(!bob.h.received(from).some((f) => f.data.Whisper), 'bob did not get his own whisper');

  ann2.c.close();
  for (const m of [ann1, bob]) {
    await m.h.waitState((s) => users(s).join() === 'ann,bob', `${m.c.name} sees ann2 leave`);
  }
});
