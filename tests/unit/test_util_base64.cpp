// Strict base64 (util/base64.hpp): RFC 4648's vectors, round trips of every length, and the
// refusal of every text that is not the one canonical text of its bytes.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/hash.hpp"
#include "util/base64.hpp"

using namespace sharemsg;
using util::base64_decode;
using util::base64_encode;
using util::base64_length;

namespace {

const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Bytes pattern(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>(i * 131 + (i >> 8) * 7 + 3);
    return b;
}

}  // namespace

TEST(UtilBase64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, text] : vectors) {
        EXPECT_EQ(base64_encode(as_bytes(plain)), text) << plain;
        auto back = base64_decode(text);
        ASSERT_TRUE(back.has_value()) << text;
        EXPECT_EQ(to_string(*back), plain);
    }
}

TEST(UtilBase64, EveryLengthRoundTripsAndHasTheLengthItShould) {
    for (std::size_t n = 0; n <= 300; ++n) {
        const Bytes b = pattern(n);
        const std::string t = base64_encode(b);
        EXPECT_EQ(t.size(), base64_length(n)) << n;
        EXPECT_EQ(t.find_first_of(" \r\n\t"), std::string::npos) << n;
        auto back = base64_decode(t);
        ASSERT_TRUE(back.has_value()) << n;
        EXPECT_EQ(*back, b) << n;
    }
    Bytes all(256);
    for (int i = 0; i < 256; ++i)
        all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
    EXPECT_EQ(*base64_decode(base64_encode(all)), all);
}

TEST(UtilBase64, LongInputsCrossTheEncodersChunksWithoutLineBreaks) {
    // The encoder works in chunks of 3 MiB: one byte past a chunk, and a length that is not a
    // multiple of 3.
    for (std::size_t n : {std::size_t{3} << 20, (std::size_t{3} << 20) + 1, std::size_t{7340033}}) {
        const Bytes b = pattern(n);
        const std::string t = base64_encode(b);
        ASSERT_EQ(t.size(), base64_length(n));
        EXPECT_EQ(t.find('\n'), std::string::npos);
        auto back = base64_decode(t);
        ASSERT_TRUE(back.has_value()) << n;
        EXPECT_EQ(crypto::sha256(*back), crypto::sha256(b)) << n;
    }
}

TEST(UtilBase64, RefusesEveryNonCanonicalText) {
    for (const char* bad : {
             "Zg",            // no padding
             "Zg=",           // short padding
             "Zg===",         // too much padding
             "Z===",          // three pads
             "====",          // only padding
             "=Zm9",          // padding first
             "Zg==Zg==",      // padding in the middle
             "Zm=v",          // a pad between characters
             "Zh==",          // non-zero bits under the padding (one byte)
             "Zm9=",          // non-zero bits under the padding (two bytes)
             "Zm9v\n",        // a line break
             "Zm9v    ",      // trailing spaces (length a multiple of 4)
             " Zm9",          // a leading space
             "Zm 9",          // a space inside
             "Zm9v\r\nYg==",  // CRLF between groups
             "Zm9-",          // the URL-safe alphabet
             "Zm9_",          // the URL-safe alphabet
             "Zm9.",          // not in any alphabet
             "Zm9v=",         // a pad after a whole group
         })
        EXPECT_FALSE(base64_decode(bad).has_value()) << '"' << bad << '"';
    EXPECT_FALSE(base64_decode(std::string("Zm9\0", 4)).has_value());
    EXPECT_FALSE(base64_decode(std::string("Zm9v\xff\xff\xff\xff", 8)).has_value());
}

TEST(UtilBase64, ExactlyOneTextPerValue) {
    // Of the 64*64 texts "XY==", exactly one per byte value is accepted; of the 64^3 texts
    // "XYZ=", exactly one per pair of bytes.
    std::set<Bytes> one;
    for (char x : kAlphabet)
        for (char y : kAlphabet) {
            const std::string t = std::string{x, y} + "==";
            if (auto b = base64_decode(t)) {
                ASSERT_EQ(b->size(), 1u) << t;
                EXPECT_EQ(base64_encode(*b), t);
                one.insert(*b);
            }
        }
    EXPECT_EQ(one.size(), 256u);
    std::size_t accepted = 0;
    std::set<Bytes> two;
    for (char x : kAlphabet)
        for (char y : kAlphabet)
            for (char z : kAlphabet) {
                const std::string t = std::string{x, y, z} + "=";
                if (auto b = base64_decode(t)) {
                    ASSERT_EQ(b->size(), 2u) << t;
                    ++accepted;
                    two.insert(*b);
                }
            }
    EXPECT_EQ(accepted, 65536u);
    EXPECT_EQ(two.size(), 65536u);
}
