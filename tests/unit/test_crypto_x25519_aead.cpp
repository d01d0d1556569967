// ChaCha20-Poly1305 and X25519 wrappers against their RFCs' published vectors.
#include <gtest/gtest.h>

#include <string_view>

#include "crypto/symmetric.hpp"
#include "crypto/x25519.hpp"
#include "util/bytes.hpp"

namespace sharemsg::crypto {
namespace {

Bytes hex(std::string_view h) {
    auto r = from_hex(h);
    EXPECT_TRUE(r.ok()) << h;
    return r.ok() ? *r : Bytes{};
}

template <std::size_t N>
ByteArray<N> arr(std::string_view h) {
    auto r = from_hex_fixed<N>(h);
    EXPECT_TRUE(r.ok()) << h;
    return r.ok() ? *r : ByteArray<N>{};
}

// RFC 8439 §2.8.2.
constexpr std::string_view kAeadKey =
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
constexpr std::string_view kAeadNonce = "070000004041424344454647";
constexpr std::string_view kAeadAad = "50515253c0c1c2c3c4c5c6c7";
constexpr std::string_view kAeadPlain =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
    "future, sunscreen would be it.";
constexpr std::string_view kAeadCipher =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69"
    "da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad67594"
    "5585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116";
constexpr std::string_view kAeadTag = "1ae10b594f09e26a7e902ecbd0600691";

TEST(CryptoChaCha20Poly1305, SealMatchesRfc8439Vector) {
    const Bytes sealed = chacha20poly1305_seal(arr<32>(kAeadKey), arr<12>(kAeadNonce),
                                               hex(kAeadAad), as_bytes(kAeadPlain));
    EXPECT_EQ(to_hex(sealed), std::string(kAeadCipher) + std::string(kAeadTag));
}

TEST(CryptoChaCha20Poly1305, OpenMatchesRfc8439Vector) {
    const Bytes sealed = hex(std::string(kAeadCipher) + std::string(kAeadTag));
    auto plain =
        chacha20poly1305_open(arr<32>(kAeadKey), arr<12>(kAeadNonce), hex(kAeadAad), sealed);
    ASSERT_TRUE(plain.ok()) << plain.error().to_string();
    EXPECT_EQ(to_string(*plain), kAeadPlain);
}

TEST(CryptoChaCha20Poly1305, RefusesAnyChangedByteAadOrNonce) {
    const auto key = arr<32>(kAeadKey);
    const auto nonce = arr<12>(kAeadNonce);
    const Bytes aad = hex(kAeadAad);
    const Bytes sealed = hex(std::string(kAeadCipher) + std::string(kAeadTag));
    for (std::size_t i = 0; i < sealed.size(); i += 7) {
        Bytes bad = sealed;
        bad[i] ^= 0x01;
        auto r = chacha20poly1305_open(key, nonce, aad, bad);
        ASSERT_FALSE(r.ok()) << "byte " << i;
        EXPECT_EQ(r.error().code, Errc::bad_signature);
    }
    Bytes bad_aad = aad;
    bad_aad[0] ^= 0x80;
    EXPECT_FALSE(chacha20poly1305_open(key, nonce, bad_aad, sealed).ok());
    auto bad_nonce = nonce;
    bad_nonce[11] ^= 0x01;
    EXPECT_FALSE(chacha20poly1305_open(key, bad_nonce, aad, sealed).ok());
    auto short_input = chacha20poly1305_open(key, nonce, aad, Bytes(15, 0));
    ASSERT_FALSE(short_input.ok());
    EXPECT_EQ(short_input.error().code, Errc::truncated);
}

TEST(CryptoChaCha20Poly1305, EmptyPlaintextAndAadRoundTrip) {
    const auto key = arr<32>(kAeadKey);
    const ByteArray<12> nonce{};
    const Bytes sealed = chacha20poly1305_seal(key, nonce, {}, {});
    EXPECT_EQ(sealed.size(), CHACHA20POLY1305_TAG_SIZE);
    auto plain = chacha20poly1305_open(key, nonce, {}, sealed);
    ASSERT_TRUE(plain.ok());
    EXPECT_TRUE(plain->empty());
}

// RFC 7748 §6.1.
constexpr std::string_view kAlicePriv =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view kAlicePub =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
constexpr std::string_view kBobPriv =
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
constexpr std::string_view kBobPub =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr std::string_view kShared =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

TEST(CryptoX25519, MatchesRfc7748Vector) {
    auto alice = X25519Key::from_private(arr<32>(kAlicePriv));
    auto bob = X25519Key::from_private(arr<32>(kBobPriv));
    ASSERT_TRUE(alice.ok());
    ASSERT_TRUE(bob.ok());
    EXPECT_EQ(to_hex(alice->public_key()), kAlicePub);
    EXPECT_EQ(to_hex(bob->public_key()), kBobPub);
    auto ab = alice->shared_secret(arr<32>(kBobPub));
    auto ba = bob->shared_secret(arr<32>(kAlicePub));
    ASSERT_TRUE(ab.ok());
    ASSERT_TRUE(ba.ok());
    EXPECT_EQ(to_hex(*ab), kShared);
    EXPECT_EQ(to_hex(*ba), kShared);
}

TEST(CryptoX25519, GeneratedKeysAgreeAndDiffer) {
    const auto a = X25519Key::generate();
    const auto b = X25519Key::generate();
    EXPECT_NE(a.public_key(), b.public_key());
    auto ab = a.shared_secret(b.public_key());
    auto ba = b.shared_secret(a.public_key());
    ASSERT_TRUE(ab.ok());
    ASSERT_TRUE(ba.ok());
    EXPECT_EQ(*ab, *ba);
}

TEST(CryptoX25519, RefusesSmallOrderPeerKeys) {
    const auto a = X25519Key::generate();
    // u = 0 and u = 1 are points of small order: the shared secret would be all zero.
    X25519Public zero{};
    X25519Public one{};
    one[0] = 1;
    for (const auto& peer : {zero, one}) {
        auto s = a.shared_secret(peer);
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.error().code, Errc::bad_key);
    }
}

}  // namespace
}  // namespace sharemsg::crypto
