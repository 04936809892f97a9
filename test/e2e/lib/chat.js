'use strict';
// Helpers of the tests in which official clients chat in dotNetify's
// ChatRoomVM (scale-out, failover, rolling restart).
const { Client } = require('./harness');

/**
 * The messages a client received as additions to the room (Messages_add),
 * in order: the users' ones, or with system the server's system messages.
 */
function chatAdds(c, system = false) {
  const out = [];
  for (const f of c.received('ChatRoomVM')) {
    const a = f.data && f.data.Messages_add;
    if (a) out.push(...(Array.isArray(a) ? a : [a]));
  }
  return out.filter((m) => (m.UserId === 'system') === system);
}

/**
 * Connects n official clients, named prefix0…, to ChatRoomVM through
 * server, and closes them when the test ends. Returns [{c, h}]: the client
 * and its VM handle.
 */
function joinChat(t, server, prefix, n) {
  const clients = [];
  for (let i = 0; i < n; i++) {
    const c = new Client(server, `${prefix}${i}`);
    t.after(() => c.close());
    clients.push({ c, h: c.connect('ChatRoomVM') });
  }
  return clients;
}

module.exports = { chatAdds, joinChat };
