#!/usr/bin/env node
'use strict';
// A stand-in for the AWS CLI, for deploy-readme.test.js: it answers the
// commands of the README's "Deploy behind Amazon API Gateway" section with
// their local equivalents, keeping its state in $FAKE_AWS_STATE:
//
//   cloudformation deploy         starts `gonetify gateway` (the emulator)
//                                 on the template and parameters given
//   cloudformation describe-stacks --query "…OutputKey=='X'…"
//                                 prints the emulator's stage URLs and the
//                                 template's outputs
//   iam create-access-key         mints a key pair and restarts the
//                                 emulator accepting it (as IAM would)
//   ssm put-parameter / get-parameter
//                                 a local parameter store
//
// Anything else fails with exit code 2, so the README cannot use a command
// the test does not cover.
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');

const STATE = process.env.FAKE_AWS_STATE;
const BIN = process.env.GONETIFY_BIN;
if (!STATE || !BIN) {
  console.error('fake aws: FAKE_AWS_STATE and GONETIFY_BIN must be set');
  process.exit(2);
}
const stateFile = path.join(STATE, 'state.json');
const load = () => (fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : { ssm: {}, keys: {} });
const save = (s) => fs.writeFileSync(stateFile, JSON.stringify(s, null, 2));

function usage(msg) {
  console.error(`fake aws: ${msg} (args: ${process.argv.slice(2).join(' ')})`);
  process.exit(2);
}

/** Parses --flag value pairs; --parameter-overrides and --capabilities take the rest until the next flag. */
function flags(args) {
  const out = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) usage(`unexpected argument ${a}`);
    const name = a.slice(2);
    const vals = [];
    while (i + 1 < args.length && !args[i + 1].startsWith('--')) vals.push(args[++i]);
    out[name] = vals.length === 0 ? true : vals.length === 1 && name !== 'parameter-overrides' ? vals[0] : vals;
  }
  return out;
}

function waitUp(url, ms) {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      http.get(url, (res) => { res.resume(); resolve(); }).on('error', (e) => {
        if (Date.now() > end) reject(e);
        else setTimeout(tryOnce, 50);
      });
    };
    tryOnce();
  });
}

/** (Re)starts the emulator with the stack's template, parameters and keys. */
async function startGateway(s) {
  if (s.gatewayPid) {
    try { process.kill(s.gatewayPid, 'SIGTERM'); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  const creds = Object.entries(s.keys);
  // Before any access key exists the emulator still needs one to start:
  // an unguessable one nobody holds.
  if (creds.length === 0) creds.push(['AKIDNOBODY' + crypto.randomBytes(4).toString('hex').toUpperCase(), crypto.randomBytes(20).toString('hex')]);
  const args = ['gateway', '--template', s.template, '--addr', `127.0.0.1:${s.gatewayPort}`];
  for (const [k, v] of Object.entries(s.params)) args.push('--param', `${k}=${v}`);
  if (process.env.FAKE_AWS_INTEGRATION_CA) args.push('--integration-ca', process.env.FAKE_AWS_INTEGRATION_CA);
  for (const [id, secret] of creds) args.push('--credentials', `${id}:${secret}`);
  const log = fs.openSync(path.join(STATE, 'gateway.log'), 'a');
  const child = spawn(BIN, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
  child.unref();
  s.gatewayPid = child.pid;
  save(s);
  await waitUp(`http://127.0.0.1:${s.gatewayPort}/${s.stage}`, 10000);
}

async function main() {
  const [service, op, ...rest] = process.argv.slice(2);
  const f = flags(rest);
  const s = load();
  switch (`${service} ${op}`) {
    case 'ssm put-parameter':
      if (!f.name || typeof f.value !== 'string') usage('put-parameter needs --name and --value');
      if (f.type !== 'SecureString') usage('the secret belongs in a SecureString parameter');
      s.ssm[f.name] = f.value;
      save(s);
      console.log(JSON.stringify({ Version: 1, Tier: 'Standard' }));
      return;
    case 'ssm get-parameter':
      if (!(f.name in s.ssm)) { console.error(`An error occurred (ParameterNotFound) when calling the GetParameter operation: ${f.name}`); process.exit(254); }
      if (!f['with-decryption']) usage('a SecureString needs --with-decryption');
      if (f.query !== 'Parameter.Value' || f.output !== 'text') usage('expected --query Parameter.Value --output text');
      console.log(s.ssm[f.name]);
      return;
    case 'cloudformation deploy': {
      if (!f['stack-name'] || !f['template-file']) usage('deploy needs --stack-name and --template-file');
      const caps = [].concat(f.capabilities || []);
      if (!caps.includes('CAPABILITY_IAM') && !caps.includes('CAPABILITY_NAMED_IAM')) {
        console.error('An error occurred (InsufficientCapabilitiesException): Requires capabilities : [CAPABILITY_IAM]');
        process.exit(254);
      }
      s.stack = f['stack-name'];
      s.template = path.resolve(f['template-file']);
      s.params = {};
      for (const kv of [].concat(f['parameter-overrides'] || [])) {
        const i = kv.indexOf('=');
        if (i < 1) usage(`bad parameter override ${kv}`);
        s.params[kv.slice(0, i)] = kv.slice(i + 1);
      }
      s.stage = 'prod';
      s.gatewayPort = Number(process.env.FAKE_AWS_GATEWAY_PORT);
      s.userName = `${s.stack}-AppServerUser-${crypto.randomBytes(6).toString('hex').toUpperCase()}`;
      await startGateway(s);
      console.log(`\nWaiting for changeset to be created..\nWaiting for stack create/update to complete\nSuccessfully created/updated stack - ${s.stack}`);
      return;
    }
    case 'cloudformation describe-stacks': {
      if (f['stack-name'] !== s.stack) { console.error(`An error occurred (ValidationError): Stack with id ${f['stack-name']} does not exist`); process.exit(254); }
      const m = /OutputKey=='([A-Za-z]+)'/.exec(f.query || '');
      if (!m || f.output !== 'text') usage('expected --query "Stacks[0].Outputs[?OutputKey==\'X\'].OutputValue" --output text');
      const base = `127.0.0.1:${s.gatewayPort}/${s.stage}`;
      const outputs = { WebSocketURL: `ws://${base}`, ConnectionURL: `http://${base}/@connections`, AppServerUserName: s.userName };
      if (!(m[1] in outputs)) usage(`no output ${m[1]}`);
      console.log(outputs[m[1]]);
      return;
    }
    case 'iam create-access-key': {
      if (f['user-name'] !== s.userName) { console.error(`An error occurred (NoSuchEntity): The user with name ${f['user-name']} cannot be found.`); process.exit(254); }
      const id = 'AKIA' + crypto.randomBytes(8).toString('hex').toUpperCase().slice(0, 16);
      const secret = crypto.randomBytes(30).toString('base64').slice(0, 40);
      s.keys[id] = secret;
      save(s);
      await startGateway(s);
      if (f.query === 'AccessKey.[AccessKeyId,SecretAccessKey]' && f.output === 'text') console.log(`${id}\t${secret}`);
      else console.log(JSON.stringify({ AccessKey: { UserName: s.userName, AccessKeyId: id, Status: 'Active', SecretAccessKey: secret } }, null, 4));
      return;
    }
  }
  usage('command not emulated');
}

main().catch((e) => { console.error(`fake aws: ${e.stack || e}`); process.exit(2); });
