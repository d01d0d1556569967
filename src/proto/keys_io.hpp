// Key and address text formats of Bitcoin and Litecoin: base58check, WIF private keys and
// P2PKH addresses. Used by the offline tool (derive-key, transition create); the node itself
// only ever reads the *derived* signing key's WIF.
//
// base58check(payload) = base58(payload || SHA256d(payload)[0:4])
//
// WIF payload:  version(1) || secret(32) [|| 0x01 when the public key is compressed]
// P2PKH payload: version(1) || HASH160(pubkey)(20)
//
//   network             WIF version   P2PKH version
//   Bitcoin mainnet     0x80          0x00  (1...)
//   Bitcoin testnet     0xef          0x6f  (m... / n...)
//   Litecoin mainnet    0xb0          0x30  (L...)
//   Litecoin testnet    0xef          0x6f  (m... / n...)
//
// A WIF version byte therefore names the network, except 0xef, which both testnets share:
// the caller says which coin it means (the tool defaults to Litecoin, the coin the product
// targets).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/hash.hpp"
#include "util/bytes.hpp"

namespace sharemsg::proto {

// ---- base58check -------------------------------------------------------------------------

std::string base58check_encode(ByteView payload);

// Strict: bad characters, fewer than 5 decoded bytes (a payload needs at least its version
// byte besides the 4-byte checksum), and a checksum mismatch are errors
// (Errc::bad_encoding). The checksum is compared in constant time; the scratch copy of the
// decoded bytes is wiped (WIF keys pass through here).
Result<Bytes> base58check_decode(std::string_view text, std::size_t max_chars = 256);

// ---- networks ----------------------------------------------------------------------------

enum class Coin { bitcoin, litecoin };

struct Network {
    Coin coin = Coin::litecoin;
    bool testnet = false;
    bool operator==(const Network&) const = default;
};

inline constexpr std::uint8_t WIF_VERSION_BTC_MAIN = 0x80;
inline constexpr std::uint8_t WIF_VERSION_LTC_MAIN = 0xb0;
inline constexpr std::uint8_t WIF_VERSION_TESTNET = 0xef;

std::uint8_t wif_version(Network net);
std::uint8_t p2pkh_version(Network net);
// "Bitcoin mainnet", "Litecoin testnet", ...
std::string network_name(Network net);

// Parses "btc", "ltc", "btc-test", "ltc-test" (also "bitcoin", "litecoin", "-testnet").
std::optional<Network> parse_network(std::string_view name);

// The network a WIF version byte belongs to; for the shared testnet byte 0xef the coin is
// `testnet_coin`. Fails with Errc::bad_version for any other byte.
Result<Network> network_from_wif_version(std::uint8_t version, Coin testnet_coin = Coin::litecoin);

// ---- WIF ---------------------------------------------------------------------------------

// A decoded WIF private key. The secret is wiped when the object is destroyed.
struct WifKey {
    std::uint8_t version = 0;
    bool compressed = true;
    ByteArray<32> secret{};

    WifKey() = default;
    WifKey(const WifKey&) = default;
    WifKey& operator=(const WifKey&) = default;
    ~WifKey() { crypto::wipe(secret.data(), secret.size()); }
};

// Decodes a WIF key. Errors name the problem: not base58 / bad checksum (bad_encoding), an
// unknown version byte (bad_version), a payload that is neither 33 bytes (uncompressed) nor
// 34 bytes ending in 0x01 (compressed) (bad_encoding / invalid_argument), a secret that is
// not a valid secp256k1 key (bad_key).
Result<WifKey> decode_wif(std::string_view wif);

// Encodes a 32-byte secret (asserts the size) with the given version byte.
std::string encode_wif(ByteView secret, std::uint8_t version, bool compressed = true);

// ---- addresses ---------------------------------------------------------------------------

std::string p2pkh_address_from_hash160(const crypto::Hash160& h, std::uint8_t version);
// The HASH160 in a P2PKH address with the given version byte. Errors: not base58check
// (bad_encoding), not 21 bytes or another version byte (invalid_argument).
Result<crypto::Hash160> hash160_from_p2pkh_address(std::string_view address, std::uint8_t version);
// HASH160 of the pubkey exactly as given (33-byte compressed or 65-byte uncompressed: the
// two give different addresses for the same key).
std::string p2pkh_address(ByteView pubkey, Network net);

}  // namespace sharemsg::proto
