'use strict';
// Several `gonetify serve --cluster` app servers on one Redis, behind a
// round-robin HTTP balancer with no stickiness, with `gonetify gateway`
// (ordered delivery) in front: the scale-out topology of the e2e tests.
const http = require('node:http');
const { Server, serverBinary, freePort } = require('./harness');

/**
 * Starts the topology. opts: { name (for credentials and log prefixes),
 * redisURL, servers (default 2), extraArgs (more `serve` flags) }.
 * Returns { apps: [{addr, server}], gw (a Server whose hubUrl clients use),
 * served (integration calls per app server), secret, stop() }. A killed
 * app server should be removed from apps: the balancer then skips it.
 */
async function startCluster(opts) {
  const { name, redisURL, servers = 2, extraArgs = [] } = opts;
  const keyID = `AKID${name.toUpperCase()}`;
  const keySecret = `${name}-secret`;
  const secret = `${name}-integration-secret`;
  const env = { ...process.env, AWS_ACCESS_KEY_ID: keyID, AWS_SECRET_ACCESS_KEY: keySecret, AWS_REGION: 'us-east-1' };
  const apps = [];
  const served = {};
  const gw = new Server();
  const gwAddr = `127.0.0.1:${await freePort()}`;
  const lbPort = await freePort();
  for (let i = 0; i < servers; i++) {
    const addr = `127.0.0.1:${await freePort()}`;
    const args = ['serve', '--addr', addr, '--redis', redisURL, '--cluster', '--connection-url', `http://${gwAddr}/prod/@connections`,
      '--integration-secret', secret, ...extraArgs];
    const server = new Server();
    server.spawn(serverBinary(), args, env, `[app${i}] `);
    await server.waitHTTP(`http://${addr}/healthz`, (c) => c === 200, serverBinary(), args);
    apps.push({ addr, server });
  }
  const balancer = await startBalancer(apps, served, lbPort);
  const gargs = ['gateway', '--addr', gwAddr, '--stage', 'prod', '--ordered-delivery', '--param', `AppServerUrl=http://127.0.0.1:${lbPort}`,
    '--param', `IntegrationSecret=${secret}`, '--credentials', `${keyID}:${keySecret}`];
  gw.spawn(serverBinary(), gargs, env, '[gateway] ');
  await gw.waitHTTP(`http://${gwAddr}/prod`, (c) => c === 426, serverBinary(), gargs);
  gw.hubUrl = `ws://${gwAddr}/prod`;
  return {
    apps,
    gw,
    served,
    secret,
    async stop() {
      await gw.stop();
      for (const a of apps) await a.server.stop();
      await new Promise((r) => balancer.close(r));
    },
  };
}

/** A round-robin HTTP balancer over apps with no stickiness; a backend that
 *  refuses the connection is skipped, as a health-checked balancer would. */
function startBalancer(apps, served, port) {
  let next = 0;
  const forward = (req, body, res, tries) => {
    const target = apps[next++ % apps.length];
    const [host, p] = target.addr.split(':');
    const out = http.request({ host, port: p, method: req.method, path: req.url, headers: req.headers }, (r) => {
      served[target.addr] = (served[target.addr] || 0) + 1;
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    out.on('error', () => (tries > 1 ? forward(req, body, res, tries - 1) : (res.writeHead(502), res.end())));
    out.end(body);
  };
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, apps.length));
  });
  return new Promise((r) => srv.listen(port, '127.0.0.1', () => r(srv)));
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

module.exports = { startCluster, accessToken };
