#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Seeds are taken from the reference's vector files (never edited) in ../shared/vectors/,
plus a few hand-written edge cases. Each seed is a file named after what it is; every file
stays under 4 KiB. The output is deterministic, so re-running it changes nothing unless the
vectors change. Python 3 standard library only.

usage: fuzz/make_corpus.py [--vectors DIR] [--out DIR]
"""

import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_VECTORS = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "vectors"))
MAX_SEED = 4096

TEST_AUTHORITY_A_PUBKEY = "025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee"


def envelope_decrypt(envelope: bytes, pubkey: bytes) -> bytes:
    """The v1 authority envelope (see src/proto/envelope.hpp); None when the MAC does not match."""
    if len(envelope) < 50 or envelope[0] != 1:
        return None
    nonce, mac, ct = envelope[1:17], envelope[17:49], envelope[49:]
    key = hmac.new(pubkey, nonce, hashlib.sha256).digest()
    if not hmac.compare_digest(hmac.new(key, ct, hashlib.sha256).digest(), mac):
        return None
    stream = b""
    counter = 0
    while len(stream) < len(ct):
        stream += hashlib.sha256(key + struct.pack("<I", counter)).digest()
        counter += 1
    return bytes(a ^ b for a, b in zip(ct, stream))


class Corpus:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.seen = {}

    def add(self, target, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) >= MAX_SEED:
            sys.exit(f"make_corpus: seed {target}/{name} is {len(data)} bytes (limit {MAX_SEED})")
        seen = self.seen.setdefault(target, set())
        if data in seen:
            return
        seen.add(data)
        name = re.sub(r"[^a-z0-9_.-]+", "_", name.lower()).strip("_")[:60]
        d = os.path.join(self.out_dir, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def h(s):
    return bytes.fromhex(s)


def message_seeds(c, v):
    for i, vec in enumerate(v["share_message_unpack"]):
        c.add("fuzz_message", f"unpack_{i}_{vec['what']}", h(vec["data"]))
    for i, vec in enumerate(v["share_message"]["vectors"]):
        if "pack" in vec["message"]:
            c.add("fuzz_message", f"pack_{i}_{vec['what']}", h(vec["message"]["pack"]))
    blob = v["mainnet_transition_blob"]
    c.add("fuzz_message", "mainnet_transition_signal", h(blob["inner"])[4:])
    # Edge cases: empty, header only, payload at the 220-byte limit, a 255-byte signature.
    c.add("fuzz_message", "empty", b"")
    c.add("fuzz_message", "header_only", bytes([2, 6]) + struct.pack("<IH", 1700000000, 0))
    c.add("fuzz_message", "payload_220",
          bytes([3, 6]) + struct.pack("<IH", 1700000000, 220) + b"x" * 220 + bytes(20) + b"\x00")
    c.add("fuzz_message", "sig_255",
          bytes([2, 7]) + struct.pack("<IH", 1700000000, 2) + b"hi" + bytes(20) + b"\xff" + b"\x30" * 255)


def announcement_seeds(c, v):
    for i, vec in enumerate(v["derived_signing_key"]["unpack_announcement"]):
        c.add("fuzz_announcement", f"vector_{i}_{vec['what']}", h(vec["data"]))
    for name, key in sorted(v["signing_keys_used"].items()):
        ann = h(key["signing_id"]) + struct.pack("<I", key["key_index"]) + h(key["pubkey"])
        c.add("fuzz_announcement", f"key_{name}", ann)


def envelope_and_inner_seeds(c, v):
    a_pub = h(TEST_AUTHORITY_A_PUBKEY)
    blob = v["mainnet_transition_blob"]
    envs = [("mainnet_transition_blob", h(blob["file_hex_stripped"]))]
    inners = [("mainnet_transition_blob", h(blob["inner"]))]
    for i, vec in enumerate(v["authority_envelope"]["decrypt"]):
        envs.append((f"decrypt_{i}_{vec['what']}", h(vec["envelope"])))
    for i, vec in enumerate(v["unpack_share_messages"]):
        envs.append((f"unpack_{i}_{vec['what']}", h(vec["envelope"])))
        inners.append((f"unpack_{i}_{vec['what']}", h(vec["inner"])))
    for i, vec in enumerate(v["pack_share_messages"]):
        if vec.get("envelope"):
            env = h(vec["envelope"])
            envs.append((f"pack_{i}_{vec['what']}", env))
            inner = envelope_decrypt(env, a_pub)  # signed and encrypted by test authority A
            if inner is not None:
                inners.append((f"pack_{i}_signed_by_a", inner))
    for i, step in enumerate(v["message_store"]["steps"]):
        if step.get("envelope"):
            env = h(step["envelope"])
            envs.append((f"store_{i}", env))
            inner = envelope_decrypt(env, a_pub)
            if inner is not None:
                inners.append((f"store_{i}_inner", inner))
    for name, env in envs:
        c.add("fuzz_envelope", name, env)
    # fuzz_envelope also treats its input as an inner envelope.
    for name, inner in inners:
        c.add("fuzz_envelope", "inner_" + name, inner)
        c.add("fuzz_inner", name, inner)
    c.add("fuzz_inner", "header_only", bytes([1, 0, 0, 0]))
    c.add("fuzz_inner", "version_2", bytes([2, 0, 1, 0]))
    c.add("fuzz_inner", "count_255", bytes([1, 0, 255, 0]) + h(blob["inner"])[4:])
    # Over the limits pack_inner enforces: 3 full-size messages (> 512 bytes in all), and a
    # message whose signature is longer than DER allows (74 bytes).
    big = bytes([3, 6]) + struct.pack("<IH", 1700000000, 220) + b"y" * 220 + bytes(20) + b"\x48" + b"\x30" * 72
    c.add("fuzz_inner", "over_512_bytes", bytes([1, 0, 3, 0]) + big * 3)
    long_sig = bytes([2, 7]) + struct.pack("<IH", 1700000000, 2) + b"hi" + bytes(20) + b"\x4a" + b"\x30" * 74
    c.add("fuzz_inner", "signature_74", bytes([1, 0, 1, 0]) + long_sig)


def banlist_seeds(c, v):
    for i, step in enumerate(v["ban_list"]["persistence"]["steps"]):
        c.add("fuzz_banlist", f"persisted_{i}", step["file_text"])
    for bl in v["ban_list"]["ban_lists"]:
        c.add("fuzz_banlist", f"spec_{bl['name']}", json.dumps(bl["spec"]))
    c.add("fuzz_banlist", "tolerant_junk", json.dumps({
        "signing_ids": ["6b000460548e25968e1e7e6ac54c18003bee5242", 7, None],
        "addresses": "not a list",
        "keywords": ["\u00c9CLAIR", "Scam", "\u0130stanbul", "\u1e9e", "\u0000nul"],
        "types": [2, 127, 256, -1, 2.5, "3"],
        "extra": {"ignored": True},
    }))
    c.add("fuzz_banlist", "not_an_object", "[1, 2, 3]")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def smallest_first(items):
    return sorted(items, key=lambda x: len(compact(x)))[:1]


def vector_seeds(c, v):
    """Small vector files of the public schema: the smallest vector of each list of each
    category, packed greedily into files under 4 KiB (one file cannot hold every category).
    Where even that is too big, the largest parts of the category are dropped."""
    ta = v["meta"]["test_authority"]
    meta = {
        "fixed_clock_time_time": v["meta"]["fixed_clock_time_time"],
        "test_authority": {k: ta[k] for k in ta if k.startswith(("A_", "B_")) and not k.endswith("rule")},
    }
    budget = MAX_SEED - 64 - len(compact({"meta": meta}))
    pieces = []
    for cat, val in v.items():
        if cat == "meta":
            continue
        if isinstance(val, list):
            val = smallest_first(val)
            if len(compact({cat: val})) >= budget:
                val = []
        elif isinstance(val, dict):
            val = {k: smallest_first(x) if isinstance(x, list) else x for k, x in val.items()}
            while len(compact({cat: val})) >= budget:
                big = max((k for k in val if isinstance(val[k], (list, dict)) and val[k]),
                          key=lambda k: len(compact(val[k])))
                if isinstance(val[big], list):
                    val[big] = []
                else:
                    del val[big]
        pieces.append((cat, val))
    files, cur = [], {}
    for cat, val in pieces:
        if cur and len(compact(dict(cur, **{cat: val}))) >= budget:
            files.append(cur)
            cur = {}
        cur[cat] = val
    files.append(cur)
    for i, f in enumerate(files):
        c.add("fuzz_vectors", f"part{i}_" + "_".join(f), compact(dict({"meta": meta}, **f)))
    c.add("fuzz_vectors", "empty_object", "{}")
    c.add("fuzz_vectors", "wrong_types", json.dumps({
        "meta": [], "share_message_unpack": [{"what": 1, "data": 5}], "ban_list": {"ban_lists": "x"},
        "authority_envelope": {"decrypt": [{}]}, "unknown_category": [1]}))


def text_seeds(c, v):
    c.add("fuzz_text", "ascii", "Hello World")
    c.add("fuzz_text", "mixed_case_unicode", "\u00c9CLAIR \u0130stanbul \u1e9e \u03a3\u039f\u03a3 \U0001f600")
    c.add("fuzz_text", "ill_formed", b"ok\xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82")
    c.add("fuzz_text", "json_escapes", r'{"a":"\ud83d\ude00\u0000\"\\","b":[1,-0,1.5e300,1e-7,12345678901234567890123]}')
    c.add("fuzz_text", "json_float_repr", "[0.1,1e16,1e22,-2.5e-5,3.0,100.0,123456789.125]")
    for i, vec in enumerate(v["share_message"]["vectors"]):
        c.add("fuzz_text", f"payload_{i}", h(vec["input"]["payload"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", default=DEFAULT_VECTORS, help="directory of the vector files")
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"), help="corpus root to (re)write")
    args = ap.parse_args()

    with open(os.path.join(args.vectors, "share_messages_public.json")) as f:
        v = json.load(f)
    with open(os.path.join(args.vectors, "transition_v35_v36_mainnet.hex")) as f:
        mainnet = bytes.fromhex("".join(f.read().split()))
    if mainnet.hex() != v["mainnet_transition_blob"]["file_hex_stripped"]:
        sys.exit("make_corpus: transition_v35_v36_mainnet.hex disagrees with the vector file")

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    c = Corpus(args.out)
    message_seeds(c, v)
    announcement_seeds(c, v)
    envelope_and_inner_seeds(c, v)
    banlist_seeds(c, v)
    vector_seeds(c, v)
    text_seeds(c, v)
    for target in sorted(c.seen):
        print(f"{target}: {len(c.seen[target])} seeds")


if __name__ == "__main__":
    main()
