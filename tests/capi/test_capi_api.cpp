// The C ABI's own behaviour: share parsing, every V36 verdict, the verify-once cache, the
// outbox's refusals, the store fed by verdicts, errors as codes with messages, and the C++
// wrapper of sharemsg.hpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include "capi_test_util.hpp"
#include "chain_golden.hpp"
#include "sharemsg/sharemsg.h"
#include "sharemsg/sharemsg.hpp"

using namespace capi_test;

namespace {

const std::string A_PRIV = "35a1b9432ac338abf3e6dad550199ada98d162475b4b213b4384b35f7c3b21c5";
const std::string A_PUB = "025e2177adea8eef2a9d0a1558557bd89debbac79626acc5669a054852420cb9ee";

// A transition signal signed by test authority A.
Bytes signed_by_a(const std::string& text, std::uint32_t ts) {
    const Bytes key = unhex(A_PRIV);
    Buffer out;
    EXPECT_EQ(
        sharemsg_message_create(0x20, 0x0f, ts, reinterpret_cast<const std::uint8_t*>(text.data()),
                                text.size(), key.data(), &out.p, &out.n, nullptr),
        SHAREMSG_OK);
    return out.bytes();
}

// message_data: an inner envelope [1][0][1][0] + one message, encrypted under A.
Bytes envelope_of(sharemsg_context* ctx, const Bytes& message) {
    Bytes inner(4 + message.size());
    inner[0] = 1;  // inner version
    inner[2] = 1;  // one message, no announcement
    std::copy(message.begin(), message.end(), inner.begin() + 4);
    const Bytes key = unhex(A_PUB);
    const Bytes nonce(16, 7);
    Buffer out;
    EXPECT_EQ(sharemsg_encrypt_envelope(ctx, inner.data(), inner.size(), key.data(), nonce.data(),
                                        &out.p, &out.n, nullptr),
              SHAREMSG_OK);
    return out.bytes();
}

int rule_of(sharemsg_context* ctx, const Bytes& data) {
    sharemsg_verdict* v = nullptr;
    EXPECT_EQ(sharemsg_verify_message_data(ctx, data.data(), data.size(), &v, nullptr),
              SHAREMSG_OK);
    const int r = sharemsg_verdict_rule(v);
    sharemsg_verdict_destroy(v);
    return r;
}

}  // namespace

TEST(CApi, ParsesTheReferenceShare) {
    const Bytes contents = unhex(chain_golden::share_full);
    sharemsg_share* s = nullptr;
    sharemsg_error err;
    ASSERT_EQ(sharemsg_share_parse(36, contents.data(), contents.size(), &s, &err), SHAREMSG_OK)
        << err.message;
    size_t n = 0;
    const std::uint8_t* md = sharemsg_share_message_data(s, &n);
    ASSERT_EQ(n, 61u);
    EXPECT_EQ(md[0], 0x01);
    EXPECT_EQ(md[60], 'M');
    EXPECT_EQ(sharemsg_share_timestamp(s), 1700000000u);
    EXPECT_EQ(sharemsg_share_absheight(s), 123456u);
    EXPECT_EQ(sharemsg_share_bits(s), 0x1d00ffffu);
    std::uint8_t payout[20];
    EXPECT_EQ(sharemsg_share_payout(s, payout), 1);  // P2WPKH
    EXPECT_EQ(hex(payout, 20), "14131211100f0e0d0c0b0a090807060504030201");
    std::uint8_t prev[32];
    ASSERT_EQ(sharemsg_share_previous(s, prev), 1);
    EXPECT_EQ(hex(prev, 32).substr(60), "1234");

    // Its message_data (0x01 + "M" * 60) decrypts under no authority: invalid under V36.
    auto ctx = context(SHAREMSG_AUTHORITIES_MAINNET);
    EXPECT_EQ(rule_of(ctx.get(), Bytes(md, md + n)), SHAREMSG_V36_NOT_DECRYPTED);
    sharemsg_share_destroy(s);
}

TEST(CApi, ShareErrorsAreCodesWithMessages) {
    const Bytes contents = unhex(chain_golden::share_full);
    sharemsg_share* s = nullptr;
    sharemsg_error err;
    EXPECT_EQ(sharemsg_share_parse(35, contents.data(), contents.size(), &s, &err),
              SHAREMSG_ERR_BAD_VERSION);
    EXPECT_EQ(s, nullptr);
    EXPECT_NE(std::string(err.message).find("35"), std::string::npos) << err.message;
    EXPECT_EQ(sharemsg_share_parse(36, contents.data(), 40, &s, &err), SHAREMSG_ERR_TRUNCATED);
    EXPECT_NE(std::string(err.message), "");
    Bytes longer = contents;
    longer.push_back(0);
    EXPECT_EQ(sharemsg_share_parse(36, longer.data(), longer.size(), &s, nullptr),
              SHAREMSG_ERR_TRAILING_BYTES);
    EXPECT_EQ(sharemsg_share_parse(36, nullptr, 5, &s, &err), SHAREMSG_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(err.code, SHAREMSG_ERR_INVALID_ARGUMENT);
    // Success clears the error.
    ASSERT_EQ(sharemsg_share_parse(36, contents.data(), contents.size(), &s, &err), SHAREMSG_OK);
    EXPECT_EQ(err.code, SHAREMSG_OK);
    EXPECT_STREQ(err.message, "");
    sharemsg_share_destroy(s);
    sharemsg_share_destroy(nullptr);
    EXPECT_STREQ(sharemsg_status_name(SHAREMSG_ERR_NO_MEMORY), "SHAREMSG_ERR_NO_MEMORY");
    EXPECT_STREQ(sharemsg_version(), "0.1.0");
}

TEST(CApi, EveryV36Verdict) {
    auto ctx = context(SHAREMSG_AUTHORITIES_TEST);
    EXPECT_EQ(rule_of(ctx.get(), {}), SHAREMSG_V36_OK_EMPTY);
    const Bytes good =
        signed_by_a("{\"from\":\"35\",\"to\":\"36\",\"msg\":\"t\",\"urg\":\"info\"}", 1700000000);
    EXPECT_EQ(rule_of(ctx.get(), envelope_of(ctx.get(), good)), SHAREMSG_V36_OK);

    Buffer unsigned_msg;
    const std::string text = "hello";
    ASSERT_EQ(sharemsg_message_create(
                  0x02, 0x06, 1700000000, reinterpret_cast<const std::uint8_t*>(text.data()),
                  text.size(), nullptr, &unsigned_msg.p, &unsigned_msg.n, nullptr),
              SHAREMSG_OK);
    EXPECT_EQ(rule_of(ctx.get(), envelope_of(ctx.get(), unsigned_msg.bytes())),
              SHAREMSG_V36_UNSIGNED_MESSAGE);

    Bytes forged = good;
    forged[10] ^= 1;  // a payload byte: the signature no longer covers it
    EXPECT_EQ(rule_of(ctx.get(), envelope_of(ctx.get(), forged)), SHAREMSG_V36_BAD_SIGNATURE);

    EXPECT_EQ(rule_of(ctx.get(), envelope_of(ctx.get(), Bytes{0xff})), SHAREMSG_V36_NO_MESSAGES);
    Bytes garbage(80, 0x01);
    EXPECT_EQ(rule_of(ctx.get(), garbage), SHAREMSG_V36_NOT_DECRYPTED);
}

TEST(CApi, TheCacheAnswersRepeatedBlobsAndOnlyThose) {
    auto ctx = context(SHAREMSG_AUTHORITIES_TEST);
    const Bytes one = envelope_of(ctx.get(), signed_by_a("{\"msg\":\"one\"}", 1700000000));
    const Bytes two = envelope_of(ctx.get(), signed_by_a("{\"msg\":\"two\"}", 1700000001));
    Bytes forged = one;
    forged.back() ^= 1;  // same length, other bytes: not the cached blob
    for (const Bytes* b : std::initializer_list<const Bytes*>{&one, &two, &one, &two, &forged}) {
        sharemsg_verdict* v = nullptr;
        ASSERT_EQ(sharemsg_verify_message_data(ctx.get(), b->data(), b->size(), &v, nullptr),
                  SHAREMSG_OK);
        sharemsg_verdict_destroy(v);
    }
    std::uint64_t hits = 0, misses = 0;
    sharemsg_context_cache_stats(ctx.get(), &hits, &misses);
    EXPECT_EQ(hits, 2u);
    EXPECT_EQ(misses, 3u);
    EXPECT_NE(rule_of(ctx.get(), forged), SHAREMSG_V36_OK);

    // From several threads at once: every verdict the same.
    std::vector<std::thread> threads;
    std::atomic<int> bad{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i)
                if (rule_of(ctx.get(), i % 2 ? one : two) != SHAREMSG_V36_OK) ++bad;
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(bad.load(), 0);
}

TEST(CApi, TheOutboxRefusesWhatAV36ShareCannotCarry) {
    auto ctx = context(SHAREMSG_AUTHORITIES_MAINNET);  // A is not a mainnet authority
    sharemsg_outbox* o = nullptr;
    ASSERT_EQ(sharemsg_outbox_create(ctx.get(), &o, nullptr), SHAREMSG_OK);
    const Bytes by_a = signed_by_a("{\"msg\":\"x\"}", 1700000000);
    sharemsg_error err;
    EXPECT_EQ(sharemsg_outbox_add(o, by_a.data(), by_a.size(), &err), SHAREMSG_ERR_NOT_AUTHORITY);
    Bytes trailing = by_a;
    trailing.push_back(0);
    EXPECT_EQ(sharemsg_outbox_add(o, trailing.data(), trailing.size(), &err),
              SHAREMSG_ERR_TRAILING_BYTES);
    EXPECT_EQ(sharemsg_outbox_add(o, by_a.data(), 10, &err), SHAREMSG_ERR_TRUNCATED);
    EXPECT_EQ(sharemsg_outbox_count(o), 0u);
    Buffer out;
    ASSERT_EQ(sharemsg_outbox_build(o, nullptr, &out.p, &out.n, nullptr), SHAREMSG_OK);
    EXPECT_EQ(out.n, 0u);  // nothing waits: no message_data
    sharemsg_outbox_destroy(o);

    auto test_ctx = context(SHAREMSG_AUTHORITIES_TEST);
    ASSERT_EQ(sharemsg_outbox_create(test_ctx.get(), &o, nullptr), SHAREMSG_OK);
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(sharemsg_outbox_add(o, by_a.data(), by_a.size(), nullptr), SHAREMSG_OK);
    EXPECT_EQ(sharemsg_outbox_add(o, by_a.data(), by_a.size(), &err), SHAREMSG_ERR_OVERSIZE);
    sharemsg_outbox_clear(o);
    EXPECT_EQ(sharemsg_outbox_count(o), 0u);

    // Signed without the authority flag: packing would change the bytes the signature covers.
    const Bytes key = unhex(A_PRIV);
    Buffer no_flag;
    const std::string text = "{\"msg\":\"x\"}";
    ASSERT_EQ(sharemsg_message_create(0x20, 0x07, 1700000000,
                                      reinterpret_cast<const std::uint8_t*>(text.data()),
                                      text.size(), key.data(), &no_flag.p, &no_flag.n, nullptr),
              SHAREMSG_OK);
    EXPECT_EQ(sharemsg_outbox_add(o, no_flag.p, no_flag.n, &err), SHAREMSG_ERR_INVALID_ARGUMENT);
    // Two messages of 220-byte payloads pass the inner envelope's 512 bytes.
    const Bytes big = signed_by_a(std::string(220, 'x'), 1700000000);
    EXPECT_EQ(sharemsg_outbox_add(o, big.data(), big.size(), nullptr), SHAREMSG_OK);
    EXPECT_EQ(sharemsg_outbox_add(o, big.data(), big.size(), &err), SHAREMSG_ERR_OVERSIZE);
    EXPECT_EQ(sharemsg_outbox_count(o), 1u);
    Buffer data;
    EXPECT_EQ(sharemsg_outbox_build(o, nullptr, &data.p, &data.n, nullptr), SHAREMSG_OK);
    EXPECT_GT(data.n, 0u);
    sharemsg_outbox_destroy(o);
}

TEST(CApi, StoreTakesVerifiedSharesAndPrunesByTheChain) {
    auto ctx = context(SHAREMSG_AUTHORITIES_TEST);
    sharemsg_store* s = nullptr;
    ASSERT_EQ(sharemsg_store_create(ctx.get(), 0, 0, &s, nullptr), SHAREMSG_OK);
    const Bytes data = envelope_of(ctx.get(), signed_by_a("{\"msg\":\"stored\"}", 1700000000));
    sharemsg_verdict* v = nullptr;
    ASSERT_EQ(sharemsg_verify_message_data(ctx.get(), data.data(), data.size(), &v, nullptr),
              SHAREMSG_OK);
    const Bytes share(32, 0xab);
    std::size_t added = 0;
    ASSERT_EQ(
        sharemsg_store_add_verified(s, v, share.data(), "LaddressX", 1700000010, &added, nullptr),
        SHAREMSG_OK);
    EXPECT_EQ(added, 1u);
    ASSERT_EQ(
        sharemsg_store_add_verified(s, v, share.data(), "LaddressX", 1700000010, &added, nullptr),
        SHAREMSG_OK);
    EXPECT_EQ(added, 0u);  // deduplicated
    char* json = nullptr;
    ASSERT_EQ(sharemsg_store_json(s, -1, 0, 0, 1700000010, &json, nullptr), SHAREMSG_OK);
    const auto j = nlohmann::json::parse(json);
    sharemsg_free(json);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["share_hash"], hex(share));
    EXPECT_EQ(j[0]["protocol_authority"], true);
    EXPECT_EQ(j[0]["age"], 10);
    // Authority messages stay when their share leaves the chain.
    const Bytes other(32, 0x01);
    ASSERT_EQ(sharemsg_store_prune(s, other.data(), 1, nullptr), SHAREMSG_OK);
    EXPECT_EQ(sharemsg_store_size(s), 1u);
    // A verdict that is not valid adds nothing.
    sharemsg_verdict* bad = nullptr;
    const Bytes garbage(80, 0x01);
    ASSERT_EQ(
        sharemsg_verify_message_data(ctx.get(), garbage.data(), garbage.size(), &bad, nullptr),
        SHAREMSG_OK);
    ASSERT_EQ(
        sharemsg_store_add_verified(s, bad, other.data(), nullptr, 1700000010, &added, nullptr),
        SHAREMSG_OK);
    EXPECT_EQ(added, 0u);
    EXPECT_EQ(sharemsg_store_json(s, 300, 0, 0, 0, &json, nullptr), SHAREMSG_ERR_INVALID_ARGUMENT);
    sharemsg_verdict_destroy(bad);
    sharemsg_verdict_destroy(v);
    sharemsg_store_destroy(s);
}

TEST(CApi, CppWrapperRoundTrip) {
    sharemsg::Context ctx(SHAREMSG_AUTHORITIES_TEST);
    const Bytes key = unhex(A_PRIV);
    const std::string text = "{\"msg\":\"wrapped\"}";
    const auto msg = sharemsg::message_create(
        0x20, 0x0f, 1700000000, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()},
        key.data());
    sharemsg::Outbox outbox(ctx);
    outbox.add(msg);
    const auto data = outbox.build();
    auto first = ctx.verify(data);
    auto second = ctx.verify(data);
    EXPECT_TRUE(first.valid());
    EXPECT_FALSE(first.cached());
    EXPECT_TRUE(second.cached());
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(std::string(second[0].payload().begin(), second[0].payload().end()), text);
    EXPECT_EQ(second[0].pack().size(), msg.size());
    sharemsg::Store store(ctx);
    EXPECT_EQ(store.add_verified(second, {}, "addr", 1700000000), 1u);
    EXPECT_NE(store.json(1700000000).find("wrapped"), std::string::npos);
    try {
        sharemsg::Share::parse(35, data);
        FAIL() << "no exception";
    } catch (const sharemsg::Error& e) {
        EXPECT_EQ(e.code(), SHAREMSG_ERR_BAD_VERSION);
    }
}
