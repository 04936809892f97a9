'use strict';
// The API Gateway topologies of the e2e tests that run servers of their
// own: `gonetify gateway` (ordered delivery) in front of one `gonetify serve
// --redis` (resiliency, durability, Redis outage), or of several `--cluster`
// servers on one Redis behind a round-robin balancer with no stickiness
// (scale-out, presence).
const http = require('node:http');
const { Server, serverBinary, freePort } = require('./harness');

/**
 * Starts the topology. opts: { name (for credentials), redisURL, servers
 * (default 2; with 1, no --cluster and no balancer: the gateway calls the
 * app server itself), extraArgs (more `serve` flags) }. Returns { apps:
 * [{addr, args, server}], gw (a Server whose hubUrl clients use), served
 * (integration calls per app server through the balancer), secret,
 * restart(app, prefix) (starts app again on its address, after a kill;
 * returns its new Server), stop() }. A killed app server that is not
 * restarted should be removed from apps: the balancer then skips it.
 */
async function startCluster(opts) {
  const { name, redisURL, servers = 2, extraArgs = [] } = opts;
  const clustered = servers > 1;
  const keyID = `AKID${name.toUpperCase()}`;
  const keySecret = `${name}-secret`;
  const secret = `${name}-integration-secret`;
  const env = { ...process.env, AWS_ACCESS_KEY_ID: keyID, AWS_SECRET_ACCESS_KEY: keySecret, AWS_REGION: 'us-east-1' };
  const apps = [];
  const served = {};
  const gw = new Server();
  const gwAddr = `127.0.0.1:${await freePort()}`;
  const lbPort = clustered ? await freePort() : 0;
  const spawnApp = async (a, prefix) => {
    const server = new Server();
    server.spawn(serverBinary(), a.args, env, prefix);
    await server.waitHTTP(`http://${a.addr}/healthz`, (c) => c === 200, serverBinary(), a.args);
    a.server = server;
    return server;
  };
  for (let i = 0; i < servers; i++) {
    const addr = `127.0.0.1:${await freePort()}`;
    const args = ['serve', '--addr', addr, '--redis', redisURL, ...(clustered ? ['--cluster'] : []),
      '--connection-url', `http://${gwAddr}/prod/@connections`, '--integration-secret', secret, ...extraArgs];
    const a = { addr, args };
    await spawnApp(a, clustered ? `[app${i}] ` : '[app] ');
    apps.push(a);
  }
  const balancer = clustered ? await startBalancer(apps, served, lbPort) : null;
  const appURL = clustered ? `http://127.0.0.1:${lbPort}` : `http://${apps[0].addr}`;
  const gargs = ['gateway', '--addr', gwAddr, '--stage', 'prod', '--ordered-delivery', '--param', `AppServerUrl=${appURL}`,
    '--param', `IntegrationSecret=${secret}`, '--credentials', `${keyID}:${keySecret}`];
  gw.spawn(serverBinary(), gargs, env, '[gateway] ');
  await gw.waitHTTP(`http://${gwAddr}/prod`, (c) => c === 426, serverBinary(), gargs);
  gw.hubUrl = `ws://${gwAddr}/prod`;
  return {
    apps,
    gw,
    served,
    secret,
    restart: spawnApp,
    async stop() {
      await gw.stop();
      for (const a of apps) await a.server.stop();
      if (balancer) await new Promise((r) => balancer.close(r));
    },
  };
}

/** A round-robin HTTP balancer over apps with no stickiness; a backend that
 *  refuses a connection is skipped for a second and the request goes to
 *  another, as a health-checked balancer does. */
function startBalancer(apps, served, port) {
  let next = 0;
  const down = new Map(); // addr -> time until which it is skipped
  const pick = () => {
    for (let i = 0; i < apps.length; i++) {
      const a = apps[next++ % apps.length];
      if (!(down.get(a.addr) > Date.now())) return a;
    }
    return apps[next++ % apps.length];
  };
  const forward = (req, body, res, tries) => {
    const target = pick();
    const [host, p] = target.addr.split(':');
    const out = http.request({ host, port: p, method: req.method, path: req.url, headers: req.headers }, (r) => {
      served[target.addr] = (served[target.addr] || 0) + 1;
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    out.on('error', () => {
      down.set(target.addr, Date.now() + 1000);
      if (tries > 1) forward(req, body, res, tries - 1);
      else {
        res.writeHead(502);
        res.end();
      }
    });
    out.end(body);
  };
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, apps.length + 1));
  });
  return new Promise((r) => srv.listen(port, '127.0.0.1', () => r(srv)));
}

/**
 * Starts n `gonetify serve --redis redisURL --cluster` servers of their own
 * (direct mode: no gateway, no balancer). Each Server gets addr and hubUrl
 * (its direct WebSocket hub).
 */
async function startDirectCluster(redisURL, n = 2) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const addr = `127.0.0.1:${await freePort()}`;
    const args = ['serve', '--addr', addr, '--redis', redisURL, '--cluster'];
    const server = new Server();
    server.spawn(serverBinary(), args, process.env, `[app${i}] `);
    await server.waitHTTP(`http://${addr}/healthz`, (c) => c === 200, serverBinary(), args);
    server.addr = addr;
    server.hubUrl = `ws://${addr}/ws`;
    servers.push(server);
  }
  return servers;
}

/** The value of a Prometheus gauge or counter of an app server's /metrics
 *  (the first series named name whose labels include labels), or 0. */
async function metric(addr, name, labels) {
  const text = await (await fetch(`http://${addr}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + '{') && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** An access token from an app server's demo POST /token. */
async function accessToken(addr, username) {
  const res = await fetch(`http://${addr}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: 'dotnetify', grant_type: 'password', client_id: 'dotnetifydemo' }).toString(),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`POST /token for ${username}: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

module.exports = { startCluster, startDirectCluster, metric, accessToken };
