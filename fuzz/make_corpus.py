#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Seeds are taken from the reference's vector files (never edited; their copies in
vectors/reference/), our own open-profile vectors (vectors/open_profile.json),
plus hand-built P2P frames and payloads, real devnet shares (fixed bytes below) and a few
edge cases. Each seed is a file named after what it is; every file stays under 4 KiB. The
output is deterministic, so re-running it changes nothing unless the vectors change.

Only the directories of the targets listed in OWNED_TARGETS are deleted and rewritten; the
seed directories of other targets under the corpus root are left alone.
Python 3 standard library only.

usage: fuzz/make_corpus.py [--vectors DIR] [--open-vectors FILE] [--out DIR]
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
DEFAULT_VECTORS = os.path.normpath(os.path.join(HERE, "..", "vectors", "reference"))
# Our own vectors of the open profile (written by `sharemsg open-vectors`).
OPEN_VECTORS = os.path.normpath(os.path.join(HERE, "..", "vectors", "open_profile.json"))
MAX_SEED = 4096

TEST_AUTHORITY_A_PUBKEY = "025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee"

# The corpus directories this script writes (and deletes first). Any other directory under
# the corpus root belongs to someone else and survives a re-run.
OWNED_TARGETS = (
    "fuzz_announcement",
    "fuzz_banlist",
    "fuzz_envelope",
    "fuzz_http_body",
    "fuzz_inner",
    "fuzz_message",
    "fuzz_open_envelope",
    "fuzz_open_inner",
    "fuzz_open_text",
    "fuzz_p2p_frame",
    "fuzz_p2p_message",
    "fuzz_share",
    "fuzz_text",
    "fuzz_vectors",
)

# p2p::MESSAGE_COMMANDS (src/p2p/messages.hpp), in the order of the Message variant:
# fuzz_p2p_message picks MESSAGE_COMMANDS[byte0 % 13].
P2P_COMMANDS = ("version", "ping", "addrme", "addrs", "getaddrs", "shares", "sharereq", "sharereply",
                "bestblock", "have_tx", "losing_tx", "remember_tx", "forget_tx")

# PREFIX of the frames: Litecoin mainnet (p2p::LITECOIN_MAINNET, the prefix fuzz_p2p_frame
# decodes) and our devnet (node/network.cpp, "shmsp2p\x01": garbage to that decoder).
LITECOIN_PREFIX = bytes.fromhex("7208c1a53ef629b0")
DEVNET_PREFIX = bytes.fromhex("73686d7370327001")
FRAME_MAX_PAYLOAD = 300  # fuzz_p2p_frame's kMaxPayload

# Real devnet shares, pack_versioned_share(wrap_share(build_devnet_share(params, spec))),
# made once with a throwaway program against libsharemsg_core (not kept: the bytes are what
# matters, and they must not change when the builder does). Every one passes check_share_pow.
#   devnet_genesis_no_message: DEVNET_POW, no previous share, pubkey_hash 42 x 20 (P2PKH),
#     no message_data, timestamp 1700000000, share_nonce 0x11223344, last_txout_nonce
#     0x5566778899aabbcc, header_nonce_start 7.
#   devnet_child_mainnet_transition_message: the same on top of the first (its hash,
#     absheight, abswork, timestamp), timestamp 1700000010, share_nonce 0x01020304,
#     last_txout_nonce 1, message_data = the vectors' mainnet_transition_blob (an envelope of
#     a mainnet authority: the V36 rule under mainnet_authorities() gets past decryption).
#   devnet_segwit_p2sh_test_authority_message: DEVNET_POW with segwit_activated (so it has
#     segwit_data and Litecoin testnet's check reaches scrypt), pubkey_hash 17 x 20,
#     pubkey_type 2 (P2SH), timestamp 1700000100, share_nonce 0xdeadbeef, last_txout_nonce 2,
#     header_nonce_start 1000, message_data = pack_share_messages[1].envelope (test authority A).
DEVNET_SHARES = (
    ("devnet_genesis_no_message",
     "24fd2501fe00000020000000000000000000000000000000000000000000000000000000000000000000f15365ffff0f"
     "200700000000000000000000000000000000000000000000000000000000000000000000000c01012f73686172656d73"
     "672f44332211424242424242424242424242424242424242424200ff00f2052a010000008f02002400ffffffffffffff"
     "ffffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000000000000000000000000000000000"
     "00000000000000000000ffff0f20ffff0f2000f153650100000010000000000000000000000000000000000000000000"
     "00000000000000000000000000ccbbaa9988776655b5fa08574831c2dbb6df62df57f9c93a0654bd25986119299b0a06"
     "49d6cf47b700880000"),
    ("devnet_child_mainnet_transition_message",
     "24fd9202fe0000002000000000000000000000000000000000000000000000000000000000000000000af15365ffff0f"
     "20070000000bc46f3d1c833834c96a0b3c5291cd68339c669f800e4976a20aa8de5f922b0f0c01022f73686172656d73"
     "672f04030201424242424242424242424242424242424242424200ff00f2052a010000008f02002400ffffffffffffff"
     "ffffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000000000000000000000000000000000"
     "00000000000000000000ffff0f20ffff0f200af153650200000020000000000000000000000000000000000000000000"
     "00000000000000000000000000010000000000000000ab6530acce3a596c891ed4a24f3ebdb0da6171637a983b29db2a"
     "459b716a21008800fd6b01017c9299b7c4579e67c0e7670dfc9c4207c045f7c7cc28f8eee9a11e1779f41440b240f6c6"
     "6376d03d5ecd2d03a896ab93135f354ac895032c72486ee15202bfbaea01e595d5ef8c49a8c66a0a5da39fa1e5ef4ad6"
     "69874582380dc0915f8eafb7697b55f6ba8208c017ccd112710cf8f06cd6b17fb9f22889c6c1dcbbf636e0c70963ee8a"
     "d00825f95b9f6c7d42089ba271155b8d8420e38d6d8925f91cd348c7e517a9461fd1574e990d682cedc4c5c646612b0d"
     "91c6662afb91c2d157859230d6185e31e8c2c4e98273f824e3c48f9d372f5fc65bfcd8d10e1ff729f9b87c9c841a1f08"
     "7055703d1e85b9039c3cd87184a66abf589c0642f3243cba67b5aa3ed7154f75350af5752652795709b7537f3a18f05b"
     "faa2a88895e3e2afe7195a2f39f67ba0ccb3f7ab6779ffdb0ddf02fed2d661fb474b6fc5cafa76dc087cd6927bf55952"
     "37e7531927b2e6f688584c5608d6905347460bf82e5449eede31dae5a848199a2fd6166f3c0e"),
    ("devnet_segwit_p2sh_test_authority_message",
     "24fd0c02fe00000020000000000000000000000000000000000000000000000000000000000000000064f15365ffff0f"
     "20e803000000000000000000000000000000000000000000000000000000000000000000000c01012f73686172656d73"
     "672fefbeadde171717171717171717171717171717171717171702ff00f2052a010000008f0200240000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000ffff0f20ffff0f2064f153650100000010000000000000000000000000000000000000000000"
     "000000000000000000000000000200000000000000b9b71d735bc27a6407394e6a572c9ab9ed37e3130b9cddd2867932"
     "539ebb772512171717171717171717873088fa0200000000b500d5012025d0203037643db46b719c909f7625e436ddb7"
     "8c904b7348798c30403b71cb145a240df93c97dd4a3748dbbc082e6ac4b3e2bc30d05c6e21a8287ab42f2466f1587de1"
     "08260a55e9d8bbb06b0e48e1d5ab9d7229eff7014e51c2aaa00546793d13e3db2784f951c0dcd878532f6fd33c13efe6"
     "e41c582372d24e24e4a32595013b20c6e1198d5494dd6e26e25e8e0e15e90af14c0bf067b9f9ea5a9872471ebe14281b"
     "3eff4378cbff9a67e9ab08e961688ff737d1a8a14465ab3705f516527ba34fe9e81d3b79374c96456c888673dde9f3b5"),
)


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
        if target not in OWNED_TARGETS:
            sys.exit(f"make_corpus: {target} is not in OWNED_TARGETS")
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


def http_body_seeds(c):
    """The HTTP API's request bodies (POST /msg/send, /msg/ban, /msg/rotate_key) and request
    targets with query strings, as src/node/api_parse.hpp reads them."""
    sid = "00112233445566778899aabbccddeeff00112233"
    wif = "cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA"  # shape only: never a real key
    delegation = "02" + "11" * 32 + "03" + "22" * 32 + "33" * 64
    def body(name, obj):
        c.add("fuzz_http_body", name, obj if isinstance(obj, str) else compact(obj))
    # /msg/send
    body("send_chat", {"type": "chat", "text": "hello from the pool"})
    body("send_announce", {"type": "announce", "text": "pool maintenance at 12:00 UTC"})
    body("send_alert", {"type": "alert", "text": "upgrade to v36 before the transition"})
    body("send_status", {"type": "status", "text": '{"v":1,"peers":8}'})
    body("send_private", {"type": "chat", "text": "hi", "to": sid})
    body("send_private_upper", {"type": "chat", "text": "hi", "to": sid.upper()})
    body("send_to_null", {"type": "chat", "text": "hi", "to": None})
    body("send_unicode", r'{"type":"chat","text":"caf\u00e9 \ud83d\ude00 ü€"}')
    body("send_220", {"type": "chat", "text": "b" * 220})
    body("send_221", {"type": "chat", "text": "a" * 221})
    body("send_bad_type", {"type": 7, "text": "x"})
    body("send_bad_to", {"type": "chat", "text": "x", "to": "zz" + "0" * 38})
    body("empty", "")
    body("not_json", "not json")
    body("array", "[1,2]")
    body("nested", '{"type":"chat","text":"x","extra":' + "[" * 200 + "]" * 200 + "}")
    body("big_numbers", '{"type":18446744073709551616,"key_index":-1e308,"n":1e400}')
    # /msg/ban (POST and DELETE)
    body("ban_signing_id", {"signing_id": sid})
    body("ban_address", {"address": "mABCDEF1234567890abcdefghijkLMNOPQ"})
    body("ban_word", {"word": "casino"})
    body("ban_type_name", {"type": "chat"})
    body("ban_type_full_name", {"type": "TRANSITION_SIGNAL"})
    body("ban_type_number", {"type": 16})
    body("ban_type_decimal", {"type": "255"})
    body("ban_two_keys", {"word": "a", "address": "b"})
    # /msg/rotate_key
    body("rotate", {"signing_key": wif, "key_index": 2, "delegation": delegation})
    body("rotate_no_delegation", {"signing_key": wif, "key_index": 1})
    body("rotate_max_index", {"signing_key": wif, "key_index": 4294967295})
    body("rotate_negative", {"signing_key": wif, "key_index": -2})
    body("rotate_float", {"signing_key": wif, "key_index": 1.0})
    # Request targets
    for name, target in [("target_recent", "/msg/recent?limit=50&since=1700000000"),
                         ("target_activity", "/msg/activity?hours=24"),
                         ("target_chat", "/msg/chat?limit=200"),
                         ("target_plain", "/msg/keys"),
                         ("target_odd", "/a?=v&x=&&limit=1&limit=2&flag&k=v=w&")]:
        c.add("fuzz_http_body", name, target)
    # Host and Authorization headers (src/node/http_policy.hpp)
    for name, header in [("host_localhost_port", "localhost:19437"),
                         ("host_v6_loopback", "[::1]:19437"),
                         ("host_name_upper", "Node.Example.ORG:8080"),
                         ("host_bare_v6", "fe80::1"),
                         ("host_rebinding", "127.0.0.1.nip.io"),
                         ("auth_bearer", "Bearer " + "ab" * 32)]:
        c.add("fuzz_http_body", name, header)


# ---- P2P and share seeds: byte layouts of src/p2p/frame.hpp, src/p2p/messages_layout.hpp
# and src/chain/share.hpp, built by hand. Integers little-endian unless noted.

def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def var_int(n):
    """CompactSize, canonical."""
    if n < 0xfd:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xffffffff:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def var_str(b):
    return var_int(len(b)) + b


def tag_hash(text):
    """A made-up, non-zero 256-bit value (IntType(256) bytes)."""
    return hashlib.sha256(text.encode()).digest()


def net_address(services, address16, port):
    """address_type: services u64, 16 address bytes, port big-endian."""
    return struct.pack("<Q", services) + address16 + struct.pack(">H", port)


def ipv4(a, b, c, d):
    return bytes(10) + b"\xff\xff" + bytes([a, b, c, d])


def hash_list(hashes):
    return var_int(len(hashes)) + b"".join(hashes)


def wrapped_share(type_, contents):
    return var_int(type_) + var_str(contents)


def devnet_shares():
    shares = [(name, bytes.fromhex("".join(hx))) for name, hx in DEVNET_SHARES]
    for name, data in shares:
        if data[0] != 36 or len(data) >= MAX_SEED:
            sys.exit(f"make_corpus: devnet share {name} is not a V36 wrapper under {MAX_SEED} bytes")
    return shares


def version_payload(best_share_hash=None, sub_version=b"sharemsg/0.1"):
    return (struct.pack("<IQ", 3600, 0)
            + net_address(0, ipv4(127, 0, 0, 1), 9326)
            + net_address(1, ipv4(10, 0, 0, 2), 9326)
            + struct.pack("<Q", 0x0123456789abcdef)
            + var_str(sub_version)
            + struct.pack("<I", 1)  # VERSION_MODE
            + (best_share_hash or bytes(32)))  # PossiblyNone: None = 0


def legacy_tx():
    """tx_type, non-segwit: 1 input, 1 P2PKH output."""
    return (struct.pack("<i", 1) + var_int(1)
            + tag_hash("prev tx") + struct.pack("<I", 0) + var_str(b"\x51") + struct.pack("<I", 0xffffffff)
            + var_int(1) + struct.pack("<Q", 5000) + var_str(b"\x76\xa9\x14" + bytes(20) + b"\x88\xac")
            + struct.pack("<I", 0))


def segwit_tx():
    """tx_type, segwit form: marker 0, flag 1, 1 input, 1 P2WPKH output, a 2-item witness."""
    return (struct.pack("<i", 2) + b"\x00\x01" + var_int(1)
            + tag_hash("prev segwit tx") + struct.pack("<I", 1) + var_str(b"") + struct.pack("<I", 0xfffffffe)
            + var_int(1) + struct.pack("<Q", 12345) + var_str(b"\x00\x14" + b"\x33" * 20)
            + var_int(2) + var_str(b"\x30" * 71) + var_str(b"\x02" + b"\x44" * 32)
            + struct.pack("<I", 0))


def p2p_payloads():
    """(name, command, payload): one or more valid payloads per command."""
    shares = devnet_shares()
    opaque = wrapped_share(36, b"opaque share contents")
    out = [
        ("version", "version", version_payload()),
        ("version_best_share", "version", version_payload(tag_hash("best share"), b"/P2Pool:13.4-sharemsg/")),
        ("ping", "ping", b""),
        ("addrme", "addrme", struct.pack("<H", 9326)),
        ("addrs", "addrs", var_int(2)
            + struct.pack("<Q", 1700000000) + net_address(1, ipv4(192, 0, 2, 7), 9326)
            + struct.pack("<Q", 1700000500)
            + net_address(0, bytes.fromhex("20010db8000000000000000000000001"), 19338)),
        ("getaddrs", "getaddrs", struct.pack("<I", 8)),
        ("shares_one_opaque", "shares", var_int(1) + opaque),
        ("shares_devnet", "shares", var_int(2) + shares[0][1] + shares[1][1]),
        ("sharereq", "sharereq", tag_hash("request id") + hash_list([tag_hash("want 1"), tag_hash("want 2")])
            + var_int(10) + hash_list([tag_hash("stop")])),
        ("sharereply_good", "sharereply", tag_hash("request id") + var_int(0) + var_int(1) + shares[0][1]),
        ("sharereply_too_long", "sharereply", tag_hash("request id") + var_int(1) + var_int(0)),
        ("bestblock", "bestblock", struct.pack("<I", 0x20000000) + tag_hash("previous block")
            + tag_hash("merkle root") + struct.pack("<III", 1700000000, 0x1e0ffff0, 42)),
        ("have_tx", "have_tx", hash_list([tag_hash("tx 1"), tag_hash("tx 2")])),
        ("losing_tx", "losing_tx", hash_list([tag_hash("tx 1")])),
        ("forget_tx", "forget_tx", hash_list([tag_hash("tx 2")])),
        ("remember_tx", "remember_tx", hash_list([tag_hash("tx 3")]) + var_int(2) + legacy_tx() + segwit_tx()),
    ]
    return out


def p2p_message_seeds(c):
    for name, command, payload in p2p_payloads():
        c.add("fuzz_p2p_message", name, bytes([P2P_COMMANDS.index(command)]) + payload)
    # Near misses: a result outside the enum, a None best_share_hash cut short, a
    # non-canonical count, trailing bytes, a list count that cannot fit.
    c.add("fuzz_p2p_message", "sharereply_result_7",
          bytes([P2P_COMMANDS.index("sharereply")]) + tag_hash("request id") + var_int(7) + var_int(0))
    c.add("fuzz_p2p_message", "version_truncated",
          bytes([P2P_COMMANDS.index("version")]) + version_payload()[:-5])
    c.add("fuzz_p2p_message", "have_tx_noncanonical_count",
          bytes([P2P_COMMANDS.index("have_tx")]) + b"\xfd\x01\x00" + tag_hash("tx 1"))
    c.add("fuzz_p2p_message", "getaddrs_trailing", bytes([P2P_COMMANDS.index("getaddrs")]) + struct.pack("<I", 8) + b"!")
    c.add("fuzz_p2p_message", "shares_count_too_big", bytes([P2P_COMMANDS.index("shares")]) + b"\xfe\xff\xff\xff\x7f")
    # The scanner on its own: a whole transaction as the payload of a command that rejects it.
    c.add("fuzz_p2p_message", "ping_with_segwit_tx", bytes([P2P_COMMANDS.index("ping")]) + segwit_tx())


def frame(prefix, command, payload, checksum=None, length=None):
    """prefix || command NUL-padded to 12 || le32 length || sha256d(payload)[:4] || payload."""
    if isinstance(command, str):
        command = command.encode("ascii")
    return (prefix + command.ljust(12, b"\x00")
            + struct.pack("<I", len(payload) if length is None else length)
            + (sha256d(payload)[:4] if checksum is None else checksum) + payload)


def p2p_frame_seeds(c):
    payloads = {name: (command, payload) for name, command, payload in p2p_payloads()}
    session = ["version", "ping", "getaddrs", "shares_one_opaque", "sharereq"]
    for name in session:
        if len(payloads[name][1]) > FRAME_MAX_PAYLOAD:
            sys.exit(f"make_corpus: frame payload {name} is over {FRAME_MAX_PAYLOAD} bytes")

    def frames(prefix, names):
        return b"".join(frame(prefix, *payloads[n]) for n in names)

    # Raw mode (byte 0 even; its value also seeds the chunking).
    for i, (net, prefix) in enumerate((("litecoin", LITECOIN_PREFIX), ("devnet", DEVNET_PREFIX))):
        for name in session:
            c.add("fuzz_p2p_frame", f"{net}_{name}", bytes([0x10 * i]) + frame(prefix, *payloads[name]))
        c.add("fuzz_p2p_frame", f"{net}_session", bytes([0x22 + 0x10 * i]) + frames(prefix, session))
    lit = LITECOIN_PREFIX
    ping = frame(lit, "ping", b"")
    c.add("fuzz_p2p_frame", "garbage_then_frames",
          bytes([0x44]) + b"\x00junk\x72\x08\xc1" + frames(lit, ["getaddrs", "ping"]))
    c.add("fuzz_p2p_frame", "devnet_then_litecoin",
          bytes([0x46]) + frames(DEVNET_PREFIX, ["version"]) + frames(lit, ["version"]))
    c.add("fuzz_p2p_frame", "bad_checksum_then_ping",
          bytes([0x48]) + frame(lit, *payloads["getaddrs"], checksum=b"\x00\x00\x00\x00") + ping)
    c.add("fuzz_p2p_frame", "oversize_length_then_ping",
          bytes([0x4a]) + frame(lit, "shares", b"", length=FRAME_MAX_PAYLOAD + 1) + ping)
    c.add("fuzz_p2p_frame", "bad_command_then_ping",
          bytes([0x4c]) + frame(lit, b"ver sion", b"") + frame(lit, b"ping\x00x", b"") + ping)
    c.add("fuzz_p2p_frame", "unknown_and_12_char_commands",
          bytes([0x4e]) + frame(lit, "xyzzy", b"hello") + frame(lit, "abcdefghijkl", b"") + ping)
    c.add("fuzz_p2p_frame", "truncated_frame", bytes([0x50]) + frame(lit, *payloads["sharereq"])[:-7])
    c.add("fuzz_p2p_frame", "prefix_overlap",
          bytes([0x52]) + lit[:5] + lit[:3] + frame(lit, *payloads["ping"]))

    # Build mode (byte 0 odd): records [kind][len][body]; kind % 4 == 0 garbage, 3 a made-up
    # command, otherwise the command P2P_COMMANDS[(kind // 4) % 13].
    def record(kind, body):
        if len(body) > 255:
            sys.exit("make_corpus: build-mode record over 255 bytes")
        return bytes([kind, len(body)]) + body

    def kind_of(command):
        return 4 * P2P_COMMANDS.index(command) + 1

    recipe = b"".join(record(kind_of(payloads[n][0]), payloads[n][1]) for n in session)
    c.add("fuzz_p2p_frame", "build_session", b"\x01" + recipe)
    c.add("fuzz_p2p_frame", "build_garbage_and_madeup",
          b"\x03" + record(0, b"garbage \x72\x72 bytes") + record(kind_of("ping"), b"")
          + record(3, b"made-up command") + record(kind_of("addrme"), payloads["addrme"][1]))


def share_seeds(c, v):
    shares = devnet_shares()
    for name, data in shares:
        c.add("fuzz_share", name, data)
    # Each share's message_data (VarStr, the last field) is what its comment says.
    expect = {
        "devnet_child_mainnet_transition_message": h(v["mainnet_transition_blob"]["file_hex_stripped"]),
        "devnet_segwit_p2sh_test_authority_message": h(v["pack_share_messages"][1]["envelope"]),
    }
    for name, data in shares:
        md = expect.get(name)
        if md is not None and not data.endswith(var_str(md)):
            sys.exit(f"make_corpus: devnet share {name} does not end with the expected message_data")
    genesis = shares[0][1]
    child = shares[1][1]
    contents = genesis[1 + len(var_int(len(genesis) - 4)):]  # after type 36 and the 3-byte length
    if var_int(36) + var_str(contents) != genesis:
        sys.exit("make_corpus: cannot split the devnet share's wrapper")
    # Near misses: another share version, a non-canonical type, a flipped message_data byte
    # (decodes; the PoW no longer holds), a cut-short share, trailing bytes, an empty one.
    c.add("fuzz_share", "wrapper_type_35", var_int(35) + var_str(contents))
    c.add("fuzz_share", "wrapper_type_noncanonical", b"\xfd\x24\x00" + var_str(contents))
    flipped = bytearray(child)
    flipped[-1] ^= 0x01
    c.add("fuzz_share", "message_data_altered", bytes(flipped))
    c.add("fuzz_share", "contents_truncated", var_int(36) + var_str(contents[:-20]))
    c.add("fuzz_share", "trailing_byte", genesis + b"\x00")
    # A merkle_link at the decoder's bound (32 hashes) and one past it (refused): the
    # genesis share ends with merkle_link's empty branch and message_data None (00 00).
    if not contents.endswith(b"\x00\x00"):
        sys.exit("make_corpus: the devnet genesis share does not end with an empty merkle_link")
    for n in (32, 33):
        branch = hash_list([bytes([0x5c, k]) * 16 for k in range(n)])
        c.add("fuzz_share", f"merkle_link_{n}_hashes",
              var_int(36) + var_str(contents[:-2] + branch + b"\x00"))
    c.add("fuzz_share", "empty_contents", var_int(36) + var_str(b""))
    c.add("fuzz_share", "empty", b"")


def open_seeds(c, path):
    """The open profile's targets, from vectors/open_profile.json: message_data of the envelope,
    decode-error and ledger vectors; the inner plaintexts; delegation and network-id texts."""
    with open(path) as f:
        v = json.load(f)
    for i, e in enumerate(v["envelope"]["vectors"]):
        c.add("fuzz_open_envelope", f"envelope_{i}_{e['what']}", h(e["message_data"]))
        c.add("fuzz_open_inner", f"inner_{i}_{e['what']}", h(e["inner"]))
    for i, e in enumerate(v["decode_errors"]["vectors"]):
        c.add("fuzz_open_envelope", f"error_{i}_{e['what']}", h(e["message_data"]))
    for i, s in enumerate(v["ledger"]["steps"]):
        if s["message_data"]:
            c.add("fuzz_open_envelope", f"ledger_{i}_{s['step']}", h(s["message_data"]))
    for i, e in enumerate(v["delegation_hex"]["vectors"]):
        c.add("fuzz_open_text", f"delegation_{i}_{e['what']}", e["text"])
    for i, e in enumerate(v["delegation"]["vectors"]):
        if "delegation_hex" in e:
            c.add("fuzz_open_text", f"delegation_vector_{i}", e["delegation_hex"])
    c.add("fuzz_open_text", "devnet", "devnet")
    c.add("fuzz_open_text", "network_id", v["meta"]["network_id"])
    c.add("fuzz_open_text", "network_id_upper", v["meta"]["other_network_id"].upper())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", default=DEFAULT_VECTORS, help="directory of the vector files")
    ap.add_argument("--open-vectors", default=OPEN_VECTORS,
                    help="the open profile's vector file (vectors/open_profile.json)")
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"), help="corpus root to (re)write")
    args = ap.parse_args()

    with open(os.path.join(args.vectors, "share_messages_public.json")) as f:
        v = json.load(f)
    with open(os.path.join(args.vectors, "transition_v35_v36_mainnet.hex")) as f:
        mainnet = bytes.fromhex("".join(f.read().split()))
    if mainnet.hex() != v["mainnet_transition_blob"]["file_hex_stripped"]:
        sys.exit("make_corpus: transition_v35_v36_mainnet.hex disagrees with the vector file")

    for target in OWNED_TARGETS:
        d = os.path.join(args.out, target)
        if os.path.isdir(d):
            shutil.rmtree(d)
    c = Corpus(args.out)
    message_seeds(c, v)
    announcement_seeds(c, v)
    envelope_and_inner_seeds(c, v)
    banlist_seeds(c, v)
    vector_seeds(c, v)
    text_seeds(c, v)
    http_body_seeds(c)
    share_seeds(c, v)
    p2p_message_seeds(c)
    p2p_frame_seeds(c)
    open_seeds(c, args.open_vectors)
    if sorted(c.seen) != sorted(OWNED_TARGETS):
        sys.exit(f"make_corpus: wrote {sorted(c.seen)}, OWNED_TARGETS is {sorted(OWNED_TARGETS)}")
    for target in sorted(c.seen):
        print(f"{target}: {len(c.seen[target])} seeds")


if __name__ == "__main__":
    main()
