#!/usr/bin/env python3
"""Independent cross-check of vectors/open_profile.json, written from docs/protocol.md without
any of our C++: recomputes the message sighashes (tagged hash) and verifies their ECDSA
signatures, the delegation sighashes, the ChaCha20 obfuscation of every envelope, the
private-message ECDH/HKDF/AES-256-GCM chain, and the co-signed authority messages: BIP327
KeyAgg of each authority's signers, the authority sighash, the layout of the message inside
its envelope, the BIP340 signature and the ledger's verdict. Needs Python 3, the
`cryptography` package (Debian: python3-cryptography) and libsecp256k1 (through ctypes, for
the group operations of KeyAgg and BIP340 verification).

usage: vectors/check_open_profile.py [FILE]
"""
import ctypes
import ctypes.util
import hashlib
import json
import os
import struct
import sys

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:
    sys.exit("check_open_profile: needs the 'cryptography' package (python3-cryptography)")


def tagged(tag, msg):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


def point(hexs):
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), bytes.fromhex(hexs))


def chacha20(key, nonce, data):
    return Cipher(algorithms.ChaCha20(key, b"\0\0\0\0" + nonce), None).encryptor().update(data)


def obfuscation_key(net_hex):
    return hashlib.sha256(b"p2pool-msg-obfuscate" + bytes.fromhex(net_hex)).digest()


class Secp256k1:
    """The few libsecp256k1 calls KeyAgg and BIP340 verification need (through ctypes)."""

    def __init__(self):
        name = ctypes.util.find_library("secp256k1") or "libsecp256k1.so.1"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError:
            sys.exit("check_open_profile: needs libsecp256k1 (Debian: libsecp256k1-1)")
        self.lib.secp256k1_context_create.restype = ctypes.c_void_p
        self.ctx = ctypes.c_void_p(self.lib.secp256k1_context_create(0x0301))

    def parse(self, b):
        pk = ctypes.create_string_buffer(64)
        assert self.lib.secp256k1_ec_pubkey_parse(self.ctx, pk, b, ctypes.c_size_t(len(b))) == 1
        return pk

    def mul(self, pk, scalar):
        assert self.lib.secp256k1_ec_pubkey_tweak_mul(self.ctx, pk,
                                                      scalar.to_bytes(32, "big")) == 1

    def combine(self, pks):
        out = ctypes.create_string_buffer(64)
        arr = (ctypes.c_void_p * len(pks))(*[ctypes.addressof(p) for p in pks])
        assert self.lib.secp256k1_ec_pubkey_combine(self.ctx, out, arr,
                                                    ctypes.c_size_t(len(pks))) == 1
        return out

    def serialize(self, pk):
        out = ctypes.create_string_buffer(33)
        n = ctypes.c_size_t(33)
        assert self.lib.secp256k1_ec_pubkey_serialize(self.ctx, out, ctypes.byref(n), pk,
                                                      0x0102) == 1
        return out.raw

    def schnorr_verify(self, xonly, msg32, sig64):
        key = ctypes.create_string_buffer(64)
        if self.lib.secp256k1_xonly_pubkey_parse(self.ctx, key, xonly) != 1:
            return False
        return self.lib.secp256k1_schnorrsig_verify(self.ctx, sig64, msg32,
                                                    ctypes.c_size_t(32), key) == 1


N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def key_agg(secp, pubkeys):
    """BIP327 KeyAgg of KeySort(pubkeys): the x-only aggregate key."""
    pks = sorted(pubkeys)
    lhash = tagged("KeyAgg list", b"".join(pks))
    second = next((p for p in pks if p != pks[0]), None)
    points = []
    for p in pks:
        a = 1 if p == second else int.from_bytes(tagged("KeyAgg coefficient", lhash + p),
                                                  "big") % N
        pt = secp.parse(p)
        secp.mul(pt, a)
        points.append(pt)
    return secp.serialize(secp.combine(points))[1:]


def authority_layout_broken(inner):
    """Whether an envelope of one authority message breaks a rule of its layout: a type other
    than EMERGENCY or TRANSITION_SIGNAL, 0x10 or 0x20 with 0x08, a sig_len other than 64, or
    bytes missing (the decode errors of the cosigned category)."""
    if len(inner) < 8 + 32 + 2:
        return True
    msg_type, flags = inner[2], inner[3]
    if msg_type not in (0x10, 0x20) or flags & 0x30 or not flags & 0x08:
        return True
    plen = struct.unpack("<H", inner[40:42])[0]
    if len(inner) < 42 + plen + 1:
        return True
    return inner[42 + plen] != 64 or len(inner) != 42 + plen + 1 + 64


def check_cosigned(c):
    secp = Secp256k1()
    keys = set()
    for a in c["authorities"]:
        agg = key_agg(secp, [bytes.fromhex(k) for k in a["signers"]])
        assert agg.hex() == a["key"], a["name"]
        keys.add(a["key"])
    n = 0
    for v in c["vectors"]:
        md = bytes.fromhex(v["message_data"])
        inner = chacha20(obfuscation_key(v["network_id"]), md[2:14], md[14:])
        if "error" in v:
            assert authority_layout_broken(inner), v["what"]
            n += 1
            continue
        m = v["message"]
        key, payload, sig = (bytes.fromhex(m["authority_key"]), bytes.fromhex(m["payload"]),
                             bytes.fromhex(m["signature"]))
        assert m["flags"] & 0x09 == 0x09 and m["flags"] & 0x30 == 0, v["what"]
        assert m["msg_type"] in (0x10, 0x20) and len(sig) == 64, v["what"]
        head = bytes([m["msg_type"], m["flags"]]) + struct.pack("<I", m["timestamp"])
        # inner_flags 0, one message: header, the key in place of the signing id, payload, sig.
        assert inner == (b"\x00\x01" + head + key + struct.pack("<H", len(payload)) + payload +
                         b"\x40" + sig), v["what"]
        digest = tagged("sharemsg/open/authority", bytes.fromhex(v["network_id"]) + key + head +
                        struct.pack("<H", len(payload)) + payload)
        assert digest.hex() == v["sighash"], v["what"]
        valid = secp.schnorr_verify(key, digest, sig)
        assert valid == v["signature_valid"], v["what"]
        want = (None if m["authority_key"] in keys and valid else
                "unknown_authority" if m["authority_key"] not in keys else
                "bad_authority_signature")
        assert v["fate"] == want, v["what"]
        n += 1
    return n


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                             "open_profile.json")
    with open(path) as f:
        v = json.load(f)
    keys = v["parties"]["keys"]
    n = 0
    for m in v["message"]["vectors"]:
        msg = m["message"]
        payload = bytes.fromhex(msg["payload"])
        pre = (bytes.fromhex(m["network_id"]) + bytes.fromhex(m["signer_address"]) +
               bytes.fromhex(msg["signing_id"]) +
               bytes([msg["msg_type"], (msg["flags"] | 0x01) & ~0x20]) +
               struct.pack("<I", msg["timestamp"]))
        if msg["recipient"]:
            pre += bytes.fromhex(msg["recipient"])
        pre += struct.pack("<H", len(payload)) + payload
        digest = tagged("sharemsg/open/msg", pre)
        assert digest.hex() == m["sighash"], m["what"]
        point(keys[m["party"]]["signing_pubkey"]).verify(
            bytes.fromhex(msg["signature"]), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        n += 1
    for d in v["delegation"]["vectors"]:
        if "sighash" in d:
            a = bytes.fromhex(d["announcement"])
            pre = bytes.fromhex(d["network_id"]) + a[0:33] + a[33:37] + a[37:70]
            assert tagged("sharemsg/open/delegation", pre).hex() == d["sighash"], d["what"]
            n += 1
    for o in v["obfuscation"]["vectors"]:
        key = obfuscation_key(o["network_id"])
        assert key.hex() == o["key"]
        ct = chacha20(key, bytes.fromhex(o["nonce"]), bytes.fromhex(o["plaintext"]))
        assert ct.hex() == o["ciphertext"], o["what"]
        n += 1
    for e in v["envelope"]["vectors"]:
        md = bytes.fromhex(e["message_data"])
        assert md[:2] == b"\x02\x01" and len(md) <= 2048, e["what"]
        assert chacha20(obfuscation_key(e["network_id"]), md[2:14], md[14:]).hex() == e["inner"]
        n += 1
    for p in v["private"]["vectors"]:
        s, r = keys[p["sender"]], keys[p["recipient"]]
        mine = ec.derive_private_key(int(r["signing_privkey"], 16), ec.SECP256K1())
        x = mine.exchange(ec.ECDH(), point(s["signing_pubkey"]))
        # libsecp256k1's ECDH hashes the compressed shared point; cryptography gives x only.
        assert p["ecdh_secret"] in (hashlib.sha256(b"\x02" + x).hexdigest(),
                                    hashlib.sha256(b"\x03" + x).hexdigest()), p["what"]
        info = (b"sharemsg/open/private" + bytes.fromhex(p["network_id"]) +
                bytes.fromhex(s["signing_id"]) + bytes.fromhex(r["signing_id"]))
        key = HKDF(hashes.SHA256(), 32, b"sharemsg/open/private/v1", info).derive(
            bytes.fromhex(p["ecdh_secret"]))
        assert key.hex() == p["key"], p["what"]
        payload = bytes.fromhex(p["message"]["payload"])
        pt = AESGCM(key).decrypt(payload[:12], payload[12:], bytes.fromhex(p["aad"]))
        assert pt.hex() == p["plaintext"], p["what"]
        n += 1
    n += check_cosigned(v["cosigned"])
    print(f"check_open_profile: {n} vectors agree")


if __name__ == "__main__":
    main()
