// The crypto wrappers the open profile adds (src/crypto/bip340, ecdh, symmetric), checked
// against published known-answer vectors: RFC 8439 (ChaCha20), RFC 5869 (HKDF-SHA256), the
// GCM specification's test case 16 (AES-256-GCM) and BIP340's test-vectors.csv.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crypto/bip340.hpp"
#include "crypto/ecdh.hpp"
#include "crypto/symmetric.hpp"
#include "open_test_util.hpp"

using namespace sharemsg;
using namespace sharemsg::test::open;

TEST(OpenCrypto, ChaCha20MatchesRfc8439) {
    ByteArray<32> key{};
    for (std::size_t i = 0; i < 32; ++i)
        key[i] = static_cast<std::uint8_t>(i);
    const ByteArray<12> nonce = {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
    const std::string pt =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
        "future, sunscreen would be it.";
    const Bytes ct = crypto::chacha20_xor(key, nonce, as_bytes(pt), 1);
    EXPECT_EQ(to_hex(ct),
              "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f"
              "593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc"
              "514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d");
    EXPECT_EQ(to_string(crypto::chacha20_xor(key, nonce, ct, 1)), pt);
    EXPECT_TRUE(crypto::chacha20_xor(key, nonce, {}).empty());
}

TEST(OpenCrypto, HkdfSha256MatchesRfc5869Case1) {
    const Bytes ikm(22, 0x0b);
    const Bytes salt = hexbytes("000102030405060708090a0b0c");
    const Bytes info = hexbytes("f0f1f2f3f4f5f6f7f8f9");
    EXPECT_EQ(
        to_hex(crypto::hkdf_sha256(ikm, salt, info, 42)),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(OpenCrypto, Aes256GcmMatchesTestCase16AndRejectsTampering) {
    const auto key =
        *from_hex_fixed<32>("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const auto iv = *from_hex_fixed<12>("cafebabefacedbaddecaf888");
    const Bytes pt = hexbytes(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
        "49a6b525b16aedf5aa0de657ba637b39");
    const Bytes aad = hexbytes("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const Bytes sealed = crypto::aes256gcm_seal(key, iv, aad, pt);
    EXPECT_EQ(to_hex(sealed),
              "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b0"
              "8b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b");
    auto back = crypto::aes256gcm_open(key, iv, aad, sealed);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, pt);
    for (std::size_t i = 0; i < sealed.size(); i += 7) {
        Bytes bad = sealed;
        bad[i] ^= 0x01;
        auto r = crypto::aes256gcm_open(key, iv, aad, bad);
        ASSERT_FALSE(r) << i;
        EXPECT_EQ(r.error().code, Errc::bad_signature);
    }
    Bytes other_aad = aad;
    other_aad[0] ^= 1;
    EXPECT_FALSE(crypto::aes256gcm_open(key, iv, other_aad, sealed));
    EXPECT_EQ(crypto::aes256gcm_open(key, iv, aad, ByteView(sealed).first(15)).error().code,
              Errc::truncated);
    // Empty plaintext: just the tag.
    const Bytes tag_only = crypto::aes256gcm_seal(key, iv, {}, {});
    EXPECT_EQ(tag_only.size(), 16u);
    EXPECT_TRUE(crypto::aes256gcm_open(key, iv, {}, tag_only));
}

TEST(OpenCrypto, EcdhIsSymmetricAndRejectsBadPoints) {
    auto a = priv(kMaster1);
    auto b = priv(kMaster2);
    auto ab = crypto::ecdh_sha256(a, b.pubkey());
    auto ba = crypto::ecdh_sha256(b, a.pubkey());
    ASSERT_TRUE(ab && ba);
    EXPECT_EQ(*ab, *ba);
    EXPECT_EQ(*crypto::ecdh_sha256(a, b.pubkey_uncompressed()), *ab);
    const auto b_pub = b.pubkey();  // one object: begin() and end() of the same array
    Bytes bad(b_pub.begin(), b_pub.end());
    bad[0] = 0x05;
    EXPECT_EQ(crypto::ecdh_sha256(a, bad).error().code, Errc::bad_key);
    EXPECT_FALSE(crypto::ecdh_sha256(a, {}));
}

TEST(OpenCrypto, TaggedHashIsBip340s) {
    // SHA256(SHA256(tag) || SHA256(tag) || msg), computed the long way.
    const auto t = crypto::sha256(as_bytes("BIP0340/challenge"));
    Bytes pre(t.begin(), t.end());
    append(pre, t);
    append(pre, as_bytes("abc"));
    EXPECT_EQ(crypto::tagged_hash("BIP0340/challenge", as_bytes("abc")), crypto::sha256(pre));
}

TEST(OpenCrypto, SchnorrMatchesBip340Vectors) {
    std::ifstream f(SHAREMSG_VECTORS_DIR "/bip340/test-vectors.csv");
    ASSERT_TRUE(f);
    std::string line;
    std::getline(f, line);  // header
    int signed_n = 0, verified_n = 0;
    while (std::getline(f, line)) {
        std::vector<std::string> col;
        std::stringstream ss(line);
        std::string c;
        while (std::getline(ss, c, ','))
            col.push_back(c);
        ASSERT_GE(col.size(), 7u) << line;
        SCOPED_TRACE("BIP340 vector " + col[0]);
        auto msg = from_hex(col[4]);
        ASSERT_TRUE(msg);
        if (msg->size() != 32) continue;  // our wrapper signs 32-byte digests only
        crypto::Hash256 m{};
        std::copy(msg->begin(), msg->end(), m.begin());
        const auto sig = *from_hex_fixed<64>(col[5]);
        // lift_x: the even-y point of the x-only key.
        Bytes pub = {0x02};
        append(pub, *from_hex(col[2]));
        const bool expect = col[6] == "TRUE";
        EXPECT_EQ(crypto::schnorr_verify(pub, m, sig), expect);
        ++verified_n;
        if (!col[1].empty()) {
            auto sk = crypto::PrivKey::from_bytes(*from_hex(col[1]));
            ASSERT_TRUE(sk);
            const auto aux = *from_hex_fixed<32>(col[3]);
            EXPECT_EQ(crypto::schnorr_sign(*sk, m, aux), sig);
            ++signed_n;
        }
    }
    EXPECT_GE(signed_n, 4);
    EXPECT_GE(verified_n, 15);
}
