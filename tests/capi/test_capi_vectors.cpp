// The reference's public vectors (vectors/reference/share_messages_public.json) through the C
// ABI of libsharemsg.so: hashes, envelopes, unpacking, packing from an outbox, the V36 rule on
// the real mainnet transition blob with its verify-once cache, and the store's JSON.
#include <gtest/gtest.h>

#include "capi_test_util.hpp"
#include "sharemsg/sharemsg.h"

using namespace capi_test;

TEST(CApiVectors, MessageDataHash) {
    const auto& vs = public_vectors()["authority_envelope"]["compute_message_data_hash"];
    ASSERT_FALSE(vs.empty());
    for (const auto& v : vs) {
        const Bytes in = v["input"].is_null() ? Bytes{} : unhex(v["input"]);
        std::uint8_t out[32];
        ASSERT_EQ(sharemsg_message_data_hash(in.data(), in.size(), out, nullptr), SHAREMSG_OK);
        EXPECT_EQ(hex(out, 32), v["hash"]) << v["what"];
    }
}

TEST(CApiVectors, DecryptEnvelope) {
    const auto& vs = public_vectors()["authority_envelope"]["decrypt"];
    ASSERT_FALSE(vs.empty());
    for (const auto& v : vs) {
        auto ctx = context(key_set(v));
        const Bytes env = unhex(v["envelope"]);
        Buffer inner;
        std::uint8_t authority[33];
        sharemsg_error err;
        const int rc = sharemsg_decrypt_envelope(ctx.get(), env.data(), env.size(), &inner.p,
                                                 &inner.n, authority, &err);
        if (v["decrypt"][0].is_null()) {
            EXPECT_NE(rc, SHAREMSG_OK) << v["what"];
            EXPECT_EQ(err.code, rc);
            EXPECT_NE(std::string(err.message), "");
            EXPECT_EQ(inner.p, nullptr);
        } else {
            ASSERT_EQ(rc, SHAREMSG_OK) << v["what"] << ": " << err.message;
            EXPECT_EQ(hex(inner.bytes()), v["decrypt"][0]) << v["what"];
            EXPECT_EQ(hex(authority, 33), v["decrypt"][1]) << v["what"];
        }
    }
}

TEST(CApiVectors, EncryptEnvelope) {
    const auto& ae = public_vectors()["authority_envelope"];
    ASSERT_FALSE(ae["encrypt"].empty());
    for (const auto& v : ae["encrypt"]) {
        auto ctx = context(key_set(v));
        const Bytes inner = unhex(v["inner"]), nonce = unhex(v["nonce"]),
                    key = unhex(v["authority_pubkey"]);
        Buffer out;
        sharemsg_error err;
        ASSERT_EQ(sharemsg_encrypt_envelope(ctx.get(), inner.data(), inner.size(), key.data(),
                                            nonce.data(), &out.p, &out.n, &err),
                  SHAREMSG_OK)
            << v["what"] << ": " << err.message;
        EXPECT_EQ(hex(out.bytes()), v["envelope"]) << v["what"];
    }
    // An empty inner gives no envelope, as in the reference.
    auto ctx = context(SHAREMSG_AUTHORITIES_MAINNET);
    const Bytes key = unhex(ae["encrypt"][0]["authority_pubkey"]);
    Buffer out;
    ASSERT_EQ(sharemsg_encrypt_envelope(ctx.get(), nullptr, 0, key.data(), nullptr, &out.p, &out.n,
                                        nullptr),
              SHAREMSG_OK);
    EXPECT_EQ(out.n, 0u);
    EXPECT_EQ(hex(out.bytes()), ae["encrypt_errors"][0]["result"]["ok"]);
}

TEST(CApiVectors, UnpackShareMessages) {
    const auto& vs = public_vectors()["unpack_share_messages"];
    ASSERT_FALSE(vs.empty());
    for (const auto& v : vs) {
        auto ctx = context(key_set(v));
        const Bytes env = unhex(v["envelope"]);
        sharemsg_unpacked* u = nullptr;
        ASSERT_EQ(sharemsg_unpack_message_data(ctx.get(), env.data(), env.size(), &u, nullptr),
                  SHAREMSG_OK);
        const auto& want = v["result"];
        ASSERT_EQ(sharemsg_unpacked_message_count(u), want["messages"].size()) << v["what"];
        for (std::size_t i = 0; i < want["messages"].size(); ++i) {
            const auto& wm = want["messages"][i];
            const sharemsg_message* m = sharemsg_unpacked_message(u, i);
            ASSERT_NE(m, nullptr);
            Buffer packed;
            ASSERT_EQ(sharemsg_message_pack(m, &packed.p, &packed.n, nullptr), SHAREMSG_OK);
            EXPECT_EQ(hex(packed.bytes()), wm["pack"]) << v["what"] << " message " << i;
            std::uint8_t h[32];
            sharemsg_message_hash(m, h);
            EXPECT_EQ(hex(h, 32), wm["message_hash"]);
            EXPECT_EQ(sharemsg_message_type(m), wm["msg_type"]);
            EXPECT_EQ(sharemsg_message_wire_flags(m), wm["wire_flags"]);
            EXPECT_EQ(sharemsg_message_timestamp(m), wm["timestamp"]);
        }
        const auto& info = want["signing_key_info"];
        std::uint8_t authority[33];
        ASSERT_EQ(sharemsg_unpacked_authority(u, authority), info.is_null() ? 0 : 1);
        if (!info.is_null()) {
            EXPECT_EQ(hex(authority, 33), info["authority_pubkey"]);
            std::uint8_t id[20], pub[33];
            std::uint32_t index = 99;
            ASSERT_EQ(sharemsg_unpacked_announcement(u, id, &index, pub),
                      info.contains("signing_id") ? 1 : 0)
                << v["what"];
            if (info.contains("signing_id")) {
                EXPECT_EQ(hex(id, 20), info["signing_id"]);
                EXPECT_EQ(index, info["key_index"]);
                EXPECT_EQ(hex(pub, 33), info["signing_pubkey"]);
            }
        }
        sharemsg_unpacked_destroy(u);
    }
}

TEST(CApiVectors, PackShareMessagesFromTheOutbox) {
    const auto& vs = public_vectors()["pack_share_messages"];
    ASSERT_FALSE(vs.empty());
    for (const auto& v : vs) {
        auto ctx = context(key_set(v));
        sharemsg_outbox* o = nullptr;
        ASSERT_EQ(sharemsg_outbox_create(ctx.get(), &o, nullptr), SHAREMSG_OK);
        const bool refused = v.contains("result") && v["result"].contains("error");
        int rc = SHAREMSG_OK;
        sharemsg_error err;
        for (const auto& m : v["messages_in"]) {
            const Bytes packed = unhex(m["pack"]);
            rc = sharemsg_outbox_add(o, packed.data(), packed.size(), &err);
            if (rc != SHAREMSG_OK) break;
        }
        if (refused) {
            // The reference raises ValueError for an unsigned message.
            EXPECT_EQ(rc, SHAREMSG_ERR_BAD_SIGNATURE) << v["what"];
            EXPECT_EQ(err.code, rc);
        } else {
            ASSERT_EQ(rc, SHAREMSG_OK) << v["what"] << ": " << err.message;
            if (!v["announcement"].is_null()) {
                const Bytes a = unhex(v["announcement"]);
                ASSERT_EQ(sharemsg_outbox_set_announcement(o, a.data(), a.size(), nullptr),
                          SHAREMSG_OK);
            }
            const Bytes nonce = unhex(v["nonce"]);
            Buffer out;
            ASSERT_EQ(sharemsg_outbox_build(o, nonce.data(), &out.p, &out.n, &err), SHAREMSG_OK)
                << err.message;
            EXPECT_EQ(hex(out.bytes()), v["envelope"]) << v["what"];
        }
        sharemsg_outbox_destroy(o);
    }
}

TEST(CApiVectors, MainnetTransitionBlobIsVerifiedOnceThenFromTheCache) {
    const auto& blob = public_vectors()["mainnet_transition_blob"];
    const Bytes data = unhex(blob["file_hex_stripped"]);
    const auto& want = blob["messages"][0]["unpacked"];
    auto ctx = context(SHAREMSG_AUTHORITIES_MAINNET);
    for (int round = 0; round < 3; ++round) {
        sharemsg_verdict* v = nullptr;
        ASSERT_EQ(sharemsg_verify_message_data(ctx.get(), data.data(), data.size(), &v, nullptr),
                  SHAREMSG_OK);
        EXPECT_EQ(sharemsg_verdict_rule(v), SHAREMSG_V36_OK) << sharemsg_verdict_reason(v);
        EXPECT_EQ(sharemsg_verdict_valid(v), 1);
        EXPECT_EQ(sharemsg_verdict_cached(v), round > 0 ? 1 : 0);
        std::uint8_t authority[33];
        ASSERT_EQ(sharemsg_verdict_authority(v, authority), 1);
        EXPECT_EQ(hex(authority, 33), blob["decrypt_authority_pubkey"]);
        ASSERT_EQ(sharemsg_verdict_message_count(v), 1u);
        const sharemsg_message* m = sharemsg_verdict_message(v, 0);
        EXPECT_EQ(sharemsg_verdict_message(v, 1), nullptr);
        EXPECT_EQ(sharemsg_message_type(m), want["msg_type"]);
        EXPECT_EQ(sharemsg_message_verified(m), 1);
        // The authority flag is earned by the verification (0x08 on top of the wire's 0x07).
        EXPECT_EQ(sharemsg_message_flags(m), 0x0f);
        std::uint8_t h[32];
        sharemsg_message_hash(m, h);
        EXPECT_EQ(hex(h, 32), want["message_hash"]);
        sharemsg_verdict_destroy(v);
    }
    std::uint64_t hits = 0, misses = 0;
    sharemsg_context_cache_stats(ctx.get(), &hits, &misses);
    EXPECT_EQ(hits, 2u);
    EXPECT_EQ(misses, 1u);

    // Under the test authorities the same bytes do not decrypt: the share would be invalid.
    auto test_ctx = context(SHAREMSG_AUTHORITIES_TEST);
    sharemsg_verdict* v = nullptr;
    ASSERT_EQ(sharemsg_verify_message_data(test_ctx.get(), data.data(), data.size(), &v, nullptr),
              SHAREMSG_OK);
    EXPECT_EQ(sharemsg_verdict_rule(v), SHAREMSG_V36_NOT_DECRYPTED);
    EXPECT_EQ(sharemsg_verdict_valid(v), 0);
    EXPECT_EQ(sharemsg_verdict_authority(v, nullptr), 0);
    EXPECT_STREQ(sharemsg_v36_rule_name(sharemsg_verdict_rule(v)), "not_decrypted");
    sharemsg_verdict_destroy(v);
}

TEST(CApiVectors, StoreJsonOfTheMainnetBlob) {
    const auto& blob = public_vectors()["mainnet_transition_blob"];
    const auto& want = blob["load_blob_hex_ecdsa"];
    auto ctx = context(SHAREMSG_AUTHORITIES_MAINNET);
    sharemsg_store* s = nullptr;
    ASSERT_EQ(sharemsg_store_create(ctx.get(), 0, 0, &s, nullptr), SHAREMSG_OK);
    const std::string hexblob = blob["file_hex_stripped"];
    std::size_t added = 0;
    ASSERT_EQ(sharemsg_store_load_blob_hex(s, hexblob.c_str(), 1700000000.0, &added, nullptr),
              SHAREMSG_OK);
    EXPECT_EQ(added, want["returned"]);
    EXPECT_EQ(sharemsg_store_size(s), 1u);
    char* json = nullptr;
    ASSERT_EQ(sharemsg_store_json(s, -1, 0, 0, 1700000000.0, &json, nullptr), SHAREMSG_OK);
    EXPECT_EQ(nlohmann::json::parse(json), want["to_json"]);
    sharemsg_free(json);
    ASSERT_EQ(
        sharemsg_store_json(s, -1, 0, SHAREMSG_QUERY_AUTHORITY_ONLY, 1700000000.0, &json, nullptr),
        SHAREMSG_OK);
    EXPECT_EQ(nlohmann::json::parse(json), want["authority_only"]);
    sharemsg_free(json);
    // Another type than TRANSITION_SIGNAL (0x20): nothing.
    ASSERT_EQ(sharemsg_store_json(s, 0x02, 0, 0, 1700000000.0, &json, nullptr), SHAREMSG_OK);
    EXPECT_EQ(nlohmann::json::parse(json), nlohmann::json::array());
    sharemsg_free(json);
    ASSERT_EQ(sharemsg_store_stats_json(s, &json, nullptr), SHAREMSG_OK);
    EXPECT_TRUE(nlohmann::json::parse(json).is_object());
    sharemsg_free(json);
    sharemsg_store_destroy(s);
}
