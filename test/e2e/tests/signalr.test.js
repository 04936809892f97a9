'use strict';
// The SignalR hub (dotNetify's default transport, protocol.md §4): the
// official client with only dotnetify.hubServerUrl set, over WebSockets,
// Server-Sent Events and Long Polling, against `gonetify serve`'s /dotnetify.
//
// The harness loads the client with `window` defined, so @microsoft/signalr
// runs in its browser mode: global WebSocket (the `ws` package), global
// EventSource (set below from the `eventsource` package) and global fetch.
// Every HTTP request, EventSource and WebSocket it opens is recorded, so
// each test checks which transport really carried it.
const assert = require('node:assert/strict');
const { useServer, waitFor, sleep, short } = require('../lib/harness');
const { SignalRClient } = require('../lib/signalr-client');

const env = useServer();

// ------------------------------------------------------------ request spy

const requests = []; // {kind: 'fetch'|'eventsource'|'websocket', method, url}
const realFetch = global.fetch;
global.fetch = (url, init = {}) => {
  requests.push({ kind: 'fetch', method: (init.method || 'GET').toUpperCase(), url: String(url) });
  return realFetch(url, init);
};
const RealEventSource = require('eventsource');
class SpyEventSource extends RealEventSource {
  constructor(url, init) {
    requests.push({ kind: 'eventsource', method: 'GET', url: String(url) });
    super(url, init);
  }
}
function spyWebSocket() {
  const RealWS = global.WebSocket;
  if (RealWS.__spy) return;
  class SpyWS extends RealWS {
    constructor(url, ...rest) {
      requests.push({ kind: 'websocket', method: 'GET', url: String(url) });
      super(url, ...rest);
    }
  }
  SpyWS.__spy = true;
  global.WebSocket = SpyWS;
}

const path = (u) => new URL(u).pathname;

// ----------------------------------------------------------------- client

let seq = 0;

/** One official client on the SignalR hub, with its requests recorded. */
class SRClient extends SignalRClient {
  constructor(name, hubOptions) {
    global.EventSource = SpyEventSource;
    super(env.server, name || `sr${++seq}`, hubOptions);
    spyWebSocket();
    this.firstRequest = requests.length;
  }

  /** Requests this client made (recorded since it was created). */
  requests() {
    return requests.slice(this.firstRequest).filter((r) => r.url.startsWith(env.server.httpBase) || r.url.startsWith(env.server.httpBase.replace('http', 'ws')));
  }

  describeTraffic() {
    return `  requests: ${short(this.requests().map((r) => `${r.kind} ${r.method} ${path(r.url)}${new URL(r.url).search.replace(/id=[^&]+/, 'id=…')}`), 2000)}`;
  }
}

function client(t, name, hubOptions) {
  const c = new SRClient(name, hubOptions);
  t.after(() => c.close());
  return c;
}

/** Asserts that negotiate happened and the given transport carried the connection. */
function assertTransport(c, kind) {
  const reqs = c.requests();
  const neg = reqs.find((r) => r.kind === 'fetch' && r.method === 'POST' && path(r.url) === '/dotnetify/negotiate');
  assert.ok(neg, `negotiate was called:\n${c.describe()}`);
  assert.match(new URL(neg.url).search, /negotiateVersion=1/);
  const hubReqs = reqs.filter((r) => path(r.url) === '/dotnetify');
  if (kind === 'WebSockets') {
    assert.equal(c.transport(), 'WebSocketTransport');
    assert.ok(hubReqs.some((r) => r.kind === 'websocket'), `a WebSocket to /dotnetify:\n${c.describe()}`);
    assert.ok(!hubReqs.some((r) => r.kind === 'fetch' && r.method === 'GET'), 'no long polls');
  } else if (kind === 'ServerSentEvents') {
    assert.equal(c.transport(), 'ServerSentEventsTransport');
    assert.ok(hubReqs.some((r) => r.kind === 'eventsource'), `an event stream from /dotnetify:\n${c.describe()}`);
    assert.ok(hubReqs.some((r) => r.kind === 'fetch' && r.method === 'POST'), 'sends are POSTs');
    assert.ok(!hubReqs.some((r) => r.kind === 'websocket'), 'no WebSocket');
  } else if (kind === 'LongPolling') {
    assert.equal(c.transport(), 'LongPollingTransport');
    const polls = hubReqs.filter((r) => r.kind === 'fetch' && r.method === 'GET');
    assert.ok(polls.length >= 2, `long polls (GET /dotnetify?id=…): ${polls.length}\n${c.describe()}`);
    assert.ok(hubReqs.some((r) => r.kind === 'fetch' && r.method === 'POST'), 'sends are POSTs');
    assert.ok(!hubReqs.some((r) => r.kind === 'websocket' || r.kind === 'eventsource'), 'no WebSocket or event stream');
  }
}

// ------------------------------------------------------- over WebSockets

env.test('HelloWorld over SignalR WebSockets: state, dispatch → reaction, vmArg', async (t) => {
  const a = client(t, 'A');
  const h = a.connect('HelloWorldVM', { vmArg: { LastName: 'Signal' } });
  await a.loaded(h);
  assert.equal(h.state.FirstName, 'Hello');
  assert.equal(h.state.FullName, 'Hello Signal');
  h.vm.$dispatch({ FirstName: 'Ann' });
  await a.waitState(h, (s) => s.FullName === 'Ann Signal', 'FullName = "Ann Signal"');
  // A command, on the demo's GreetingVM.
  const g = a.connect('GreetingVM');
  await a.loaded(g);
  assert.equal(g.state.Submit, null);
  g.vm.$dispatch({ Submit: { FirstName: 'Ada', LastName: 'Lovelace' } });
  await a.waitState(g, (s) => s.Greetings === 'Hello Ada Lovelace!', 'Greetings');
  assertTransport(a, 'WebSockets');
});

env.test('SimpleList Add over SignalR: the list grows on both clients', async (t) => {
  const a = client(t, 'A');
  const b = client(t, 'B');
  const ha = a.connect('SimpleListVM');
  const hb = b.connect('SimpleListVM');
  await a.loaded(ha);
  await b.loaded(hb);
  const name = `Sig${process.pid} Nal${Date.now() % 1000}`;
  ha.vm.$dispatch({ Add: name });
  const has = (s) => s.Employees.some((e) => `${e.FirstName} ${e.LastName}` === name);
  await a.waitState(ha, has, `A: ${name} added`);
  await b.waitState(hb, has, `B: ${name} added`);
  assert.ok(!Object.keys(ha.state).some((k) => k.includes('_add')), 'no Employees_add key in the state');
});

env.test('ChatRoom multicast between two SignalR clients', async (t) => {
  const a = client(t, 'A');
  const b = client(t, 'B');
  const ha = a.connect('ChatRoomVM');
  const hb = b.connect('ChatRoomVM');
  await a.loaded(ha);
  await b.loaded(hb);
  const corr = `sr-${process.pid}-${Date.now()}`;
  ha.vm.$dispatch({ AddUser: corr });
  await b.waitState(hb, (s) => s.Users.some((u) => u.CorrelationId === corr), 'B sees A join');
  const text = `hello over signalr ${corr}`;
  ha.vm.$dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: '' } });
  await b.waitState(hb, (s) => s.Messages.some((m) => m.Text === text), 'B gets A\'s message');
  await a.waitState(ha, (s) => s.Messages.some((m) => m.Text === text), 'A gets its message');
});

env.test('an unknown VM reaches exceptionHandler over SignalR', async (t) => {
  const a = client(t, 'A');
  const h = a.connect('NoSuchVM');
  await waitFor(() => h.exceptions.length > 0, { what: 'exceptionHandler called', describe: () => a.describe(h) });
  assert.equal(h.exceptions[0].name, 'Exception');
  assert.match(h.exceptions[0].message, /'NoSuchVM' is not a known view model/);
});

env.test('$destroy sends Dispose_VM: pushes stop; a new connect gets a fresh VM', async (t) => {
  const a = client(t, 'A');
  const h = a.connect('TunableLiveChartVM', { vmArg: { Interval: 50 } });
  await a.loaded(h);
  await a.waitState(h, (s) => s.Waveform.length >= 32, 'a few ticks');
  const sent = [];
  const origSend = a.connection.send.bind(a.connection);
  const origInvoke = a.connection.invoke.bind(a.connection);
  a.connection.invoke = (m, ...args) => {
    sent.push(m);
    return origInvoke(m, ...args);
  };
  a.connection.send = (m, ...args) => {
    sent.push(m);
    return origSend(m, ...args);
  };
  h.vm.$destroy();
  assert.deepEqual(sent, ['Dispose_VM']);
  await sleep(200); // the dispose has been handled
  const n = h.history.length;
  await sleep(300); // 6 intervals
  assert.equal(h.history.length, n, 'no pushes after $destroy');
  delete a.dn.react.viewModels.TunableLiveChartVM;
  const h2 = a.connect('TunableLiveChartVM', { vmArg: { Interval: 50 } });
  await a.loaded(h2);
  assert.equal(h2.state.Waveform.length, 30, 'a fresh VM');
});

env.test('a push crossing $destroy ends with one Dispose_VM, not a Dispose_VM ↔ Response_VM loop', async (t) => {
  // The official ChatRoom view does RemoveUser then $destroy. The Users_remove push for
  // it arrives after the client dropped the VM, so dotnetify's SignalR hub answers it with
  // Dispose_VM (protocol.md §4.5). The server must not answer that one with a Response_VM
  // (an exception frame for a VM the connection no longer holds), or the client disposes
  // again, and so on (until the server's message rate limit drops one: ~200 round trips).
  const a = client(t, 'A');
  const h = a.connect('ChatRoomVM');
  await a.loaded(h);
  const corr = `loop-${process.pid}-${Date.now()}`;
  h.vm.$dispatch({ AddUser: corr });
  await a.waitState(h, (s) => s.Users.some((u) => u.CorrelationId === corr), 'own user added');
  const sent = [];
  const origInvoke = a.connection.invoke.bind(a.connection);
  a.connection.invoke = (m, ...args) => {
    sent.push(m);
    return origInvoke(m, ...args).catch(() => {});
  };
  h.vm.$dispatch({ RemoveUser: null });
  h.vm.$destroy();
  await sleep(500);
  const disposes = sent.filter((m) => m === 'Dispose_VM').length;
  assert.ok(disposes <= 2, `${disposes} Dispose_VM in 500 ms after one $destroy (${sent.length} invocations)`);
});

// --------------------------------------------- the fallback transports
//
// dotnetify maps hubOptions.transport names to @microsoft/signalr's
// HttpTransportType by position: webSockets → 0 (None: any transport),
// serverSentEvents → 1 (WebSockets), longPolling → 2 (ServerSentEvents).
// So ['longPolling'] really selects Server-Sent Events and
// ['serverSentEvents'] WebSockets (protocol.md §4.8). Long Polling proper
// is reached through dotnetify's connectionBuilder hook.

async function helloAndLiveChart(t, hubOptions, kind) {
  const a = client(t, 'A', hubOptions);
  const h = a.connect('HelloWorldVM');
  await a.loaded(h);
  assert.equal(h.state.FullName, 'Hello World');
  h.vm.$dispatch({ FirstName: 'Lp' });
  await a.waitState(h, (s) => s.FullName === 'Lp World', 'FullName = "Lp World"');
  const lc = a.connect('TunableLiveChartVM', { vmArg: { Interval: 50 } });
  await a.loaded(lc);
  await a.waitState(lc, (s) => s.Waveform.length >= 35, 'Waveform has 35 points (5 pushes)', 5000);
  assertTransport(a, kind);
  return a;
}

env.test("hubOptions transport ['longPolling'] (= SignalR ServerSentEvents): HelloWorld and LiveChart", async (t) => {
  await helloAndLiveChart(t, { transport: ['longPolling'] }, 'ServerSentEvents');
});

env.test("hubOptions transport ['serverSentEvents'] (= SignalR WebSockets): HelloWorld and LiveChart", async (t) => {
  await helloAndLiveChart(t, { transport: ['serverSentEvents'] }, 'WebSockets');
});

env.test('Long Polling (connectionBuilder forcing HttpTransportType.LongPolling): HelloWorld and LiveChart', async (t) => {
  const signalR = require('@microsoft/signalr');
  const url = `${env.server.httpBase}/dotnetify`;
  const a = await helloAndLiveChart(t, {
    transport: ['longPolling'],
    connectionBuilder: (b) => b.withUrl(url, { transport: signalR.HttpTransportType.LongPolling }),
  }, 'LongPolling');
  // Closing sends DELETE, and the server releases the connection.
  await a.close();
  assert.ok(a.requests().some((r) => r.kind === 'fetch' && r.method === 'DELETE' && path(r.url) === '/dotnetify'), `DELETE sent:\n${a.describe()}`);
});

env.test('Server-Sent Events requested outright (HttpTransportType.ServerSentEvents)', async (t) => {
  const signalR = require('@microsoft/signalr');
  const url = `${env.server.httpBase}/dotnetify`;
  await helloAndLiveChart(t, {
    connectionBuilder: (b) => b.withUrl(url, { transport: signalR.HttpTransportType.ServerSentEvents }),
  }, 'ServerSentEvents');
});
