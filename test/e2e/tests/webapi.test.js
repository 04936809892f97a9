'use strict';
// Web API mode (protocol.md §3): connect(vmId, {webApi: true}) with the
// official client. Node has no XMLHttpRequest, so a small shim on
// http.request stands in for it and records every request; the client's
// web API hub is pointed at the server through dotnetify.connectHandler.
const assert = require('node:assert/strict');
const http = require('node:http');
const { useServer, loadDotnetify, waitFor, short } = require('../lib/harness');

const env = useServer();
const requests = []; // {method, url, headers, body, status, response}

class XMLHttpRequest {
  constructor() {
    this.headers = {};
    this.status = 0;
    this.responseText = '';
    this.readyState = 0;
  }
  open(method, url) {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }
  setRequestHeader(k, v) {
    this.headers[k] = v;
  }
  send(body) {
    const rec = { method: this.method, url: this.url, headers: { ...this.headers }, body: body == null ? undefined : String(body) };
    requests.push(rec);
    const u = new URL(this.url);
    const req = http.request(
      { hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: this.method, headers: this.headers },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (data += d));
        res.on('end', () => {
          this.status = rec.status = res.statusCode;
          this.responseText = this.response = rec.response = data;
          this.readyState = 4;
          if (this.onload) this.onload();
        });
      }
    );
    req.on('error', (e) => {
      rec.error = String(e);
      if (this.onerror) this.onerror(e);
    });
    if (body != null) req.write(body);
    req.end();
  }
}

function client(t) {
  global.XMLHttpRequest = XMLHttpRequest;
  const dn = loadDotnetify();
  const hub = dn.createWebApiHub(env.server.httpBase);
  dn.connectHandler = (args) => (args.options.webApi ? { hub } : undefined);
  const c = {
    dn,
    first: requests.length,
    requests: () => requests.slice(c.first),
    connect(vmId, options = {}) {
      const h = { vmId, state: {}, history: [], exceptions: [] };
      h.vm = dn.connect(vmId, {
        webApi: true,
        ...options,
        getState: () => h.state,
        setState: (s) => {
          h.state = { ...h.state, ...s };
          h.history.push(s);
        },
        exceptionHandler: (ex) => h.exceptions.push(ex),
      });
      return h;
    },
    describe: (h) => `  ${h.vmId} state: ${short(h.state)}\n  exceptions: ${short(h.exceptions)}\n  requests: ${short(c.requests(), 3000)}`,
    wait: (h, pred, what) => waitFor(() => pred(h.state, h), { what: `${h.vmId}: ${what}`, describe: () => c.describe(h) }),
  };
  t.after(() => {
    for (const id of Object.keys(dn.react.viewModels)) delete dn.react.viewModels[id];
  });
  return c;
}

env.test('GET: the state arrives; vmArg goes raw in the query; headers are sent', async (t) => {
  const c = client(t);
  const h = c.connect('HelloWorldVM', { vmArg: { FirstName: 'Web&Api', LastName: 'a+b=c' }, headers: { Authorization: 'Bearer t1' } });
  await c.wait(h, (s) => s.FullName === 'Web&Api a+b=c', 'FullName from the vmArg');
  const get = c.requests().find((r) => r.method === 'GET');
  assert.equal(new URL(get.url).pathname, '/api/dotnetify/vm/HelloWorldVM');
  assert.match(get.url, /\?vmarg=\{/, 'vmarg is sent raw');
  assert.equal(get.headers.Authorization, 'Bearer t1');
  assert.equal(get.status, 200);
  assert.deepEqual(h.exceptions, []);
});

env.test('$dispatch → POST: the reaction is merged into the state', async (t) => {
  const c = client(t);
  const h = c.connect('HelloWorldVM', { vmArg: { LastName: 'Doe' } });
  await c.wait(h, (s) => s.FullName === 'Hello Doe', 'initial state');
  h.vm.$dispatch({ FirstName: 'John' });
  await c.wait(h, (s) => s.FullName === 'John Doe', 'FullName = "John Doe" from the POST reaction');
  const post = c.requests().find((r) => r.method === 'POST');
  assert.equal(post.body, '{"FirstName":"John"}');
  assert.equal(post.headers['Content-Type'], 'application/json');
  assert.equal(post.status, 200);
  const reaction = JSON.parse(post.response);
  assert.equal(reaction.FullName, 'John Doe');
  assert.ok(!('FirstName' in reaction), `FirstName is not echoed: ${post.response}`);
  // A command, on the demo's GreetingVM.
  const g = c.connect('GreetingVM');
  await c.wait(g, (s) => s.Greetings === 'Hello World!', 'GreetingVM state');
  assert.equal(g.state.Submit, null);
  g.vm.$dispatch({ Submit: { FirstName: 'Ada', LastName: 'Lovelace' } });
  await c.wait(g, (s) => s.Greetings === 'Hello Ada Lovelace!', 'Greetings');
});

env.test('SimpleList Add over Web API: the POST reaction carries Employees_add', async (t) => {
  const c = client(t);
  const h = c.connect('SimpleListVM');
  await c.wait(h, (s) => Array.isArray(s.Employees) && s.Employees.length > 0, 'Employees');
  const n = h.state.Employees.length;
  h.vm.$dispatch({ Add: 'Web Api' });
  await c.wait(h, (s) => s.Employees.length === n + 1, 'one more employee');
  assert.ok(h.state.Employees.some((e) => e.FirstName === 'Web' && e.LastName === 'Api'));
});

env.test('BookStore routing over Web API: the router\'s $vmArg and RoutingState.Active', async (t) => {
  const c = client(t);
  const store = c.connect('BookStoreVM');
  await c.wait(store, (s) => Array.isArray(s.Books) && s.Books.length === 8, 'Books');
  assert.equal(store.state.RoutingState.Root, 'examples/bookstore');
  const path = store.state.Books[0].Route.Path;
  assert.equal(path, 'book/the-martian');
  store.vm.$dispatch({ 'RoutingState.Active': path });
  const details = c.connect('BookDetailsVM', { vmArg: { 'RoutingState.Origin': path } });
  await c.wait(details, (s) => s.Book && s.Book.Title === 'The Martian', 'the book from the route');
  assert.equal(details.state.SearchTitle, 'the-martian');
  await waitFor(() => c.requests().some((r) => r.method === 'POST' && r.status), { what: 'POST answered', describe: () => c.describe(store) });
  const post = c.requests().find((r) => r.method === 'POST');
  assert.equal(post.body, '{"RoutingState.Active":"book/the-martian"}');
  // Accepted, and nothing is sent back: no reaction (204).
  assert.equal(post.status, 204, `POST answered ${post.status} ${post.response}`);
  assert.equal(post.response, '');
  assert.deepEqual(store.exceptions, []);
  assert.deepEqual(details.exceptions, []);
});

env.test('$destroy → DELETE; an unknown VM reaches exceptionHandler', async (t) => {
  const c = client(t);
  const h = c.connect('HelloWorldVM');
  await c.wait(h, (s) => s.FullName === 'Hello World', 'initial state');
  h.vm.$destroy();
  await waitFor(() => c.requests().some((r) => r.method === 'DELETE' && r.status === 200), { what: 'DELETE answered 200', describe: () => c.describe(h) });
  const del = c.requests().find((r) => r.method === 'DELETE');
  assert.equal(new URL(del.url).pathname, '/api/dotnetify/vm/HelloWorldVM');
  assert.equal(del.response, '');

  const bad = c.connect('NoSuchVM');
  await waitFor(() => bad.exceptions.length > 0, { what: 'exceptionHandler called', describe: () => c.describe(bad) });
  assert.equal(bad.exceptions[0].name, 'Exception');
  assert.match(bad.exceptions[0].message, /'NoSuchVM' is not a known view model/);
});
