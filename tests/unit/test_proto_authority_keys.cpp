// Authority keys parsed once, and the hash contexts the envelope's hot path reuses per thread.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "proto/authority.hpp"
#include "proto/message.hpp"
#include "proto_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::proto;
using namespace sharemsg::test;

namespace {

Bytes repeat(std::uint8_t b, std::size_t n) {
    return Bytes(n, b);
}

// RFC 4231 cases 1, 2 and 6, and the empty key over the empty message, in an order where
// every call follows a call with another key.
void expect_hmac_vectors() {
    EXPECT_EQ(to_hex(crypto::hmac_sha256(repeat(0x0b, 20), as_bytes("Hi There"))),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(to_hex(crypto::hmac_sha256(Bytes{}, Bytes{})),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    EXPECT_EQ(
        to_hex(crypto::hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(
        to_hex(crypto::hmac_sha256(
            repeat(0xaa, 131), as_bytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    EXPECT_EQ(to_hex(crypto::hmac_sha256(Bytes{}, Bytes{})),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

void expect_digest_vectors() {
    EXPECT_EQ(to_hex(crypto::sha256(as_bytes("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(to_hex(crypto::ripemd160(as_bytes("abc"))),
              "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    EXPECT_EQ(to_hex(crypto::sha256(Bytes{})),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    crypto::Sha256 h;
    h.update(as_bytes("a")).update(as_bytes("bc"));
    EXPECT_EQ(to_hex(h.finish()),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

const Bytes kNotAPoint = hexb("02" + std::string(64, 'f'));  // x above the field prime

}  // namespace

TEST(CryptoHashContexts, HmacVectorsWhateverTheKeyBefore) {
    expect_hmac_vectors();
    expect_hmac_vectors();  // the thread's context now holds state from the calls above
}

TEST(CryptoHashContexts, DigestVectorsOnThisThreadAndAnother) {
    expect_digest_vectors();
    std::thread other([] {
        expect_digest_vectors();
        expect_hmac_vectors();
    });
    other.join();
    expect_digest_vectors();
}

TEST(CryptoParsedPubKey, RejectsWhatIsNotAPointEncoding) {
    EXPECT_FALSE(crypto::ParsedPubKey::parse(Bytes(32, 0x02)));
    EXPECT_FALSE(crypto::ParsedPubKey::parse(kNotAPoint));
    EXPECT_TRUE(crypto::ParsedPubKey::parse(hexb(kAuthorityAPub)));
}

TEST(CryptoParsedPubKey, VerifiesAsTheByteKeyDoes) {
    const auto m = authority_signed(kAuthorityAPriv, MSG_TRANSITION_SIGNAL, "{}", 1700000000);
    const auto digest = m.hash();
    const Bytes pub = hexb(kAuthorityAPub);
    const auto parsed = crypto::ParsedPubKey::parse(pub);
    ASSERT_TRUE(parsed);
    const Bytes high = negate_s(m.signature);
    ASSERT_TRUE(crypto::ecdsa_der_is_high_s(high));
    Bytes bad = m.signature;
    bad[10] ^= 0x01;
    const auto other_digest = crypto::sha256(as_bytes("another message"));
    for (const Bytes& sig : {m.signature, high, bad, Bytes{}}) {
        EXPECT_EQ(crypto::ecdsa_verify_der_normalized(*parsed, digest, sig),
                  crypto::ecdsa_verify_der_normalized(pub, digest, sig));
        EXPECT_FALSE(crypto::ecdsa_verify_der_normalized(*parsed, other_digest, sig));
    }
    EXPECT_TRUE(crypto::ecdsa_verify_der_normalized(*parsed, digest, m.signature));
    EXPECT_TRUE(crypto::ecdsa_verify_der_normalized(*parsed, digest, high));
}

TEST(ProtoAuthorityKeys, ParsedOnceAtConstruction) {
    const Authority a(hexa<33>(kAuthorityAPub), "A");
    ASSERT_NE(a.point(), nullptr);
    const Authority copy = a;  // a copy keeps its own point
    ASSERT_NE(copy.point(), nullptr);
    EXPECT_EQ(copy.point()->raw(), a.point()->raw());
    EXPECT_EQ(copy.point()->raw(), crypto::ParsedPubKey::parse(hexb(kAuthorityAPub))->raw());

    auto m = authority_signed(kAuthorityAPriv, MSG_TRANSITION_SIGNAL, "{}", 1700000000);
    EXPECT_TRUE(verify_authority_direct(m, copy));
    EXPECT_TRUE(m.verified);
    EXPECT_TRUE(m.is_protocol_authority());
}

TEST(ProtoAuthorityKeys, AKeyThatIsNotAPointVerifiesNothing) {
    const Authority broken(hexa<33>(to_hex(kNotAPoint)), "broken");
    EXPECT_EQ(broken.point(), nullptr);
    const AuthoritySet set{broken};
    auto m = authority_signed(kAuthorityAPriv, MSG_TRANSITION_SIGNAL, "{}", 1700000000);
    EXPECT_FALSE(verify_authority_direct(m, broken));
    EXPECT_FALSE(verify_authority_direct(m, kNotAPoint, set));
    EXPECT_FALSE(m.verified);
}

TEST(ProtoAuthorityKeys, DirectVerificationNeedsTheKeyInTheSet) {
    auto m = authority_signed(kAuthorityAPriv, MSG_TRANSITION_SIGNAL, "{}", 1700000000);
    const AuthoritySet only_b{{hexa<33>(kAuthorityBPub), "B"}};
    EXPECT_FALSE(verify_authority_direct(m, hexb(kAuthorityAPub), only_b));
    EXPECT_TRUE(verify_authority_direct(m, hexb(kAuthorityAPub), ab_authorities()));
}
