#!/usr/bin/env python3
"""Independent cross-check of vectors/open_profile.json, written from docs/protocol.md without
any of our C++: recomputes the message sighashes (tagged hash) and verifies their ECDSA
signatures, the delegation sighashes, the ChaCha20 obfuscation of every envelope, and the
private-message ECDH/HKDF/AES-256-GCM chain. Needs Python 3 and the `cryptography` package
(Debian: python3-cryptography); BIP340 itself is checked by the C++ tests against BIP340's own
vectors.

usage: vectors/check_open_profile.py [FILE]
"""
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
    print(f"check_open_profile: {n} vectors agree")


if __name__ == "__main__":
    main()
