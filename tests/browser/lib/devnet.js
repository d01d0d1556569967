// Real sharemsgd devnet daemons for the browser tests: start, stop, HTTP, keys. Every daemon
// started here is stopped by stopAll() (the suite's after hook) and, failing that, killed when
// this process exits, so no test leaves a server behind.
import {spawn, spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILD = path.resolve(process.env.SHAREMSG_BUILD || path.join(ROOT, 'build'));
export const SHAREMSGD = path.join(BUILD, 'sharemsgd');
export const SHAREMSG = path.join(BUILD, 'sharemsg');
export const ARTIFACTS = path.join(BUILD, 'browser-artifacts');

const running = new Set();

function killAll() {
  for (const d of running) {
    try { d.child.kill('SIGKILL'); } catch (e) { /* already gone */ }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A port for a daemon, below the kernel's ephemeral range so that no outgoing connection can
// be given it before the daemon binds it; each port is handed out once per run.
const portRange = (() => {
  let low = 32768;
  try {
    low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch (e) { /* not Linux: keep the default */ }
  const first = 10000;
  return {first, span: Math.max(low - first, 2000)};
})();
let nextPort = (process.pid * 37) % portRange.span;

function bindable(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort() {
  for (let tries = 0; tries < portRange.span; ++tries) {
    const port = portRange.first + (nextPort++ % portRange.span);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${portRange.first}..${portRange.first + portRange.span - 1}`);
}

export async function waitFor(pred, {timeout = 30000, interval = 200, what = 'condition'} = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await pred();
      if (last) return last;
    } catch (e) { last = e; }
    await sleep(interval);
  }
  throw new Error('timed out after ' + timeout + ' ms waiting for ' + what +
                  (last instanceof Error ? ': ' + last.message : ''));
}

// HTTP to 127.0.0.1:port; resolves {status, json, text}, status 0 when nothing answers.
export async function http(port, method, urlPath, {body, token, timeout = 5000} = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  try {
    const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeout),
    });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch (e) { json = undefined; }
    return {status: res.status, json, text};
  } catch (e) {
    return {status: 0, json: undefined, text: String(e)};
  }
}

let helpText;
// Whether this sharemsgd knows a flag (the API grows while these tests are written).
export function daemonHasFlag(flag) {
  if (helpText === undefined) {
    const r = spawnSync(SHAREMSGD, ['--help'], {encoding: 'utf8'});
    helpText = (r.stdout || '') + (r.stderr || '');
  }
  return new RegExp('(^|\\s)' + flag.replace(/[-]/g, '\\-') + '(\\s|,|=|$)', 'm').test(helpText);
}

export function tmpDir(name) {
  const base = path.join(BUILD, 'browser-tmp');
  fs.mkdirSync(base, {recursive: true});
  return fs.mkdtempSync(path.join(base, name + '-'));
}

export class Daemon {
  // `net`: devnet (the default), or a live network's name (litecoin_testnet: a follower).
  constructor(name, {net = 'devnet'} = {}) {
    this.name = name;
    this.net = net;
    this.datadir = tmpDir(name);
    this.child = null;
    this.p2pPort = 0;
    this.webPort = 0;
    this.gossipPort = 0;
    this.args = [];
  }

  async ports() {
    if (!this.p2pPort) this.p2pPort = await freePort();
    if (!this.webPort) this.webPort = await freePort();
    if (!this.gossipPort) this.gossipPort = await freePort();
    return this;
  }

  get url() { return `http://127.0.0.1:${this.webPort}`; }
  get logPath() { return path.join(this.datadir, 'sharemsgd.log'); }

  // Starts with the devnet flags the C++ integration tests use (or --net NAME), plus `extra`;
  // resolves once /health answers. Keeps the arguments for restart().
  async start(extra = this.args) {
    await this.ports();
    this.args = extra;
    const net = this.net === 'devnet' ? ['--devnet'] : ['--net', this.net];
    const args = [...net, '--datadir', this.datadir, '--p2p-port', String(this.p2pPort),
                  '--web-port', String(this.webPort), '--gossip-port', String(this.gossipPort),
                  '--log-level', 'debug', ...extra];
    const log = fs.openSync(this.logPath, 'a');
    this.child = spawn(SHAREMSGD, args, {stdio: ['ignore', log, log]});
    fs.closeSync(log);
    const child = this.child;
    running.add(this);
    child.on('exit', () => running.delete(this));
    let exited = false;
    child.on('exit', () => { exited = true; });
    await waitFor(async () => {
      if (exited) throw new Error(`${this.name} exited at start; log:\n${this.tail()}`);
      return (await http(this.webPort, 'GET', '/health', {timeout: 1000})).status === 200;
    }, {timeout: 30000, what: `${this.name} /health`});
    return this;
  }

  restart() { return this.start(this.args); }

  alive() { return !!this.child && this.child.exitCode === null && this.child.signalCode === null; }

  // SIGTERM, then SIGKILL after 10 s.
  async stop() {
    const child = this.child;
    if (!child || !this.alive()) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => { try { child.kill('SIGKILL'); } catch (e) { /* gone */ } }, 10000);
    await gone;
    clearTimeout(timer);
    running.delete(this);
  }

  cookie() {
    return fs.readFileSync(path.join(this.datadir, '.cookie'), 'utf8').trim();
  }

  get(urlPath) { return http(this.webPort, 'GET', urlPath); }

  tail(lines = 40) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch (e) { return '(no log)'; }
  }
}

export async function stopAll() {
  await Promise.all([...running].map((d) => d.stop()));
}

// ---- Keys --------------------------------------------------------------------------------

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// Base58check payload (version byte first), or throws.
export function base58check(s) {
  let n = 0n;
  for (const c of s) {
    const v = B58.indexOf(c);
    if (v < 0) throw new Error('not base58: ' + s);
    n = n * 58n + BigInt(v);
  }
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(n === 0n ? '' : hex, 'hex');
  const zeros = s.match(/^1*/)[0].length;
  bytes = Buffer.concat([Buffer.alloc(zeros), bytes]);
  const body = bytes.subarray(0, -4);
  const check = crypto.createHash('sha256').update(crypto.createHash('sha256').update(body).digest()).digest();
  if (!check.subarray(0, 4).equals(bytes.subarray(-4))) throw new Error('bad checksum: ' + s);
  return body;
}

// A fresh master key and its derived signing key, through `sharemsg derive-key` (the master
// goes through standard input, as the tool recommends). Returns the node flags:
// {flags: [...], signingId, address (payout pubkey hash hex)}.
export function deriveKey(index = 0) {
  const master = crypto.randomBytes(32).toString('hex');
  const r = spawnSync(SHAREMSG, ['derive-key', '-', String(index), '--json',
                                 '--network', 'ltc-test', '--delegation-network', 'devnet'],
                      {input: master + '\n', encoding: 'utf8'});
  if (r.status !== 0) throw new Error('sharemsg derive-key failed: ' + r.stderr);
  const j = JSON.parse(r.stdout);
  const pubkeyHash = base58check(j.master_address).subarray(1).toString('hex');
  const flags = ['--address', pubkeyHash, '--signing-key', j.signing_key_wif,
                 '--signing-key-index', String(j.key_index)];
  const delegation = j.delegation || j.signing_key_delegation;
  if (delegation && daemonHasFlag('--signing-key-delegation')) flags.push('--signing-key-delegation', delegation);
  return {flags, signingId: j.signing_id, address: pubkeyHash, json: j};
}
