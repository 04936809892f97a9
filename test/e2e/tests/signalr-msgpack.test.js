'use strict';
// The SignalR hub with the MessagePack hub protocol (issue 7 item 3;
// dotNetify's tracker #221): the official client (dotnetify 5.4.0 on
// @microsoft/signalr 5.0.17) with @microsoft/signalr-protocol-msgpack
// plugged in through dotnetify's only hook for it,
//
//   dotnetify.hubOptions = { connectionBuilder: (b) => b.withHubProtocol(new MessagePackHubProtocol()) }
//
// against `gonetify serve`'s /dotnetify. Every WebSocket the client opens
// is spied on, so each test checks that the handshake asked for
// "messagepack" and that everything after it travelled as binary
// messages the MessagePack protocol decodes.
const assert = require('node:assert/strict');
const { useServer, waitFor, sleep, short } = require('../lib/harness');
const { SignalRClient } = require('../lib/signalr-client');
const { MessagePackHubProtocol } = require('@microsoft/signalr-protocol-msgpack');

const env = useServer();

// --------------------------------------------------------- WebSocket spy

const RS = '\x1e';
/** Messages on every spied socket: {sock, dir: 'in'|'out', binary, data}. */
const wire = [];

function spyWebSocket() {
  const RealWS = global.WebSocket;
  if (RealWS.__msgpackSpy) return;
  class SpyWS extends RealWS {
    constructor(...args) {
      super(...args);
      const send = this.send.bind(this);
      this.send = (data, ...rest) => {
        wire.push({ sock: this, dir: 'out', binary: typeof data !== 'string', data });
        return send(data, ...rest);
      };
      this.addEventListener('message', (ev) => wire.push({ sock: this, dir: 'in', binary: typeof ev.data !== 'string', data: ev.data }));
    }
  }
  SpyWS.__msgpackSpy = true;
  global.WebSocket = SpyWS;
}

/** Splits binary data off a handshake record, if it starts with one (ArrayBuffer or Buffer in, Buffer out). */
function afterHandshake(data) {
  const buf = Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
  if (buf[0] === 0x7b /* { */) {
    const i = buf.indexOf(0x1e);
    return buf.subarray(i + 1);
  }
  return buf;
}

/** Decodes binary messages from the server with the client's own protocol implementation. */
function decode(data) {
  const buf = afterHandshake(data);
  if (buf.length === 0) return [];
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  return new MessagePackHubProtocol().parseMessages(ab, null);
}

// ----------------------------------------------------------------- client

let seq = 0;

/** One official client on the SignalR hub speaking MessagePack (JSON with hubOptions.json), its WebSocket spied on. */
class MPClient extends SignalRClient {
  constructor(name, hubOptions = {}) {
    super(env.server, name || `mp${++seq}`, hubOptions, (b) => (hubOptions.json ? b : b.withHubProtocol(new MessagePackHubProtocol())));
    spyWebSocket();
  }

  /** Messages on this client's current WebSocket. */
  wire() {
    const t = this.connection && this.connection.connection.transport;
    const sock = t && t.webSocket;
    return wire.filter((m) => m.sock === sock);
  }

  /** The hub messages the server sent this client (decoded). */
  received() {
    return this.wire().filter((m) => m.dir === 'in' && m.binary).flatMap((m) => decode(m.data));
  }

  describeConnection() {
    return `, protocol ${this.connection && this.connection.protocol.name}`;
  }

  describeTraffic() {
    const w = this.wire().slice(-12).map((m) => `${m.dir} ${m.binary ? `binary ${Buffer.from(m.data instanceof ArrayBuffer ? new Uint8Array(m.data) : m.data).toString('hex').slice(0, 80)}` : `text ${JSON.stringify(String(m.data)).slice(0, 80)}`}`);
    return `  last WebSocket messages: ${short(w, 2000)}`;
  }
}

function client(t, name, hubOptions) {
  const c = new MPClient(name, hubOptions);
  t.after(() => c.close());
  return c;
}

/** Asserts that c speaks MessagePack over a WebSocket: a messagepack handshake, then binary messages only. */
function assertMessagePack(c) {
  assert.equal(c.connection.protocol.name, 'messagepack');
  assert.equal(c.transport(), 'WebSocketTransport');
  const w = c.wire();
  const out = w.filter((m) => m.dir === 'out');
  assert.ok(out.length >= 2, `messages sent:\n${c.describe()}`);
  assert.equal(out[0].binary, false, 'the handshake is text');
  assert.equal(out[0].data, `{"protocol":"messagepack","version":1}${RS}`);
  assert.ok(out.slice(1).every((m) => m.binary), `everything sent after the handshake is binary:\n${c.describe()}`);
  const inc = w.filter((m) => m.dir === 'in');
  assert.ok(inc.length >= 1 && inc.every((m) => m.binary), `everything received is binary:\n${c.describe()}`);
  assert.equal(afterHandshake(inc[0].data).length < Buffer.from(inc[0].data).length, true, 'the first message holds the handshake response');
}

// ----------------------------------------------------------------- tests

env.test('HelloWorld over SignalR WebSockets with MessagePack: state, vmArg, dispatch → reaction', async (t) => {
  const a = client(t, 'A');
  const h = a.connect('HelloWorldVM', { vmArg: { LastName: 'Pack' } });
  await a.loaded(h);
  assert.equal(h.state.FirstName, 'Hello');
  assert.equal(h.state.FullName, 'Hello Pack');
  h.vm.$dispatch({ FirstName: 'Msg' });
  await a.waitState(h, (s) => s.FullName === 'Msg Pack', 'FullName = "Msg Pack"');
  // A command, on the demo's GreetingVM.
  const g = a.connect('GreetingVM');
  await a.loaded(g);
  assert.equal(g.state.Submit, null);
  g.vm.$dispatch({ Submit: { FirstName: 'Ada', LastName: 'Lovelace' } });
  await a.waitState(g, (s) => s.Greetings === 'Hello Ada Lovelace!', 'Greetings');
  assertMessagePack(a);
  // Response_VM has the JSON protocol's shape: one argument [vmId, data as JSON text].
  const resp = a.received().filter((m) => m.type === 1);
  assert.ok(resp.length >= 3, `Response_VM invocations: ${short(resp)}`);
  for (const m of resp) {
    assert.equal(m.target, 'Response_VM');
    assert.equal(m.invocationId, undefined);
    assert.equal(m.arguments.length, 1);
    const [vmId, data] = m.arguments[0];
    assert.ok(['HelloWorldVM', 'GreetingVM'].includes(vmId), vmId);
    assert.equal(typeof data, 'string');
    JSON.parse(data);
  }
  // Each invocation the client waits for is completed (void) in MessagePack.
  const done = a.received().filter((m) => m.type === 3);
  assert.ok(done.length >= 3 && done.every((m) => m.error === undefined && m.result === undefined), `completions: ${short(done)}`);
});

env.test('ChatRoom multicast between two MessagePack clients, and a JSON client in the same room', async (t) => {
  const a = client(t, 'A');
  const b = client(t, 'B');
  const j = client(t, 'J', { json: true });
  const ha = a.connect('ChatRoomVM');
  const hb = b.connect('ChatRoomVM');
  const hj = j.connect('ChatRoomVM');
  await a.loaded(ha);
  await b.loaded(hb);
  await j.loaded(hj);
  assert.equal(j.connection.protocol.name, 'json');
  const corr = `mp-${process.pid}-${Date.now()}`;
  ha.vm.$dispatch({ AddUser: corr });
  await b.waitState(hb, (s) => s.Users.some((u) => u.CorrelationId === corr), 'B sees A join');
  await j.waitState(hj, (s) => s.Users.some((u) => u.CorrelationId === corr), 'J (JSON) sees A join');
  // A Date travels as a MessagePack timestamp; the server makes it the ISO string JSON would carry.
  const sent = new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789));
  const text = `hello over messagepack ${corr}`;
  ha.vm.$dispatch({ SendMessage: { Text: text, Date: sent, UserName: '' } });
  const msg = (s) => s.Messages.find((m) => m.Text === text);
  await b.waitState(hb, msg, 'B gets A\'s message');
  await j.waitState(hj, msg, 'J (JSON) gets A\'s message');
  await a.waitState(ha, msg, 'A gets its message');
  assert.equal(new Date(msg(hb.state).Date).getTime(), sent.getTime(), `the date: ${msg(hb.state).Date}`);
  // And back: the JSON client's message reaches the MessagePack clients.
  const text2 = `hello over json ${corr}`;
  hj.vm.$dispatch({ SendMessage: { Text: text2, Date: new Date(), UserName: '' } });
  await a.waitState(ha, (s) => s.Messages.some((m) => m.Text === text2), 'A gets J\'s message');
  await b.waitState(hb, (s) => s.Messages.some((m) => m.Text === text2), 'B gets J\'s message');
  assertMessagePack(a);
  assertMessagePack(b);
});

env.test('$destroy sends Dispose_VM over MessagePack: pushes stop; a new connect gets a fresh VM', async (t) => {
  const a = client(t, 'A');
  const h = a.connect('TunableLiveChartVM', { vmArg: { Interval: 50 } });
  await a.loaded(h);
  await a.waitState(h, (s) => s.Waveform.length >= 32, 'a few ticks');
  const sent = [];
  const origInvoke = a.connection.invoke.bind(a.connection);
  a.connection.invoke = (m, ...args) => {
    sent.push(m);
    return origInvoke(m, ...args);
  };
  const before = a.wire().filter((m) => m.dir === 'out').length;
  h.vm.$destroy();
  assert.deepEqual(sent, ['Dispose_VM']);
  await sleep(200); // the dispose has been handled
  const n = h.history.length;
  await sleep(300); // 6 intervals
  assert.equal(h.history.length, n, 'no pushes after $destroy');
  // The Dispose_VM went out as a binary invocation [1, {}, id, "Dispose_VM", ["TunableLiveChartVM"]] and was completed.
  const out = a.wire().filter((m) => m.dir === 'out').slice(before);
  assert.ok(out.length >= 1 && out.every((m) => m.binary), `binary sends: ${out.length}`);
  const done = a.received().filter((m) => m.type === 3);
  assert.ok(done.length >= 2, `completions: ${short(done)}`);
  delete a.dn.react.viewModels.TunableLiveChartVM;
  const h2 = a.connect('TunableLiveChartVM', { vmArg: { Interval: 50 } });
  await a.loaded(h2);
  assert.equal(h2.state.Waveform.length, 30, 'a fresh VM');
  assertMessagePack(a);
});

env.test('an unknown VM reaches exceptionHandler over MessagePack', async (t) => {
  const a = client(t, 'A');
  const h = a.connect('NoSuchVM');
  await waitFor(() => h.exceptions.length > 0, { what: 'exceptionHandler called', describe: () => a.describe(h) });
  assert.equal(h.exceptions[0].name, 'Exception');
  assert.match(h.exceptions[0].message, /'NoSuchVM' is not a known view model/);
  assertMessagePack(a);
});

env.test('MessagePack over Long Polling (connectionBuilder forcing HttpTransportType.LongPolling): HelloWorld and LiveChart', async (t) => {
  const signalR = require('@microsoft/signalr');
  const url = `${env.server.httpBase}/dotnetify`;
  // Spy on the polls (GET) and sends (POST) of this client.
  const http = [];
  const realFetch = global.fetch;
  global.fetch = async (u, init = {}) => {
    const res = await realFetch(u, init);
    if (new URL(String(u)).pathname === '/dotnetify') {
      http.push({ method: (init.method || 'GET').toUpperCase(), binaryBody: init.body !== undefined && typeof init.body !== 'string', type: res.headers.get('content-type'), status: res.status });
    }
    return res;
  };
  t.after(() => {
    global.fetch = realFetch;
  });
  const a = client(t, 'A', { connectionBuilder: (b) => b.withUrl(url, { transport: signalR.HttpTransportType.LongPolling }) });
  const h = a.connect('HelloWorldVM');
  await a.loaded(h);
  assert.equal(h.state.FullName, 'Hello World');
  h.vm.$dispatch({ FirstName: 'Lp' });
  await a.waitState(h, (s) => s.FullName === 'Lp World', 'FullName = "Lp World"');
  const lc = a.connect('TunableLiveChartVM', { vmArg: { Interval: 50 } });
  await a.loaded(lc);
  await a.waitState(lc, (s) => s.Waveform.length >= 35, 'Waveform has 35 points (5 pushes)', 5000);
  assert.equal(a.transport(), 'LongPollingTransport');
  assert.equal(a.connection.protocol.name, 'messagepack');
  const polls = http.filter((r) => r.method === 'GET' && r.status === 200 && r.type === 'application/octet-stream');
  assert.ok(polls.length >= 5, `binary poll answers: ${short(http, 2000)}`);
  const sends = http.filter((r) => r.method === 'POST');
  assert.ok(sends.length >= 3 && sends.slice(1).every((r) => r.binaryBody), `binary sends after the handshake: ${short(http, 2000)}`);
});
