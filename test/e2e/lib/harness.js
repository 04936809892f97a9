'use strict';
// Harness for the end-to-end suite: runs `gonetify serve` (or uses
// E2E_HUB_URL) and drives it with the official dotnetify npm client.
//
// Env:
//   GONETIFY_BIN  path of a built gonetify binary. Unset: the harness runs
//                 `go build ./cmd/gonetify` from the repo root, once per
//                 `node --test` run (shared by all test files).
//   E2E_HUB_URL   ws:// URL of a hub to test instead (e.g. an API Gateway
//                 emulator in front of gonetify). No server is started then.
//   E2E_VIA       "gateway": run the suite through the API Gateway path: the
//                 harness starts `gonetify serve --connection-url …` and, in
//                 front of it, `gonetify gateway` (the emulator configured from
//                 deploy/cloudformation/gonetify.yaml); clients connect to the
//                 emulator's WebSocket URL.
//   E2E_VIA       "signalr": run the suite over dotNetify's default transport,
//                 the SignalR hub at /dotnetify over WebSockets: each client is
//                 the official one configured only with dotnetify.hubServerUrl
//                 (no createWebSocketHub). The SignalR records each
//                 HubConnection sends and receives are recorded and normalized
//                 to the native frame shape (see Client._hookSignalR and
//                 _recordSignalR).
//   E2E_DEBUG     set to 1 to start the server with --debug and print its log.
//   E2E_REDIS     "cluster" or "sentinel": every server a test starts with
//                 `--redis redis://…/DB` gets instead `--redis-cluster
//                 $GONETIFY_TEST_REDIS_CLUSTER` (a Redis Cluster has database 0
//                 only: run one file at a time and flush it in between, as
//                 scripts/e2e-redis-ha.sh does) or `--redis-sentinel
//                 $GONETIFY_TEST_REDIS_SENTINEL/DB`, so the Redis suites run
//                 unchanged against those deployments.
//   E2E_REDIS_FAILOVER_MS  with E2E_REDIS=sentinel: that many ms after a
//                 test file starts its first server, the harness runs
//                 `redis-cli -p SENTINEL_PORT sentinel failover MASTER`, so
//                 the master changes mid-run.

const { spawn, execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const DOTNETIFY_MAIN = require.resolve('dotnetify/dist/dotnetify.js');
const DOTNETIFY_DIR = path.dirname(path.dirname(DOTNETIFY_MAIN)) + path.sep;

// ---------------------------------------------------------------- utilities

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * args with `--redis URL` replaced as E2E_REDIS says (see the header):
 * the same database on a Sentinel group, or the Redis Cluster.
 */
function redisBackendArgs(args) {
  const mode = process.env.E2E_REDIS || '';
  const i = args.indexOf('--redis');
  if (!mode || i < 0) return args;
  const env = { cluster: 'GONETIFY_TEST_REDIS_CLUSTER', sentinel: 'GONETIFY_TEST_REDIS_SENTINEL' }[mode];
  if (!env) throw new Error(`E2E_REDIS=${mode}: want cluster or sentinel`);
  const addrs = process.env[env];
  if (!addrs) throw new Error(`E2E_REDIS=${mode} needs ${env} (scripts/test.sh starts the deployment and sets it)`);
  const db = (/\/(\d+)$/.exec(args[i + 1]) || [])[1];
  const flag = mode === 'cluster' ? ['--redis-cluster', addrs] : ['--redis-sentinel', db ? `${addrs}/${db}` : addrs];
  return [...args.slice(0, i), ...flag, ...args.slice(i + 2)];
}

/** The Sentinel group of GONETIFY_TEST_REDIS_SENTINEL: { master, port } (the first sentinel's port). */
function sentinelGroup() {
  const v = process.env.GONETIFY_TEST_REDIS_SENTINEL || '';
  const m = /^([^@]+)@[^:,]+:(\d+)/.exec(v);
  if (!m) throw new Error(`GONETIFY_TEST_REDIS_SENTINEL=${v}: want MASTER@host:port,…`);
  return { master: m[1], port: m[2] };
}

/** `redis-cli -p SENTINEL_PORT …args` on the Sentinel group; resolves to its output. */
function sentinelCLI(...args) {
  const { port } = sentinelGroup();
  return new Promise((resolve, reject) =>
    execFile('redis-cli', ['-p', port, ...args], (err, out) => (err ? reject(err) : resolve(String(out).trim()))));
}

/** The master's address, host:port, as the sentinels see it. */
async function sentinelMaster() {
  return (await sentinelCLI('sentinel', 'get-master-addr-by-name', sentinelGroup().master)).split('\n').join(':');
}

/**
 * Starts a failover of the Sentinel group's master (`sentinel failover
 * MASTER`); resolves to the old master. Right after an earlier failover the
 * sentinels may not count the new replica yet (NOGOODSLAVE): it retries for
 * up to 15 s.
 */
async function sentinelFailover() {
  const deadline = Date.now() + 15000;
  for (;;) {
    const before = await sentinelMaster();
    const out = await sentinelCLI('sentinel', 'failover', sentinelGroup().master);
    if (out === 'OK') return before;
    if (!/NOGOODSLAVE|INPROG/.test(out) || Date.now() > deadline) throw new Error(`sentinel failover ${sentinelGroup().master}: ${out}`);
    await sleep(200);
  }
}

/** Waits until the sentinels name a master other than old. */
async function sentinelSwitched(old, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const now = await sentinelMaster();
    if (now !== old) return now;
    if (Date.now() > deadline) throw new Error(`the sentinels still name ${old} the master ${timeout} ms after the failover`);
    await sleep(100);
  }
}

let failoverScheduled = false;

/** E2E_REDIS_FAILOVER_MS: a failover that long after the first server of this file starts. */
function scheduleFailover() {
  const ms = Number(process.env.E2E_REDIS_FAILOVER_MS);
  if (failoverScheduled || process.env.E2E_REDIS !== 'sentinel' || !ms) return;
  failoverScheduled = true;
  setTimeout(async () => {
    try {
      const old = await sentinelFailover();
      process.stderr.write(`[failover] sentinel failover ${sentinelGroup().master} at +${ms} ms (master was ${old})\n`);
      process.stderr.write(`[failover] new master ${await sentinelSwitched(old)}\n`);
    } catch (e) {
      process.stderr.write(`[failover] ${e.message}\n`);
    }
  }, ms);
}

/** The suite's mode: '' (direct WebSocket hub), 'gateway' or 'signalr'. */
const VIA = process.env.E2E_VIA || '';

/**
 * For a test (or file) whose subject exists only on another transport:
 * returns a node:test `skip` value (false, or the reason) for the modes in
 * `modes`, e.g. `{ skip: skipVia('signalr', 'why') }`.
 */
function skipVia(modes, reason) {
  const list = Array.isArray(modes) ? modes : [modes];
  return list.includes(VIA) ? `E2E_VIA=${VIA}: ${reason}` : false;
}

/** Like skipVia, for node:test's `todo`: the test runs, a failure is reported but does not fail the run. */
const todoVia = skipVia;

function short(v, max = 1500) {
  let s;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  if (s === undefined) s = String(v);
  return s.length > max ? s.slice(0, max) + `… (${s.length} chars)` : s;
}

/**
 * Waits until predicate() returns a truthy value (which is returned).
 * On timeout it throws an Error whose message is `what` plus the output of
 * describe() (e.g. the client's state and the frames it saw).
 */
async function waitFor(predicate, { timeout = 3000, what = 'condition', describe } = {}) {
  const deadline = Date.now() + timeout;
  let lastErr;
  for (;;) {
    try {
      const v = predicate();
      if (v) return v;
      lastErr = undefined;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(10);
  }
  let msg = `timed out after ${timeout} ms waiting for: ${what}`;
  if (lastErr) msg += `\n  last predicate error: ${lastErr && lastErr.stack ? lastErr.stack : lastErr}`;
  if (describe) {
    try {
      msg += '\n' + describe();
    } catch (e) {
      msg += `\n  (describe failed: ${e})`;
    }
  }
  throw new Error(msg);
}

// ------------------------------------------------------------------- server

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Returns the gonetify binary: GONETIFY_BIN, or one built from the repo.
 * Each test file runs in its own process; they share one build per
 * `node --test` run by keying the build directory on the runner's pid.
 */
function serverBinary() {
  if (process.env.GONETIFY_BIN) {
    const bin = path.resolve(process.env.GONETIFY_BIN);
    if (!fs.existsSync(bin)) throw new Error(`GONETIFY_BIN=${bin} does not exist`);
    return bin;
  }
  const prefix = 'gonetify-e2e-build-';
  const tmp = os.tmpdir();
  // Remove builds left by runs that have ended.
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (pid && pid !== process.ppid && !pidAlive(pid)) {
      fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
    }
  }
  const dir = path.join(tmp, prefix + process.ppid);
  const bin = path.join(dir, 'gonetify');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('go', ['build', '-o', bin, './cmd/gonetify'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`go build ./cmd/gonetify failed in ${REPO_ROOT}:\n${e.stderr || e.message}`);
  }
  return bin;
}

function httpGet(url, timeout = 1000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * A running gonetify server (or the external hub of E2E_HUB_URL).
 * `hubUrl` is the WebSocket URL; `log()` returns the captured stderr.
 */
class Server {
  constructor() {
    this.hubUrl = null;
    this.external = false;
    this.proc = null;
    this.procs = [];
    this.stderr = '';
    this.exit = null;
  }

  log() {
    if (this.external) return '(external hub: no server log)';
    return this.stderr;
  }

  /** The server's log, tail-truncated, for failure messages. */
  logTail(max = 4000) {
    const s = this.log();
    return s.length > max ? '…' + s.slice(-max) : s;
  }

  async start() {
    if (process.env.E2E_HUB_URL) {
      this.external = true;
      this.hubUrl = process.env.E2E_HUB_URL;
      if (VIA === 'signalr') {
        // The server's base URL (http://host:port); the hub is its /dotnetify.
        this.transport = 'signalr';
        this.httpBase = this.hubUrl.replace(/\/+$/, '');
        this.hubUrl = this.httpBase + '/dotnetify';
      }
      return this;
    }
    const bin = serverBinary();
    const addr = `127.0.0.1:${await freePort()}`;
    const base = `http://${addr}`;
    const args = ['serve', '--addr', addr];
    if (process.env.E2E_DEBUG) args.push('--debug');
    if (process.env.E2E_VIA === 'gateway') {
      // The API Gateway path: fresh credentials shared by the app server (which
      // signs its pushes through the AWS SDK's environment credentials) and the
      // emulator (which verifies them), and an integration secret.
      const gw = `127.0.0.1:${await freePort()}`;
      const secret = 'e2e-integration-secret-0123';
      const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDGONETIFYE2E', AWS_SECRET_ACCESS_KEY: 'e2e-secret-access-key', AWS_REGION: 'us-east-1' };
      args.push('--connection-url', `http://${gw}/prod/@connections`, '--integration-secret', secret);
      this.spawn(bin, args, env, '');
      await this.waitHTTP(`${base}/healthz`, (code) => code === 200, bin, args);
      // --ordered-delivery: the suite asserts dotNetify's in-order semantics,
      // so it selects the emulator's orderly mode (one connection's messages
      // reach the app server one at a time). By default the emulator, like
      // AWS, lets integration calls overlap (see gateway.test.js).
      const gargs = ['gateway', '--addr', gw, '--stage', 'prod', '--ordered-delivery', '--param', `AppServerUrl=${base}`,
        '--param', `IntegrationSecret=${secret}`, '--credentials', 'AKIDGONETIFYE2E:e2e-secret-access-key'];
      if (process.env.E2E_DEBUG) gargs.push('--debug');
      this.spawn(bin, gargs, env, '[gateway] ');
      // A plain GET on the stage answers 426 (Upgrade Required) once it listens.
      await this.waitHTTP(`http://${gw}/prod`, (code) => code === 426, bin, gargs);
      this.hubUrl = `ws://${gw}/prod`;
    } else if (VIA === 'signalr') {
      // dotNetify's default transport: the SignalR hub of the same server.
      this.spawn(bin, args, process.env, '');
      await this.waitHTTP(`${base}/healthz`, (code) => code === 200, bin, args);
      this.transport = 'signalr';
      this.hubUrl = `${base}/dotnetify`;
    } else {
      this.spawn(bin, args, process.env, '');
      await this.waitHTTP(`${base}/healthz`, (code) => code === 200, bin, args);
      this.hubUrl = `ws://${addr}/ws`;
    }
    this.httpBase = base;
    return this;
  }

  /** Starts one child process whose output joins the captured log. */
  spawn(bin, args, env, prefix) {
    const proc = spawn(bin, redisBackendArgs(args), { stdio: ['ignore', 'pipe', 'pipe'], env });
    if (args.includes('--redis')) scheduleFailover();
    const onData = (d) => {
      const text = prefix ? String(d).replace(/^(?=.)/gm, prefix) : String(d);
      this.stderr += text;
      if (process.env.E2E_DEBUG) process.stderr.write(text);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code, signal) => (this.exit = this.exit || { code, signal, prefix }));
    // Never leave a server behind, even if this process dies early.
    process.once('exit', () => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL'));
    this.procs.push(proc);
    this.proc = this.procs[0];
  }

  async waitHTTP(url, ok, bin, args) {
    const deadline = Date.now() + 10000;
    for (;;) {
      if (this.exit) {
        throw new Error(`gonetify exited before it was ready (${short(this.exit)}): ${bin} ${args.join(' ')}\nlog:\n${this.logTail()}`);
      }
      try {
        if (ok(await httpGet(url, 500))) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`timed out waiting for GET ${url}\nlog:\n${this.logTail()}`);
      }
      await sleep(25);
    }
  }

  async stop() {
    for (const proc of this.procs.slice().reverse()) {
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
  }

}

// ------------------------------------------------------------------- client

/**
 * Loads a fresh copy of the official client. Each copy has its own
 * dotnetify.react.viewModels table, hub and socket, so several copies act as
 * independent browser tabs.
 */
function loadDotnetify() {
  global.window = global;
  global.WebSocket = require('ws');
  if (global.dotnetify) delete global.dotnetify; // would make every copy share one controller
  for (const k of Object.keys(require.cache)) {
    if (k.startsWith(DOTNETIFY_DIR)) delete require.cache[k];
  }
  const dn = require(DOTNETIFY_MAIN).default;
  return dn;
}

let clientSeq = 0;

const SIGNALR_METHODS = { request_vm: 'request_vm', update_vm: 'update_vm', dispose_vm: 'dispose_vm' };
const RS = '\x1e'; // SignalR's record separator

/**
 * One official dotnetify client (a "browser tab") with its own hub: the
 * WebSocket hub (createWebSocketHub), or, when the server is in SignalR mode
 * (E2E_VIA=signalr), dotnetify's default SignalR hub configured only with
 * dotnetify.hubServerUrl. It records every raw frame in and out of its
 * sockets.
 */
class Client {
  constructor(server, name) {
    this.server = server;
    this.name = name || `client${++clientSeq}`;
    this.signalr = server.transport === 'signalr';
    /** dotNetify messages: {dir:'in'|'out', t, socket, raw, msg, data} (+ wire for SignalR) */
    this.frames = [];
    /** SignalR only: the other records (handshake, completions, pings, close) */
    this.records = [];
    /** SignalR only: hub invocations whose promise rejected */
    this.invokeErrors = [];
    /** SignalR only: the HubConnections (one per (re)start) and their log */
    this.connections = [];
    this.signalrLog = [];
    this.connStates = [];
    this.sockets = [];
    this.vms = {};
    this.consoleErrors = [];
    if (this.signalr) global.self = global; // @microsoft/signalr's fetch client binds to self
    this.dn = loadDotnetify();
    if (this.signalr) {
      this.hub = this.dn.hub; // the default hub: SignalR
      this._hookSignalR();
      this.dn.hubServerUrl = server.httpBase;
    } else {
      this.hub = this.dn.createWebSocketHub(server.hubUrl);
      this.dn.hub = this.hub;
    }
    this.dn.connectionStateHandler = (state, ex) => {
      this.connStates.push({ state, ex: ex && (ex.message || String(ex)), t: Date.now() });
    };
    if (this.signalr) return;
    const hub = this.hub;
    const origStart = hub.startHub.bind(hub);
    hub.startHub = (...args) => {
      const before = hub._socket;
      try {
        return origStart(...args);
      } finally {
        if (hub._socket && hub._socket !== before) this._instrument(hub._socket);
      }
    };
  }

  /**
   * SignalR: dotnetify's hub assigns hub._connection a new HubConnection on
   * every (re)start, synchronously after build() and before start() opens
   * anything. The setter below instruments each one (nothing the client is
   * configured with changes):
   * - its HttpConnection's send(data) and onreceive(data) record the records
   *   going to and coming from the transport. send is where a hub invocation
   *   leaves the HubConnection, synchronously inside invoke(), so a test can
   *   look for it right after $dispatch/$destroy as with the WebSocket hub
   *   (the transport writes it to the socket a moment later, possibly with
   *   other records in one WebSocket message);
   * - the WebSocket class it will use becomes a subclass that registers each
   *   socket in `sockets`;
   * - invoke() gets a catch: dotnetify drops the promise, so a rejection
   *   (e.g. an invocation cancelled by a closing connection) is recorded in
   *   invokeErrors instead of becoming an unhandled rejection;
   * - its logger prints warnings and errors only (like the native run).
   */
  _hookSignalR() {
    const hub = this.hub;
    let current = null;
    Object.defineProperty(hub, '_connection', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (conn) => {
        current = conn;
        if (conn && !conn.__e2e) this._instrumentConnection(conn);
      },
    });
  }

  _instrumentConnection(conn) {
    conn.__e2e = true;
    const client = this;
    const n = this.connections.length; // frames' `socket`: the connection's index
    this.connections.push(conn);
    const http = conn.connection;
    const opts = http.options;
    const Base = (opts && opts.WebSocket) || global.WebSocket;
    if (opts) {
      opts.WebSocket = class extends Base {
        constructor(...args) {
          super(...args);
          client.sockets.push(this);
        }
      };
    }
    const send = http.send.bind(http);
    http.send = (data) => {
      if (http.connectionState === 'Connected') this._recordSignalR('out', n, data);
      return send(data);
    };
    const onreceive = http.onreceive;
    http.onreceive = (data) => {
      this._recordSignalR('in', n, data);
      return onreceive(data);
    };
    for (const logger of new Set([conn.logger, http.logger])) {
      if (!logger || typeof logger.log !== 'function') continue;
      const log = logger.log.bind(logger);
      logger.log = (level, message) => {
        this.signalrLog.push(`${level}: ${message}`);
        if (this.signalrLog.length > 50) this.signalrLog.shift();
        if (level >= 3) log(level, message); // Warning and above
      };
    }
    const invoke = conn.invoke.bind(conn);
    conn.invoke = (method, ...args) => {
      const p = invoke(method, ...args);
      p.catch((e) => this.invokeErrors.push({ method, vmId: args[0], error: String((e && e.message) || e), t: Date.now() }));
      return p;
    };
  }

  /** The socket in use (the WebSocket hub's, or the one SignalR opened). */
  get socket() {
    if (!this.signalr) return this.hub._socket;
    const conn = this.hub._connection;
    const t = conn && conn.connection && conn.connection.transport;
    return (t && t.webSocket) || this.sockets[this.sockets.length - 1] || null;
  }

  _instrument(sock) {
    const n = this.sockets.length;
    this.sockets.push(sock);
    const origSend = sock.send.bind(sock);
    sock.send = (raw, ...rest) => {
      this._record('out', n, raw);
      return origSend(raw, ...rest);
    };
    sock.addEventListener('message', (ev) => this._record('in', n, ev.data));
  }

  /**
   * SignalR: data to or from the transport holds one or more records ended
   * by 0x1E. Each hub invocation of a dotNetify method becomes a frame in the native
   * shape, so the suite's assertions read the same in every mode:
   *   out Request_VM(vmId, vmArgs)  → {callType:'request_vm', vmId, vmArgs: JSON text of vmArgs}
   *   out Update_VM(vmId, value)    → {callType:'update_vm', vmId, value: JSON text of value}
   *   out Dispose_VM(vmId)          → {callType:'dispose_vm', vmId}
   *   in  Response_VM([vmId, data]) → {callType:'response_vm', vmId, data} (data as sent: a string)
   * `raw` is that native-shape JSON, `wire` the record as it was on the
   * wire. An invocation of anything else (in or out) is kept as a frame
   * with its record as msg, so it shows up in assertions on frames. The
   * handshake, completions, pings and close messages go to `records`.
   */
  _recordSignalR(dir, socket, data) {
    const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
    for (const rec of text.split(RS)) {
      if (rec === '') continue;
      const t = Date.now();
      let m;
      try {
        m = JSON.parse(rec);
      } catch {
        this.frames.push({ dir, socket, t, raw: rec, wire: rec });
        continue;
      }
      if (!m || m.type !== 1) {
        this.records.push({ dir, socket, t, wire: rec, msg: m });
        continue;
      }
      const args = Array.isArray(m.arguments) ? m.arguments : [];
      const call = SIGNALR_METHODS[String(m.target).toLowerCase()];
      let msg;
      if (dir === 'in' && String(m.target).toLowerCase() === 'response_vm') {
        const [vmId, vmData] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
        msg = { callType: 'response_vm', vmId, data: vmData };
      } else if (dir === 'out' && call === 'request_vm') {
        msg = { callType: call, vmId: args[0], vmArgs: args.length > 1 ? JSON.stringify(args[1]) : undefined };
      } else if (dir === 'out' && call === 'update_vm') {
        msg = { callType: call, vmId: args[0], value: JSON.stringify(args[1]) };
      } else if (dir === 'out' && call === 'dispose_vm') {
        msg = { callType: call, vmId: args[0] };
      }
      if (!msg) {
        this.frames.push({ dir, socket, t, raw: rec, wire: rec, msg: m });
        continue;
      }
      const f = { dir, socket, t, raw: JSON.stringify(msg), wire: rec, msg, invocationId: m.invocationId };
      const inner = dir === 'in' ? msg.data : msg.value !== undefined ? msg.value : msg.vmArgs;
      if (typeof inner === 'string') {
        try {
          f.data = JSON.parse(inner);
        } catch {
          /* kept raw */
        }
      }
      this.frames.push(f);
    }
  }

  _record(dir, socket, raw) {
    const f = { dir, socket, t: Date.now(), raw: typeof raw === 'string' ? raw : String(raw) };
    try {
      f.msg = JSON.parse(f.raw);
      const inner = dir === 'in' ? f.msg.data : f.msg.value !== undefined ? f.msg.value : f.msg.vmArgs;
      if (typeof inner === 'string') f.data = JSON.parse(inner);
    } catch {
      /* kept raw */
    }
    this.frames.push(f);
  }

  /**
   * Connects a VM. Returns a VM handle holding the state the official
   * client keeps (it owns getState/setState).
   */
  connect(vmId, options = {}) {
    const h = new VMHandle(this, vmId);
    const opts = {
      ...options,
      getState: () => h.state,
      setState: (s) => h._setState(s),
      exceptionHandler: (ex) => {
        h.exceptions.push(ex);
        if (options.exceptionHandler) options.exceptionHandler(ex);
      },
    };
    h.vm = this.dn.connect(vmId, opts);
    this.vms[vmId] = h;
    return h;
  }

  /** Frames received (response_vm) for vmId, optionally from index `from`. */
  received(vmId, from = 0) {
    return this.frames.slice(from).filter((f) => f.dir === 'in' && f.msg && f.msg.vmId === vmId);
  }

  sent(vmId, from = 0) {
    return this.frames.slice(from).filter((f) => f.dir === 'out' && f.msg && f.msg.vmId === vmId);
  }

  mark() {
    return this.frames.length;
  }

  describe(vmId) {
    const lines = [`  client ${this.name} (${this.signalr ? 'SignalR ' : ''}hub ${this.server.hubUrl}), connection states: ${short(this.connStates.map((s) => s.state))}`];
    if (this.signalr) {
      const recs = this.records.filter((r) => !(r.msg && r.msg.type === 6)).slice(-8);
      if (recs.length) lines.push(`  last SignalR records other than invocations and pings: ${recs.map((r) => `${r.dir === 'in' ? '<-' : '->'} ${short(r.wire, 200)}`).join(' | ')}`);
      if (this.invokeErrors.length) lines.push(`  rejected invocations: ${short(this.invokeErrors.slice(-8))}`);
      if (this.signalrLog.length) lines.push(`  last @microsoft/signalr log lines: ${short(this.signalrLog.slice(-6), 1200)}`);
    }
    if (vmId && this.vms[vmId]) {
      const h = this.vms[vmId];
      lines.push(`  ${vmId} state: ${short(h.state)}`);
      if (h.exceptions.length) lines.push(`  ${vmId} exceptions: ${short(h.exceptions)}`);
    }
    const recent = this.frames.slice(-15);
    lines.push(`  last ${recent.length} of ${this.frames.length} frames:`);
    for (const f of recent) lines.push(`    [sock${f.socket}] ${f.dir === 'in' ? '<-' : '->'} ${short(f.raw, 400)}`);
    return lines.join('\n');
  }

  waitFor(predicate, what, timeout = 3000, vmId) {
    return waitFor(predicate, { timeout, what: `[${this.name}] ${what}`, describe: () => this.describe(vmId) });
  }

  async waitConnected(timeout = 3000) {
    await this.waitFor(() => this.hub.isConnected, 'hub connected', timeout);
  }

  /** Closes the client: no reconnect; resolves when the socket has closed. */
  async close() {
    const hub = this.hub;
    if (this.signalr) {
      // dotnetify's SignalR hub treats reconnectRetry 0 as "no limit": turn
      // its reconnect off, and any restart a pending reconnect timer makes.
      hub.reconnect = () => {};
      hub.startHub = () => {};
      for (const id of Object.keys(this.vms)) delete this.dn.react.viewModels[id];
      const conn = hub._connection;
      if (conn) await conn.stop().catch(() => {});
      return;
    }
    hub.reconnectRetry = 0;
    if (hub._reconnectTimeout) clearTimeout(hub._reconnectTimeout);
    const sock = hub._socket;
    for (const id of Object.keys(this.vms)) delete this.dn.react.viewModels[id];
    if (sock && sock.readyState !== sock.CLOSED) {
      await new Promise((resolve) => {
        const t = setTimeout(() => {
          try {
            sock.terminate();
          } catch {
            /* already gone */
          }
          resolve();
        }, 2000);
        sock.addEventListener('close', () => {
          clearTimeout(t);
          resolve();
        });
        if (sock.readyState === sock.CONNECTING) {
          sock.addEventListener('open', () => sock.close(1000));
        } else {
          sock.close(1000);
        }
      });
    }
  }
}

class VMHandle {
  constructor(client, vmId) {
    this.client = client;
    this.vmId = vmId;
    this.state = {};
    this.stateHistory = [];
    this.exceptions = [];
    this.vm = null;
  }

  // dotnetify calls setState with the whole merged state, but also with a
  // partial one ($addList etc. pass just {List: items}): merge like React.
  _setState(s) {
    this.state = { ...this.state, ...s };
    this.stateHistory.push(s);
  }

  received(from = 0) {
    return this.client.received(this.vmId, from);
  }

  dispatch(value) {
    this.vm.$dispatch(value);
  }

  /**
   * Like the React views' dispatchState: set the value locally, then
   * $dispatch it (the server does not echo what the client sent).
   */
  dispatchState(value) {
    this._setState(value);
    this.vm.$dispatch(value);
  }

  destroy() {
    this.vm.$destroy();
  }

  /** Waits for pred(state) to hold; returns the state. */
  async waitState(pred, what, timeout = 3000) {
    await this.client.waitFor(() => pred(this.state), `${this.vmId}: ${what}`, timeout, this.vmId);
    return this.state;
  }

  /** Waits for the first response (initial state). */
  async loaded(timeout = 3000) {
    await this.client.waitFor(
      () => this.received().length > 0 && this.stateHistory.length > 0,
      `${this.vmId}: initial state`,
      timeout,
      this.vmId
    );
    return this.state;
  }

  /** Waits for a received frame after `from` whose data satisfies pred. */
  async waitFrame(pred, what, from = 0, timeout = 3000) {
    let found;
    await this.client.waitFor(
      () => (found = this.received(from).find((f) => f.data && pred(f.data))),
      `${this.vmId}: frame ${what}`,
      timeout,
      this.vmId
    );
    return found;
  }
}

// -------------------------------------------------------------- test wiring

/**
 * Sets up a server for a test file (node:test `before`/`after`) and tracks
 * clients so each test closes its own. Usage:
 *
 *   const env = useServer();
 *   test('x', async (t) => { const a = env.client(t, 'A'); ... });
 */
function useServer() {
  const nodeTest = require('node:test');
  const env = {
    server: new Server(),
    /** A new client, closed when test t ends. */
    client(t, name) {
      const c = new Client(env.server, name);
      t.after(() => c.close());
      return c;
    },
    /** node:test `test` (opts: timeout, todo, skip), with the server log of the test added to failures. */
    test(name, fn, opts = {}) {
      nodeTest.test(name, { timeout: 15000, ...opts }, async (t) => {
        const logStart = env.server.log().length;
        try {
          await fn(t);
        } catch (e) {
          if (!env.server.external && e && typeof e === 'object') {
            let log = env.server.log().slice(logStart);
            if (log.length > 3000) log = '…' + log.slice(-3000);
            const extra = `\n--- gonetify log during this test ---\n${log.trim() || '(nothing logged)'}\n---`;
            try {
              if (typeof e.stack === 'string') e.stack = e.stack.replace(/\n|$/, extra + '\n');
              else e.message += extra;
            } catch {
              /* read-only */
            }
          }
          throw e;
        }
      });
    },
  };
  nodeTest.before(async () => {
    await env.server.start();
  });
  nodeTest.after(async () => {
    await env.server.stop();
  });
  return env;
}

/**
 * A round trip on a probe VM of the same connection: frames the server
 * queued before it have been received when this resolves.
 */
async function barrier(client) {
  const id = 'ControlTypesVM';
  let h = client.vms[id];
  if (!h || !client.dn.react.viewModels[id]) {
    h = client.connect(id);
    await h.loaded();
  }
  const n = (h.state.ClickCount || 0) + 1;
  const from = client.mark();
  h.dispatch({ ButtonClicked: true });
  await h.waitFrame((d) => d.ClickCount === n, `barrier ClickCount=${n}`, from);
}

module.exports = { Server, Client, VMHandle, waitFor, sleep, short, useServer, barrier, loadDotnetify, serverBinary, freePort, REPO_ROOT, VIA, skipVia, todoVia, sentinelMaster, sentinelFailover, sentinelSwitched };
