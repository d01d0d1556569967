// Authority-signed share messages for the tests, as `--transition-message HEX` blobs: the v1
// authority envelope (src/proto/envelope.hpp) around messages signed by the reference's public
// test authority A, whose private key is published in the reference's vector file (the devnet
// trusts the test authorities). `sharemsg transition create` makes TRANSITION_SIGNALs only;
// EMERGENCY (0x10) blobs are built here with Node's crypto.
import {spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {SHAREMSG, tmpDir} from './devnet.js';

export const TEST_AUTHORITY_A_KEY = '35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5';
const TEST_AUTHORITY_A_PUB = '025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee';

export const MSG_EMERGENCY = 0x10;
const FLAGS_AUTHORITY = 0x01 | 0x02 | 0x04 | 0x08;  // signed, broadcast, persistent, authority

const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
const hmac = (key, b) => crypto.createHmac('sha256', key).update(b).digest();
const b64url = (b) => Buffer.from(b).toString('base64url');

function authorityKey() {
  const ecdh = crypto.createECDH('secp256k1');
  ecdh.setPrivateKey(Buffer.from(TEST_AUTHORITY_A_KEY, 'hex'));
  const pub = ecdh.getPublicKey();  // 04 || x || y
  if (ecdh.getPublicKey(null, 'compressed').toString('hex') !== TEST_AUTHORITY_A_PUB)
    throw new Error('test authority key does not match its public key');
  return crypto.createPrivateKey({
    format: 'jwk',
    key: {kty: 'EC', crv: 'secp256k1', d: b64url(Buffer.from(TEST_AUTHORITY_A_KEY, 'hex')),
          x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33, 65))},
  });
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function derInt(n) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let b = Buffer.from(hex, 'hex');
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

// DER ECDSA with S in the lower half (what libsecp256k1 makes; the authority path would
// accept high-S only through the deployed network's compatibility exception).
function lowS(der) {
  const rLen = der[3];
  const r = BigInt('0x' + der.subarray(4, 4 + rLen).toString('hex'));
  const sLen = der[5 + rLen];
  let sv = BigInt('0x' + der.subarray(6 + rLen, 6 + rLen + sLen).toString('hex'));
  if (sv <= N / 2n) return der;
  sv = N - sv;
  const body = Buffer.concat([derInt(r), derInt(sv)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

// One message (src/proto/message.hpp), signed: DER ECDSA over
// SHA256d(type || flags || le32(timestamp) || payload).
function signedMessage(type, text, timestamp) {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > 220) throw new Error('payload over 220 bytes');
  const head = Buffer.alloc(6);
  head.writeUInt8(type, 0);
  head.writeUInt8(FLAGS_AUTHORITY, 1);
  head.writeUInt32LE(timestamp, 2);
  const preimage = Buffer.concat([head, payload]);
  // sign('sha256', x) signs SHA256(x); x = SHA256(preimage) makes it SHA256d.
  const sig = lowS(crypto.sign('sha256', sha256(preimage), {key: authorityKey(), dsaEncoding: 'der'}));
  const len = Buffer.alloc(2);
  len.writeUInt16LE(payload.length, 0);
  return Buffer.concat([head, len, payload, Buffer.alloc(20), Buffer.from([sig.length]), sig]);
}

// The v1 envelope: 0x01 || nonce16 || HMAC(enc_key, ct) || ct, enc_key = HMAC(pubkey, nonce),
// ct = inner XOR SHA256(enc_key || le32(i)) blocks.
function envelope(inner) {
  const nonce = crypto.randomBytes(16);
  const key = hmac(Buffer.from(TEST_AUTHORITY_A_PUB, 'hex'), nonce);
  const stream = [];
  for (let i = 0; stream.length * 32 < inner.length; i++) {
    const ctr = Buffer.alloc(4);
    ctr.writeUInt32LE(i, 0);
    stream.push(sha256(Buffer.concat([key, ctr])));
  }
  const ks = Buffer.concat(stream);
  const ct = Buffer.alloc(inner.length);
  for (let i = 0; i < inner.length; i++) ct[i] = inner[i] ^ ks[i];
  return Buffer.concat([Buffer.from([0x01]), nonce, hmac(key, ct), ct]);
}

// An EMERGENCY alert signed by test authority A, as hex for --transition-message.
export function emergencyBlob(text, timestamp = Math.floor(Date.now() / 1000)) {
  const msg = signedMessage(MSG_EMERGENCY, text, timestamp);
  const inner = Buffer.concat([Buffer.from([1, 0, 1, 0]), msg]);
  return envelope(inner).toString('hex');
}

// A TRANSITION_SIGNAL through the project's own tool (`sharemsg transition create`), signed by
// test authority A; the key goes in a file, never on the command line.
export function transitionBlob({from = 36, to = 37, msg, urgency}) {
  const dir = tmpDir('authority');
  const keyFile = path.join(dir, 'test_authority_a.key');
  fs.writeFileSync(keyFile, TEST_AUTHORITY_A_KEY + '\n', {mode: 0o600});
  const r = spawnSync(SHAREMSG, ['transition', 'create', '--key-file', keyFile, '--authorities', 'test',
                                 '--from', String(from), '--to', String(to), '--msg', msg,
                                 '--urgency', urgency], {encoding: 'utf8'});
  fs.rmSync(dir, {recursive: true, force: true});
  if (r.status !== 0) throw new Error('sharemsg transition create failed: ' + r.stderr);
  return r.stdout.trim();
}

// Checks a blob with the project's own verifier (`sharemsg decode`), for a clear failure early.
export function decodeBlob(hex) {
  const r = spawnSync(SHAREMSG, ['decode', hex, '--json'], {encoding: 'utf8'});
  return {status: r.status, out: r.stdout, err: r.stderr};
}
