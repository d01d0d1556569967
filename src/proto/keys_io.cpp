#include "proto/keys_io.hpp"

#include <cassert>
#include <cstdio>

#include "crypto/secp256k1.hpp"
#include "util/base58.hpp"

namespace sharemsg::proto {

namespace {

std::string hex_byte(std::uint8_t b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", b);
    return buf;
}

// Wipes a byte vector on every exit path.
struct WipeOnExit {
    Bytes& b;
    ~WipeOnExit() { crypto::wipe(b.data(), b.size()); }
};

}  // namespace

std::string base58check_encode(ByteView payload) {
    Bytes buf;
    WipeOnExit guard{buf};
    buf.reserve(payload.size() + 4);  // no reallocation, so no unwiped copy is left behind
    buf.assign(payload.begin(), payload.end());
    const auto check = crypto::sha256d(payload);
    buf.insert(buf.end(), check.begin(), check.begin() + 4);
    return base58_encode(buf);
}

Result<Bytes> base58check_decode(std::string_view text, std::size_t max_chars) {
    auto raw = base58_decode(text, max_chars);
    if (!raw) return raw.error();
    Bytes& all = *raw;
    WipeOnExit guard{all};
    if (all.size() < 5)
        return make_error(Errc::bad_encoding,
                          "base58check: " + std::to_string(all.size()) +
                              " decoded bytes, need at least 5 (payload and 4-byte checksum)");
    const std::size_t n = all.size() - 4;
    const ByteView payload(all.data(), n);
    const auto check = crypto::sha256d(payload);
    if (!crypto::equal_ct(ByteView(check.data(), 4), ByteView(all.data() + n, 4)))
        return make_error(Errc::bad_encoding,
                          "base58check: checksum mismatch (mistyped or truncated?)");
    return Bytes(payload.begin(), payload.end());
}

std::uint8_t wif_version(Network net) {
    if (net.testnet) return WIF_VERSION_TESTNET;
    return net.coin == Coin::bitcoin ? WIF_VERSION_BTC_MAIN : WIF_VERSION_LTC_MAIN;
}

std::uint8_t p2pkh_version(Network net) {
    if (net.testnet) return 0x6f;
    return net.coin == Coin::bitcoin ? 0x00 : 0x30;
}

std::string network_name(Network net) {
    return std::string(net.coin == Coin::bitcoin ? "Bitcoin" : "Litecoin") +
           (net.testnet ? " testnet" : " mainnet");
}

std::optional<Network> parse_network(std::string_view name) {
    Network n;
    for (std::string_view suffix : {"-testnet", "-test"}) {
        if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
            n.testnet = true;
            name.remove_suffix(suffix.size());
            break;
        }
    }
    if (name == "btc" || name == "bitcoin")
        n.coin = Coin::bitcoin;
    else if (name == "ltc" || name == "litecoin")
        n.coin = Coin::litecoin;
    else
        return std::nullopt;
    return n;
}

Result<Network> network_from_wif_version(std::uint8_t version, Coin testnet_coin) {
    switch (version) {
        case WIF_VERSION_BTC_MAIN:
            return Network{Coin::bitcoin, false};
        case WIF_VERSION_LTC_MAIN:
            return Network{Coin::litecoin, false};
        case WIF_VERSION_TESTNET:
            return Network{testnet_coin, true};
        default:
            return make_error(Errc::bad_version,
                              "WIF version byte " + hex_byte(version) +
                                  " is not 0x80 (Bitcoin mainnet), 0xb0 (Litecoin mainnet) or "
                                  "0xef (Bitcoin/Litecoin testnet)");
    }
}

Result<WifKey> decode_wif(std::string_view wif) {
    // A WIF is 51 or 52 characters; a little slack keeps the error message about length
    // rather than about an oversize string for near misses.
    auto payload = base58check_decode(wif, 128);
    if (!payload) return make_error(payload.error().code, "WIF: " + payload.error().reason);
    Bytes& p = *payload;
    WipeOnExit guard{p};
    auto net = network_from_wif_version(p[0]);
    if (!net) return net.error();
    WifKey k;
    k.version = p[0];
    if (p.size() == 33) {
        k.compressed = false;
    } else if (p.size() == 34) {
        if (p[33] != 0x01)
            return make_error(Errc::bad_encoding,
                              "WIF: compression flag is " + hex_byte(p[33]) + ", expected 0x01");
        k.compressed = true;
    } else {
        return make_error(
            Errc::invalid_argument,
            "WIF: payload is " + std::to_string(p.size()) +
                " bytes; expected 33 (uncompressed) or 34 (compressed, ending in 0x01)");
    }
    for (std::size_t i = 0; i < 32; ++i)
        k.secret[i] = p[1 + i];
    auto valid = crypto::PrivKey::from_bytes(k.secret);
    if (!valid) return make_error(Errc::bad_key, "WIF: " + valid.error().reason);
    return k;
}

std::string encode_wif(ByteView secret, std::uint8_t version, bool compressed) {
    assert(secret.size() == 32);
    Bytes payload;
    WipeOnExit guard{payload};
    payload.reserve(34);
    payload.push_back(version);
    payload.insert(payload.end(), secret.begin(), secret.end());
    if (compressed) payload.push_back(0x01);
    return base58check_encode(payload);
}

std::string p2pkh_address_from_hash160(const crypto::Hash160& h, std::uint8_t version) {
    Bytes payload;
    payload.reserve(21);
    payload.push_back(version);
    payload.insert(payload.end(), h.begin(), h.end());
    return base58check_encode(payload);
}

Result<crypto::Hash160> hash160_from_p2pkh_address(std::string_view address, std::uint8_t version) {
    auto payload = base58check_decode(address, 64);
    if (!payload) return payload.error();
    if (payload->size() != 21)
        return make_error(Errc::invalid_argument,
                          "not a P2PKH address: " + std::to_string(payload->size()) +
                              " bytes after decoding, expected 21");
    if ((*payload)[0] != version)
        return make_error(Errc::invalid_argument,
                          "address version byte " + std::to_string((*payload)[0]) +
                              ", this network uses " + std::to_string(version));
    crypto::Hash160 h{};
    std::copy(payload->begin() + 1, payload->end(), h.begin());
    return h;
}

std::string p2pkh_address(ByteView pubkey, Network net) {
    return p2pkh_address_from_hash160(crypto::hash160(pubkey), p2pkh_version(net));
}

}  // namespace sharemsg::proto
