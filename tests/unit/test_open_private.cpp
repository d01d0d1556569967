// Private messages of the open profile (proto/open_private.hpp): ECDH + HKDF + AES-256-GCM,
// the recipient bound by the signature, and the display convention.
#include <gtest/gtest.h>

#include "crypto/ecdh.hpp"
#include "crypto/symmetric.hpp"
#include "open_test_util.hpp"
#include "proto/open_private.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;

namespace {

constexpr std::uint32_t T = 1700000000;

GcmNonce gnonce(std::uint8_t seed) {
    GcmNonce n{};
    for (std::size_t i = 0; i < n.size(); ++i)
        n[i] = static_cast<std::uint8_t>(seed * 3 + i);
    return n;
}

OpenMessage private_msg(const Party& from, const Party& to, std::string_view text,
                        std::uint8_t seed = 1, const NetworkId& net = kNet) {
    auto m = make_private_message(proto::MSG_MINER_MESSAGE, as_bytes(text), T, from.key,
                                  from.address(), to.key.pubkey(), net, gnonce(seed));
    if (!m) throw std::runtime_error(m.error().to_string());
    return *m;
}

LedgerConfig no_mwu() {
    LedgerConfig c;
    c.enforce_mwu = false;
    return c;
}

}  // namespace

TEST(OpenPrivate, RecipientAndSenderDecryptOthersCannot) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const Party c = party(kMasterEvil, 0);
    const OpenMessage m = private_msg(a, b, "meet at block 800000");
    EXPECT_TRUE(m.is_private());
    EXPECT_EQ(m.recipient, b.id());
    EXPECT_EQ(m.payload.size(), std::string_view("meet at block 800000").size() + 28);
    EXPECT_FALSE(to_string(m.payload).find("800000") != std::string::npos);
    EXPECT_TRUE(verify_open_message(m, a.key.pubkey(), a.address(), kNet));

    auto by_b = decrypt_private(m, b.key, a.key.pubkey(), kNet);
    ASSERT_TRUE(by_b) << by_b.error().to_string();
    EXPECT_EQ(to_string(*by_b), "meet at block 800000");
    auto by_a = decrypt_private(m, a.key, b.key.pubkey(), kNet);
    ASSERT_TRUE(by_a) << by_a.error().to_string();
    EXPECT_EQ(*by_a, *by_b);
    // A third party is refused outright; with a wrong key the tag does not match.
    EXPECT_EQ(decrypt_private(m, c.key, a.key.pubkey(), kNet).error().code, Errc::invalid_argument);
    EXPECT_EQ(decrypt_private(m, b.key, c.key.pubkey(), kNet).error().code, Errc::bad_signature);
    EXPECT_EQ(decrypt_private(m, b.key, a.key.pubkey(), kOtherNet).error().code,
              Errc::bad_signature);
}

TEST(OpenPrivate, KeyDerivationIsSymmetricAndBindsTheIds) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    auto ka = private_message_key(a.key.privkey(), b.key.pubkey(), kNet, a.id(), b.id());
    auto kb = private_message_key(b.key.privkey(), a.key.pubkey(), kNet, a.id(), b.id());
    ASSERT_TRUE(ka && kb);
    EXPECT_EQ(*ka, *kb);
    // HKDF-SHA256 over the libsecp256k1 ECDH secret, computed step by step.
    auto secret = crypto::ecdh_sha256(a.key.privkey(), b.key.pubkey());
    Bytes info = text("sharemsg/open/private");
    append(info, kNet);
    append(info, a.id());
    append(info, b.id());
    const Bytes okm = crypto::hkdf_sha256(*secret, as_bytes("sharemsg/open/private/v1"), info, 32);
    EXPECT_EQ(Bytes(ka->begin(), ka->end()), okm);
    // Direction and network matter.
    EXPECT_NE(*private_message_key(a.key.privkey(), b.key.pubkey(), kNet, b.id(), a.id()), *ka);
    EXPECT_NE(*private_message_key(a.key.privkey(), b.key.pubkey(), kOtherNet, a.id(), b.id()),
              *ka);
}

TEST(OpenPrivate, TamperingIsRejected) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const OpenMessage m = private_msg(a, b, "flip me");
    for (std::size_t i = 0; i < m.payload.size(); ++i) {
        OpenMessage t = m;
        t.payload[i] ^= 0x01;
        auto r = decrypt_private(t, b.key, a.key.pubkey(), kNet);
        ASSERT_FALSE(r) << "byte " << i;
        EXPECT_EQ(r.error().code, Errc::bad_signature);
        // And the signature no longer verifies either.
        EXPECT_FALSE(verify_open_message(t, a.key.pubkey(), a.address(), kNet));
    }
    // The header is authenticated data: another type or timestamp fails to decrypt.
    OpenMessage other_type = m;
    other_type.msg_type = proto::MSG_POOL_ANNOUNCE;
    EXPECT_FALSE(decrypt_private(other_type, b.key, a.key.pubkey(), kNet));
    OpenMessage other_time = m;
    other_time.timestamp += 1;
    EXPECT_FALSE(decrypt_private(other_time, b.key, a.key.pubkey(), kNet));
    OpenMessage short_payload = m;
    short_payload.payload.resize(27);
    EXPECT_EQ(decrypt_private(short_payload, b.key, a.key.pubkey(), kNet).error().code,
              Errc::truncated);
}

TEST(OpenPrivate, RandomNoncesGiveDistinctCiphertexts) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const OpenMessage m1 = private_msg(a, b, "same text", 1);
    const OpenMessage m2 = private_msg(a, b, "same text", 2);
    EXPECT_NE(m1.payload, m2.payload);
    EXPECT_EQ(*decrypt_private(m1, b.key, a.key.pubkey(), kNet),
              *decrypt_private(m2, b.key, a.key.pubkey(), kNet));
}

TEST(OpenPrivate, Limits) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const Bytes max_single(MAX_PRIVATE_PLAINTEXT_SINGLE, 'x');
    auto single = make_private_message(proto::MSG_MINER_MESSAGE, max_single, T, a.key, a.address(),
                                       b.key.pubkey(), kNet, gnonce(1));
    ASSERT_TRUE(single);
    EXPECT_EQ(single->payload.size(), proto::MAX_MESSAGE_PAYLOAD);
    const Bytes too_big(MAX_PRIVATE_PLAINTEXT + 1, 'x');
    EXPECT_EQ(make_private_message(proto::MSG_MINER_MESSAGE, too_big, T, a.key, a.address(),
                                   b.key.pubkey(), kNet, gnonce(1))
                  .error()
                  .code,
              Errc::oversize);
    crypto::CompressedPubKey bad = b.key.pubkey();
    bad[0] = 0x09;
    EXPECT_EQ(make_private_message(proto::MSG_MINER_MESSAGE, as_bytes("x"), T, a.key, a.address(),
                                   bad, kNet, gnonce(1))
                  .error()
                  .code,
              Errc::bad_key);
}

TEST(OpenPrivate, ThroughTheLedgerAndTheDisplayConvention) {
    const Party a = party(kMaster1, 0);
    const Party b = party(kMaster2, 0);
    const Party c = party(kMasterEvil, 0);
    Ledger ledger(no_mwu());
    ledger.apply_share(share(1, a.address()), [&] {
        Envelope e;
        e.announcement = a.ann;
        return e;
    }());
    ledger.apply_share(share(2, b.address()), [&] {
        Envelope e;
        e.announcement = b.ann;
        return e;
    }());
    Envelope env;
    env.messages = {private_msg(a, b, "hello b")};
    auto data = seal(env, kNet, nonce(3));
    ASSERT_TRUE(data);
    auto r = ledger.apply_share_data(share(3, a.address()), *data);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->messages.size(), 1u);
    const proto::ShareMessage& sm = r->messages[0];
    EXPECT_TRUE(sm.verified);
    EXPECT_EQ(sm.recipient, b.id());
    EXPECT_TRUE(sm.flags & FLAG_PRIVATE);

    auto pt = decrypt_private(sm, b.key, ledger.key(a.id())->pubkey, kNet);
    ASSERT_TRUE(pt) << pt.error().to_string();
    EXPECT_EQ(to_string(*pt), "hello b");
    EXPECT_EQ(to_string(display_payload(sm, &b.key, ledger)), "hello b");
    EXPECT_EQ(to_string(display_payload(sm, &a.key, ledger)), "hello b");
    EXPECT_EQ(to_string(display_payload(sm, &c.key, ledger)), "[encrypted]");
    EXPECT_EQ(to_string(display_payload(sm, nullptr, ledger)), "[encrypted]");
    // A flipped ciphertext byte in the share: the signature check rejects the message.
    Envelope flipped = env;
    flipped.messages[0].payload[20] ^= 0x80;
    flipped.messages[0].timestamp = T + 1;  // not a duplicate of the first
    auto r2 = ledger.apply_share(share(4, a.address()), flipped);
    EXPECT_TRUE(r2.messages.empty());
    EXPECT_EQ(r2.ignored[Ignored::bad_signature], 1u);
    // Public messages display unchanged.
    proto::ShareMessage pub = sm;
    pub.recipient.reset();
    pub.flags &= static_cast<std::uint8_t>(~FLAG_PRIVATE);
    EXPECT_EQ(display_payload(pub, nullptr, ledger), pub.payload);
}
