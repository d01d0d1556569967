"""The Python binding's V36 verify, beside the reference's own Python code on the same envelopes.

    SHAREMSG_LIBRARY=build/libsharemsg.so python3 bench/bench_python.py
    SHAREMSG_LIBRARY=build/libsharemsg.so pypy3 bench/bench_python.py
    SHAREMSG_LIBRARY=build/libsharemsg.so python3 bench/bench_python.py \\
        --reference CHECKOUT --reference-python "python2"

Builds nine envelopes as an authority publishes them (three messages signed by the test
authority A, a 57-byte signing-key announcement, one nonce each) through the binding, then
measures per envelope:

- binding, fresh: Context.verify over the nine in turn (one more than the verify-once cache
  holds, so every call checks three signatures), its messages copied out into Python objects;
- binding, cached: Context.verify of one envelope again and again (the cache's answer), read
  for its validity only, as a node does with the blob every share of the network carries;
- reference (with --reference, a checkout of the Python p2pool): its unpack_share_messages
  and verify_authority_direct applied as its share check applies them (data.py, V36), run
  by --reference-python (default "python2") with the reference's authority set replaced by
  the test authorities A and B. The reference verifies with python-ecdsa (or coincurve):
  that interpreter must be able to import one of them. Where its hashlib has no RIPEMD-160
  (a Python 2 built without OpenSSL), libcrypto's is put in its place.

Without --reference it prints the binding's figures only. Times are CPU time of this process
(of the reference's process for its figures); nothing here is a test.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import sharemsg  # noqa: E402

# Test authority A of the public vectors (its private key is public: never a real key).
A_PRIVKEY = bytes.fromhex("35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5")
A_PUB = "025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee"
B_PUB = "0378a85bc895123116a144b15184fe3d0424947f3e917f003462407cf661ca1a9a"
# The announcement of the signing key derived from master 0x42 * 32 at index 0
# (signing_id || le32(index) || pubkey), as bench_envelope uses.
ANNOUNCEMENT = bytes.fromhex(
    "c1179e15c6d20156358103b71bafcaa3b0bcdfc8" "00000000"
    "02604d438689371881da63d132e0b2c09b740f107674739a52f9d26127d2478b90")
NOW = 1700000000
AUTHORITY_FLAGS = 0x0f  # signed, broadcast, persistent, protocol authority
ENVELOPES = 9  # the verify-once cache holds 8

# Run by the reference's interpreter (Python 2 or 3): argv = checkout, vectors dir, input
# JSON path, seconds. Prints one JSON line.
REFERENCE_DRIVER = r'''
import json, sys, time
checkout, vectors_dir, input_path, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
sys.path.insert(0, vectors_dir)
import hashlib
try:
    hashlib.new("ripemd160")
except ValueError:
    # A Python 2 built without its OpenSSL module (as pyenv builds it against OpenSSL 3) has
    # no RIPEMD-160, which the reference's hash160 asks hashlib for; libcrypto's is used.
    import ctypes, ctypes.util
    _crypto = ctypes.CDLL(ctypes.util.find_library("crypto"))
    _crypto.EVP_ripemd160.restype = ctypes.c_void_p
    _crypto.EVP_Digest.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                   ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]

    class _Ripemd160(object):
        def __init__(self, data=b""):
            self._data = data

        def update(self, data):
            self._data += data

        def digest(self):
            out = ctypes.create_string_buffer(20)
            if _crypto.EVP_Digest(self._data, len(self._data), out, None,
                                  _crypto.EVP_ripemd160(), None) != 1:
                raise ValueError("EVP_Digest(ripemd160) failed")
            return out.raw

    _new = hashlib.new
    hashlib.new = lambda name, *a: _Ripemd160(*a) if name == "ripemd160" else _new(name, *a)
from reference_env import prepare
prepare(checkout)
import p2pool.share_messages as sm
with open(input_path) as f:
    inp = json.load(f)
unhex = lambda s: bytes(bytearray.fromhex(s))
sm.DONATION_AUTHORITY_PUBKEYS = frozenset(unhex(k) for k in inp["authorities"])
envelopes = [unhex(e) for e in inp["envelopes"]]

def share_check(data):
    # data.py's V36 rule on message_data, without the exceptions' text.
    messages, info = sm.unpack_share_messages(data)
    if info is None:
        return False
    pub = info.get("authority_pubkey", b"")
    if pub not in sm.DONATION_AUTHORITY_PUBKEYS or not messages:
        return False
    for m in messages:
        if not m.signature or not m.verify_authority_direct(pub):
            return False
        m.flags |= sm.FLAG_PROTOCOL_AUTHORITY
    return len(messages)

for e in envelopes:
    if share_check(e) != 3:
        print(json.dumps({"error": "the reference rejects the envelope (no ECDSA library?)"}))
        sys.exit(1)
n = 0
start = time.clock() if hasattr(time, "clock") else time.process_time()
clock = time.clock if hasattr(time, "clock") else time.process_time
while True:
    for e in envelopes:
        share_check(e)
    n += len(envelopes)
    spent = clock() - start
    if spent >= seconds:
        break
print(json.dumps({"per_envelope_us": spent / n * 1e6, "envelopes": n,
                  "python": sys.version.split()[0]}))
'''


def make_envelopes(ctx):
    messages = [
        sharemsg.message_create(0x02, AUTHORITY_FLAGS, NOW, b"pool maintenance at 12:00 UTC",
                                A_PRIVKEY),
        sharemsg.message_create(0x03, AUTHORITY_FLAGS, NOW + 1, b"V36 is live; please upgrade",
                                A_PRIVKEY),
        sharemsg.message_create(
            0x20, AUTHORITY_FLAGS, NOW + 2,
            b'{"from": "35", "to": "36", "msg": "Upgrade to V36", "urg": "recommended"}',
            A_PRIVKEY),
    ]
    outbox = sharemsg.Outbox(ctx)
    for m in messages:
        outbox.add(m)
    outbox.set_announcement(ANNOUNCEMENT)
    envelopes = [outbox.build(bytes([i]) * 16) for i in range(ENVELOPES)]
    for e in envelopes:
        v = ctx.verify(e)
        if not v.valid or len(v.messages) != 3:
            sys.exit("the binding rejects its own envelope: " + v.reason)
        if ctx.unpack(e).announcement is None:
            sys.exit("the envelope carries no announcement")
    return envelopes


def per_call_us(fn, seconds):
    n = 0
    start = time.process_time()
    while True:
        for _ in range(ENVELOPES):
            fn(n)
            n += 1
        spent = time.process_time() - start
        if spent >= seconds:
            return spent / n * 1e6, n


def run_reference(args, envelopes):
    with tempfile.TemporaryDirectory(prefix="bench-python-") as tmp:
        driver = os.path.join(tmp, "driver.py")
        with open(driver, "w") as f:
            f.write(REFERENCE_DRIVER)
        inp = os.path.join(tmp, "input.json")
        with open(inp, "w") as f:
            json.dump({"authorities": [A_PUB, B_PUB], "envelopes": [e.hex() for e in envelopes]},
                      f)
        cmd = args.reference_python.split() + [
            driver, os.path.abspath(args.reference), os.path.join(HERE, "..", "vectors"), inp,
            str(args.seconds)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        lines = out.stdout.strip().splitlines()
        if out.returncode != 0 or not lines:
            sys.exit("the reference's run failed (%s):\n%s%s" % (
                " ".join(cmd), out.stdout, out.stderr))
        result = json.loads(lines[-1])
        if "error" in result:
            sys.exit("the reference's run failed: " + result["error"])
        return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", help="a checkout of the Python p2pool (its p2pool/ folder)")
    ap.add_argument("--reference-python", default="python2",
                    help="the interpreter (and its arguments) that runs the reference")
    ap.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per measurement")
    args = ap.parse_args()

    ctx = sharemsg.Context(sharemsg.AUTHORITIES_TEST)
    envelopes = make_envelopes(ctx)
    impl = sys.implementation.name + " " + sys.version.split()[0]
    size = len(envelopes[0])

    def fresh(i):
        v = ctx.verify(envelopes[i % ENVELOPES])
        if v.cached or not v.valid or len(v.messages) != 3:
            sys.exit("a fresh verify was answered by the cache or failed")

    def cached(_):
        v = ctx.verify(envelopes[0])
        if not v.cached or not v.valid:
            sys.exit("a repeated verify was not answered by the cache")

    fresh_us, fresh_n = per_call_us(fresh, args.seconds)
    ctx.verify(envelopes[0])  # into the cache
    cached_us, cached_n = per_call_us(cached, args.seconds)
    print("envelope: 3 authority-signed messages + 57-byte announcement, %d bytes" % size)
    print("binding (%s), fresh:  %8.1f us per envelope (%d calls)" % (impl, fresh_us, fresh_n))
    print("binding (%s), cached: %8.1f us per envelope (%d calls)" % (impl, cached_us, cached_n))
    if args.reference:
        ref = run_reference(args, envelopes)
        print("reference (Python %s):  %8.1f us per envelope (%d calls)" % (
            ref["python"], ref["per_envelope_us"], ref["envelopes"]))
        print("reference / binding fresh: %.1fx; / binding cached: %.0fx" % (
            ref["per_envelope_us"] / fresh_us, ref["per_envelope_us"] / cached_us))


if __name__ == "__main__":
    main()
