// base58, base58check, WIF keys and P2PKH addresses (util/base58, proto/keys_io).
#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "proto/keys_io.hpp"
#include "util/base58.hpp"

using namespace sharemsg;
using namespace sharemsg::proto;

namespace {

Bytes hex(std::string_view h) {
    return *from_hex(h);
}

Bytes key_one() {
    Bytes k(32, 0);
    k[31] = 1;
    return k;
}

Bytes with_version(std::uint8_t v, ByteView rest) {
    Bytes b(1 + rest.size());
    b[0] = v;
    std::copy(rest.begin(), rest.end(), b.begin() + 1);
    return b;
}

}  // namespace

// Bitcoin Core's src/test/data/base58_encode_decode.json.
TEST(Base58, KnownVectors) {
    const std::pair<const char*, const char*> cases[] = {
        {"", ""},
        {"61", "2g"},
        {"626262", "a3gV"},
        {"636363", "aPEr"},
        {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
        {"00eb15231dfceb60925886b67d065299925915aeb172c06647",
         "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
        {"516b6fcd0f", "ABnLTmg"},
        {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
        {"572e4794", "3EFU7m"},
        {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
        {"10c8511e", "Rt5zm"},
        {"00000000000000000000", "1111111111"},
    };
    for (const auto& [h, b58] : cases) {
        EXPECT_EQ(base58_encode(hex(h)), b58) << h;
        auto d = base58_decode(b58);
        ASSERT_TRUE(d) << b58;
        EXPECT_EQ(to_hex(*d), h) << b58;
    }
}

TEST(Base58, RejectsBadCharactersAndWhitespace) {
    const std::string_view bads[] = {
        "0", "O",       "I", "l", "3EFU7m ", " 3EFU7m", "3EF\nU7m", std::string_view("3EFU7m\0", 7),
        "+", "\xc3\xa9"};
    for (std::string_view bad : bads) {
        auto d = base58_decode(bad);
        ASSERT_FALSE(d) << bad;
        EXPECT_EQ(d.error().code, Errc::bad_encoding);
        EXPECT_NE(d.error().reason.find("position"), std::string::npos) << d.error().reason;
    }
    auto e = base58_decode("abc0");
    EXPECT_NE(e.error().reason.find("'0' at position 3"), std::string::npos) << e.error().reason;
}

TEST(Base58, RefusesOversizeInput) {
    const std::string long_text(300, '2');
    auto d = base58_decode(long_text);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::oversize);
    EXPECT_TRUE(base58_decode(long_text, 300));
}

TEST(Base58, RoundTripsLeadingZerosAndRandomBytes) {
    for (std::size_t n = 0; n < 40; ++n) {
        Bytes b = crypto::random_bytes(n);
        if (n > 2) b[0] = b[1] = 0;
        auto d = base58_decode(base58_encode(b));
        ASSERT_TRUE(d);
        EXPECT_EQ(*d, b);
    }
}

TEST(Base58Check, WifOfKeyOneCompressedMainnet) {
    EXPECT_EQ(encode_wif(key_one(), WIF_VERSION_BTC_MAIN, true),
              "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn");
    EXPECT_EQ(encode_wif(key_one(), WIF_VERSION_BTC_MAIN, false),
              "5HpHagT65TZzG1PH3CSu63k8DbpvD8s5ip4nEB3kEsreAnchuDf");
    auto p = base58check_decode("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn");
    ASSERT_TRUE(p);
    EXPECT_EQ(to_hex(*p), "80" + to_hex(key_one()) + "01");
}

TEST(Base58Check, AddressOfKeyOne) {
    auto k = crypto::PrivKey::from_bytes(key_one());
    ASSERT_TRUE(k);
    const auto pub = k->pubkey();
    EXPECT_EQ(p2pkh_address(pub, {Coin::bitcoin, false}), "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
    EXPECT_EQ(p2pkh_address(k->pubkey_uncompressed(), {Coin::bitcoin, false}),
              "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm");

    // Litecoin mainnet (0x30): same HASH160, other version byte. The expected text was
    // computed independently (Python hashlib + a big-integer base58), and decoding it gives
    // back exactly 0x30 || HASH160(pubkey).
    const std::string ltc = p2pkh_address(pub, {Coin::litecoin, false});
    EXPECT_EQ(ltc, "LVuDpNCSSj6pQ7t9Pv6d6sUkLKoqDEVUnJ");
    EXPECT_EQ(ltc[0], 'L');
    auto decoded = base58check_decode(ltc);
    ASSERT_TRUE(decoded);
    const auto h = crypto::hash160(pub);
    EXPECT_EQ(*decoded, with_version(0x30, h));
    EXPECT_EQ(p2pkh_address_from_hash160(h, 0x30), ltc);

    // Both testnets share 0x6f.
    EXPECT_EQ(p2pkh_address(pub, {Coin::bitcoin, true}), "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r");
    EXPECT_EQ(p2pkh_address(pub, {Coin::litecoin, true}), "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r");
}

TEST(Base58Check, AddressBackToItsHash160) {
    auto k = crypto::PrivKey::from_bytes(key_one());
    ASSERT_TRUE(k);
    const auto h = crypto::hash160(k->pubkey());
    auto back = hash160_from_p2pkh_address("mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r", 0x6f);
    ASSERT_TRUE(back) << back.error().reason;
    EXPECT_EQ(*back, h);
    auto other = hash160_from_p2pkh_address("LVuDpNCSSj6pQ7t9Pv6d6sUkLKoqDEVUnJ", 0x6f);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, Errc::invalid_argument);
    EXPECT_NE(other.error().reason.find("version byte 48"), std::string::npos);
    EXPECT_FALSE(hash160_from_p2pkh_address("mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8s", 0x6f));
    // A WIF key decodes but is not 21 bytes.
    auto wif =
        hash160_from_p2pkh_address("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn", 0x80);
    ASSERT_FALSE(wif);
    EXPECT_EQ(wif.error().code, Errc::invalid_argument);
}

TEST(Base58Check, RejectsBadChecksumAndShortInput) {
    const std::string good = "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH";
    std::string bad = good;
    bad.back() = 'J';
    auto e = base58check_decode(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::bad_encoding);
    EXPECT_NE(e.error().reason.find("checksum"), std::string::npos);

    auto s = base58check_decode("Ldp");  // 3 bytes: no room for a checksum
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().reason.find("at least 5"), std::string::npos);
    EXPECT_FALSE(base58check_decode(""));
    EXPECT_FALSE(base58check_decode("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAM0"));  // bad char

    // An empty payload (checksum only) is refused: every payload we read starts with a version.
    EXPECT_FALSE(base58check_decode(base58check_encode({})));
    auto one = base58check_decode(base58check_encode(Bytes{0x42}));
    ASSERT_TRUE(one);
    EXPECT_EQ(*one, Bytes{0x42});
}

TEST(Base58Wif, DecodesEveryNetworkAndForm) {
    struct Case {
        const char* wif;
        std::uint8_t version;
        bool compressed;
    } cases[] = {
        {"KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn", 0x80, true},
        {"5HpHagT65TZzG1PH3CSu63k8DbpvD8s5ip4nEB3kEsreAnchuDf", 0x80, false},
        {"T33ydQRKp4FCW5LCLLUB7deioUMoveiwekdwUwyfRDeGZm76aUjV", 0xb0, true},
        {"cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA", 0xef, true},
    };
    for (const auto& c : cases) {
        auto k = decode_wif(c.wif);
        ASSERT_TRUE(k) << c.wif << ": " << k.error().to_string();
        EXPECT_EQ(k->version, c.version);
        EXPECT_EQ(k->compressed, c.compressed);
        EXPECT_EQ(Bytes(k->secret.begin(), k->secret.end()), key_one());
        EXPECT_EQ(encode_wif(k->secret, k->version, k->compressed), c.wif);
    }
}

TEST(Base58Wif, RejectsMalformedKeys) {
    const Bytes one = key_one();
    auto expect_error = [](const std::string& wif, Errc code, const char* words) {
        auto k = decode_wif(wif);
        ASSERT_FALSE(k) << wif;
        EXPECT_EQ(k.error().code, code) << k.error().to_string();
        EXPECT_NE(k.error().reason.find(words), std::string::npos) << k.error().reason;
    };
    // Unknown version byte (an address version).
    Bytes p = with_version(0x00, one);
    p.push_back(0x01);
    expect_error(base58check_encode(p), Errc::bad_version, "version byte 0x00");
    // Compression flag other than 0x01.
    p = with_version(0x80, one);
    p.push_back(0x02);
    expect_error(base58check_encode(p), Errc::bad_encoding, "compression flag is 0x02");
    // Wrong lengths.
    expect_error(base58check_encode(with_version(0x80, Bytes(31, 0x11))), Errc::invalid_argument,
                 "expected 33");
    expect_error(base58check_encode(with_version(0x80, Bytes(40, 0x11))), Errc::invalid_argument,
                 "expected 33");
    // Secrets outside [1, n-1].
    p = with_version(0x80, Bytes(32, 0));
    p.push_back(0x01);
    expect_error(base58check_encode(p), Errc::bad_key, "zero");
    p = with_version(0x80, hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));
    p.push_back(0x01);
    expect_error(base58check_encode(p), Errc::bad_key, "order");
    // Bad checksum and bad characters.
    expect_error("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWm", Errc::bad_encoding,
                 "checksum");
    expect_error("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoW0", Errc::bad_encoding,
                 "invalid character");
    expect_error("", Errc::bad_encoding, "at least 5");
}

TEST(Base58Wif, NetworksFromVersionBytes) {
    EXPECT_EQ(*network_from_wif_version(0x80), (Network{Coin::bitcoin, false}));
    EXPECT_EQ(*network_from_wif_version(0xb0), (Network{Coin::litecoin, false}));
    EXPECT_EQ(*network_from_wif_version(0xef),
              (Network{Coin::litecoin, true}));  // default: Litecoin
    EXPECT_EQ(*network_from_wif_version(0xef, Coin::bitcoin), (Network{Coin::bitcoin, true}));
    EXPECT_FALSE(network_from_wif_version(0x30));

    EXPECT_EQ(p2pkh_version({Coin::bitcoin, false}), 0x00);
    EXPECT_EQ(p2pkh_version({Coin::bitcoin, true}), 0x6f);
    EXPECT_EQ(p2pkh_version({Coin::litecoin, false}), 0x30);
    EXPECT_EQ(p2pkh_version({Coin::litecoin, true}), 0x6f);
    EXPECT_EQ(wif_version({Coin::litecoin, false}), 0xb0);
    EXPECT_EQ(wif_version({Coin::bitcoin, true}), 0xef);

    EXPECT_EQ(*parse_network("btc"), (Network{Coin::bitcoin, false}));
    EXPECT_EQ(*parse_network("ltc-test"), (Network{Coin::litecoin, true}));
    EXPECT_EQ(*parse_network("bitcoin-testnet"), (Network{Coin::bitcoin, true}));
    EXPECT_FALSE(parse_network("doge"));
    EXPECT_FALSE(parse_network("-test"));
    EXPECT_EQ(network_name({Coin::litecoin, true}), "Litecoin testnet");
}
