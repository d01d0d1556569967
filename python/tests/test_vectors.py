"""The reference's public vectors through the Python binding (CPython 3 and PyPy 3).

Run: SHAREMSG_LIBRARY=build/libsharemsg.so python3 python/tests/test_vectors.py [VECTORS.json]
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import sharemsg  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SHAREMSG_PUBLIC_VECTORS") or os.path.join(
    HERE, "..", "..", "vectors", "reference", "share_messages_public.json")
with open(VECTORS) as f:
    V = json.load(f)


def ctx_for(v):
    return sharemsg.Context(sharemsg.AUTHORITIES_MAINNET if v.get("key_set", "real") == "real"
                            else sharemsg.AUTHORITIES_TEST)


def h(b):
    return bytes(b).hex()


class Vectors(unittest.TestCase):
    def test_message_data_hash(self):
        for v in V["authority_envelope"]["compute_message_data_hash"]:
            data = bytes.fromhex(v["input"]) if v["input"] is not None else b""
            self.assertEqual(h(sharemsg.message_data_hash(data)), v["hash"], v["what"])

    def test_decrypt(self):
        for v in V["authority_envelope"]["decrypt"]:
            ctx = ctx_for(v)
            if v["decrypt"][0] is None:
                with self.assertRaises(sharemsg.SharemsgError):
                    ctx.decrypt_envelope(bytes.fromhex(v["envelope"]))
            else:
                inner, key = ctx.decrypt_envelope(bytes.fromhex(v["envelope"]))
                self.assertEqual([h(inner), h(key)], v["decrypt"], v["what"])

    def test_encrypt(self):
        for v in V["authority_envelope"]["encrypt"]:
            env = ctx_for(v).encrypt_envelope(bytes.fromhex(v["inner"]),
                                              bytes.fromhex(v["authority_pubkey"]),
                                              bytes.fromhex(v["nonce"]))
            self.assertEqual(h(env), v["envelope"], v["what"])

    def test_unpack_share_messages(self):
        for v in V["unpack_share_messages"]:
            u = ctx_for(v).unpack(bytes.fromhex(v["envelope"]))
            want = v["result"]
            self.assertEqual([h(m.packed) for m in u.messages],
                             [m["pack"] for m in want["messages"]], v["what"])
            self.assertEqual([h(m.hash) for m in u.messages],
                             [m["message_hash"] for m in want["messages"]])
            info = want["signing_key_info"]
            self.assertEqual(h(u.authority) if u.authority else None,
                             info["authority_pubkey"] if info else None)
            if info and "signing_id" in info:
                self.assertEqual((h(u.announcement[0]), u.announcement[1], h(u.announcement[2])),
                                 (info["signing_id"], info["key_index"], info["signing_pubkey"]))

    def test_pack_share_messages_from_the_outbox(self):
        for v in V["pack_share_messages"]:
            outbox = sharemsg.Outbox(ctx_for(v))
            if "error" in v.get("result", {}):
                with self.assertRaises(sharemsg.SharemsgError) as e:
                    for m in v["messages_in"]:
                        outbox.add(bytes.fromhex(m["pack"]))
                self.assertEqual(e.exception.name, "SHAREMSG_ERR_BAD_SIGNATURE")
                continue
            for m in v["messages_in"]:
                outbox.add(bytes.fromhex(m["pack"]))
            if v["announcement"]:
                outbox.set_announcement(bytes.fromhex(v["announcement"]))
            self.assertEqual(h(outbox.build(bytes.fromhex(v["nonce"]))), v["envelope"], v["what"])

    def test_mainnet_blob_verified_once_then_cached(self):
        blob = V["mainnet_transition_blob"]
        data = bytes.fromhex(blob["file_hex_stripped"])
        want = blob["messages"][0]["unpacked"]
        ctx = sharemsg.Context(sharemsg.AUTHORITIES_MAINNET)
        for round_ in range(3):
            verdict = ctx.verify(data)
            self.assertEqual(verdict.rule, sharemsg.V36_OK, verdict.reason)
            self.assertTrue(verdict.valid)
            self.assertEqual(verdict.cached, round_ > 0)
            self.assertEqual(h(verdict.authority), blob["decrypt_authority_pubkey"])
            self.assertEqual([h(m.hash) for m in verdict.messages], [want["message_hash"]])
            self.assertTrue(verdict.messages[0].verified)
        self.assertEqual(ctx.cache_stats(), (2, 1))
        rejected = sharemsg.Context(sharemsg.AUTHORITIES_TEST).verify(data)
        self.assertFalse(rejected.valid)
        self.assertEqual(rejected.rule_name, "not_decrypted")
        self.assertTrue(sharemsg.Context().verify(b"").valid)

    def test_store_json_of_the_mainnet_blob(self):
        blob = V["mainnet_transition_blob"]
        want = blob["load_blob_hex_ecdsa"]
        store = sharemsg.Store(sharemsg.Context(sharemsg.AUTHORITIES_MAINNET))
        self.assertEqual(store.load_blob_hex(blob["file_hex_stripped"], 1700000000.0),
                         want["returned"])
        self.assertEqual(json.loads(store.json(1700000000.0)), want["to_json"])
        self.assertEqual(json.loads(store.json(1700000000.0,
                                               flags=sharemsg.QUERY_AUTHORITY_ONLY)),
                         want["authority_only"])

    def test_store_takes_a_verified_share(self):
        meta = V["meta"]["test_authority"]
        ctx = sharemsg.Context(sharemsg.AUTHORITIES_TEST)
        msg = sharemsg.message_create(0x20, 0x0f, 1700000000, b'{"msg":"py"}',
                                      bytes.fromhex(meta["A_privkey"]))
        outbox = sharemsg.Outbox(ctx)
        outbox.add(msg)
        verdict = ctx.verify(outbox.build())
        self.assertTrue(verdict.valid)
        store = sharemsg.Store(ctx)
        self.assertEqual(store.add_verified(verdict, b"\xab" * 32, "Laddr", 1700000005), 1)
        got = json.loads(store.json(1700000005))
        self.assertEqual(got[0]["share_hash"], "ab" * 32)
        self.assertEqual(got[0]["age"], 5)

    def test_errors(self):
        with self.assertRaises(sharemsg.SharemsgError) as e:
            sharemsg.Share(35, b"\x00" * 10)
        self.assertEqual(e.exception.name, "SHAREMSG_ERR_BAD_VERSION")
        with self.assertRaises(sharemsg.SharemsgError) as e:
            sharemsg.Share(36, b"\x01")
        self.assertEqual(e.exception.name, "SHAREMSG_ERR_TRUNCATED")
        self.assertTrue(e.exception.message)
        self.assertEqual(sharemsg.version(), "0.1.0")


if __name__ == "__main__":
    unittest.main(verbosity=1)
