'use strict';
// The README's "Deploy behind Amazon API Gateway" section, command by
// command, against the emulator: its ```sh blocks run as written in one
// bash session, with only these replacements —
//   - `aws` is lib/fake-aws.js (CloudFormation deploy starts `gonetify
//     gateway` on the template; describe-stacks, iam create-access-key and
//     ssm answer like AWS; any command it does not know fails the test);
//   - https://app.example.com and its certificate files become a local
//     address and a freshly made self-signed certificate (which the
//     emulator is told to trust, as AWS trusts a public CA);
//   - `gonetify serve` runs in the background (it would hold the shell).
// It ends with the official client connected to the URL step 3 printed.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { Client, waitFor, serverBinary, freePort, REPO_ROOT, VIA } = require('../lib/harness');

const skip = VIA !== '' ? 'runs once, in the default mode' : process.env.E2E_HUB_URL ? 'starts its own servers' : false;

/** The ```sh blocks of the deploy section, in order. */
function deployBlocks() {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Deploy behind Amazon API Gateway');
  const end = readme.indexOf('\n### ', start);
  assert.ok(start >= 0 && end > start, 'README has the deploy section');
  const blocks = [];
  const re = /^([ \t]*)```sh\n([\s\S]*?)^\1```/gm;
  const section = readme.slice(start, end);
  let m;
  while ((m = re.exec(section))) {
    const indent = m[1];
    blocks.push(m[2].split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n'));
  }
  return blocks;
}

test('README deploy section, command by command, ends with the official client connected', { skip, timeout: 60000 }, async (t) => {
  const blocks = deployBlocks();
  assert.ok(blocks.length >= 5, `found ${blocks.length} sh blocks`);
  const all = blocks.join('\n');
  for (const cmd of ['openssl rand', 'aws ssm put-parameter', 'aws cloudformation deploy', 'aws cloudformation describe-stacks', 'aws iam create-access-key', 'gonetify serve', '--integration-secret', '--tls-cert']) {
    assert.ok(all.includes(cmd), `the deploy section runs ${cmd}`);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gonetify-deploy-'));
  const shim = path.join(dir, 'bin');
  fs.mkdirSync(shim);
  fs.writeFileSync(path.join(shim, 'aws'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(__dirname, '..', 'lib', 'fake-aws.js')}" "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(shim, 'gonetify'), `#!/bin/sh\nexec "${serverBinary()}" "$@"\n`, { mode: 0o755 });
  const cert = path.join(dir, 'fullchain.pem');
  const key = path.join(dir, 'privkey.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const appPort = await freePort();
  const gwPort = await freePort();

  let script = blocks.join('\n');
  script = script
    .replaceAll('https://app.example.com', `https://127.0.0.1:${appPort}`)
    .replaceAll('/etc/ssl/app.example.com/fullchain.pem', cert)
    .replaceAll('/etc/ssl/app.example.com/privkey.pem', key)
    .replaceAll('0.0.0.0:443', `127.0.0.1:${appPort}`);
  // `gonetify serve …` (with its continuation lines) goes to the background.
  script = script.replace(/^gonetify serve(?:.*\\\n)*.*$/m, (cmd) => `${cmd} >"$FAKE_AWS_STATE/serve.log" 2>&1 &\necho $! >"$FAKE_AWS_STATE/serve.pid"`);
  script = `set -euo pipefail\n${script}\necho "WS_URL=$WS_URL"\n`;
  fs.writeFileSync(path.join(dir, 'deploy.sh'), script);

  const env = {
    PATH: `${shim}:${process.env.PATH}`,
    HOME: dir, // no ~/.aws of the machine running the test
    FAKE_AWS_STATE: dir,
    FAKE_AWS_GATEWAY_PORT: String(gwPort),
    FAKE_AWS_INTEGRATION_CA: cert,
    GONETIFY_BIN: serverBinary(),
    // Both sides take the region from the SDK chain, not from a flag.
    AWS_DEFAULT_REGION: 'eu-west-3',
  };
  const logs = () => ['gateway.log', 'serve.log'].map((f) => {
    const p = path.join(dir, f);
    return `--- ${f}\n${fs.existsSync(p) ? fs.readFileSync(p, 'utf8').slice(-3000) : '(none)'}`;
  }).join('\n');
  t.after(() => {
    for (const f of ['serve.pid']) {
      try { process.kill(Number(fs.readFileSync(path.join(dir, f), 'utf8')), 'SIGTERM'); } catch { /* gone */ }
    }
    try {
      const st = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
      process.kill(st.gatewayPid, 'SIGTERM');
    } catch { /* gone */ }
  });

  const out = await new Promise((resolve, reject) => {
    const p = spawn('bash', [path.join(dir, 'deploy.sh')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let so = '';
    let se = '';
    p.stdout.on('data', (d) => (so += d));
    p.stderr.on('data', (d) => (se += d));
    p.on('close', (code) => (code === 0 ? resolve(so) : reject(new Error(`deploy script exited ${code}\n${so}\n${se}\n${logs()}`))));
  });
  const wsUrl = /WS_URL=(\S+)/.exec(out)[1];
  assert.equal(wsUrl, `ws://127.0.0.1:${gwPort}/prod`);
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  assert.equal(Object.keys(state.keys).length, 1, 'one access key created');
  assert.match(state.ssm['/myapp/gonetify/integration-secret'], /^[0-9a-f]{48}$/, 'the secret is stored');
  assert.equal(state.params.IntegrationSecret, state.ssm['/myapp/gonetify/integration-secret'], 'the stack got the stored secret');

  // The server is up over TLS once its log says so.
  await waitFor(() => /gonetify serving/.test(fs.readFileSync(path.join(dir, 'serve.log'), 'utf8')), { timeout: 10000, what: `gonetify serve to start\n${logs()}` });

  const c = new Client({ hubUrl: wsUrl }, 'deploy');
  t.after(() => c.close());
  const h = c.connect('HelloWorldVM');
  let s;
  try {
    s = await h.loaded();
  } catch (e) {
    throw new Error(`${e.message}\n${logs()}`);
  }
  assert.equal(s.FullName, 'Hello World');
  h.dispatch({ FirstName: 'Deployed' });
  await h.waitState((st) => st.FullName === 'Deployed World', 'the push signed with the created access key arrives', 5000);
  const serveLog = fs.readFileSync(path.join(dir, 'serve.log'), 'utf8');
  assert.match(serveLog, /aws_region=eu-west-3/, 'the server signs for the SDK chain\'s region');
  assert.doesNotMatch(serveLog, /accept calls from anyone|pushes to the gateway will fail/, 'no secret or credentials warning');
  assert.match(fs.readFileSync(path.join(dir, 'gateway.log'), 'utf8'), /region=eu-west-3/, 'the emulator follows AWS_DEFAULT_REGION');
});
