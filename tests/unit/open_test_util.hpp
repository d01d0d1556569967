// Shared helpers of the open-profile tests (test_open_*.cpp) and of bench/bench_open.cpp:
// parties with a master key, a derived signing key and its delegation; shares; signed
// messages; raw obfuscation. No GoogleTest here (the benchmark uses them too): they throw.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "conformance/open_vectors_util.hpp"
#include "crypto/symmetric.hpp"
#include "proto/open_envelope.hpp"
#include "proto/open_ledger.hpp"
#include "util/bytes.hpp"

namespace sharemsg::test::open {

using namespace sharemsg::proto::open;

// Masters m1 and m2 of the reference vectors (signing_keys_used), and a third one that plays
// the attacker.
inline constexpr std::string_view kMaster1 =
    "b96f978d6522e1017c92dcbe32eb243ae63ff2f3a287222926e20355d1ede2a1";
inline constexpr std::string_view kMaster2 =
    "26ff9474d529a468526f282c14e481388449ab984c022876ab3c17b523bf847a";
inline constexpr std::string_view kMasterEvil =
    "0e5a2a6f5bd1a9c3b7e1f1a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

inline const NetworkId kNet = DEVNET_NETWORK_ID;
// Another network (Litecoin's p2pool identifier) for replay tests.
inline const NetworkId kOtherNet = {0xe0, 0x37, 0xd5, 0xb8, 0xc6, 0x92, 0x34, 0x10};

inline Bytes hexbytes(std::string_view hex) {
    auto r = from_hex(hex);
    if (!r) throw std::invalid_argument("bad hex in test");
    return *r;
}

inline Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

struct Party {
    crypto::PrivKey master;
    proto::DerivedSigningKey key;
    BoundAnnouncement ann;

    AddressHash address() const { return ann.address_hash(); }
    proto::SigningId id() const { return key.signing_id(); }
};

inline crypto::PrivKey priv(std::string_view hex) {
    auto k = crypto::PrivKey::from_bytes(hexbytes(hex));
    if (!k) throw std::invalid_argument("bad key in test");
    return *k;
}

inline Party party(std::string_view master_hex, std::uint32_t index, const NetworkId& net = kNet) {
    auto master = priv(master_hex);
    auto key = proto::DerivedSigningKey::derive(master.bytes(), index);
    if (!key) throw std::runtime_error("derive failed");
    auto d = make_delegation(master, net, key->pubkey(), index);
    auto ann = make_announcement(*key, d, net);
    if (!ann) throw std::runtime_error(ann.error().to_string());
    return Party{master, *key, *ann};
}

// A whole message signed by `p` (for `net`, bound to p's address unless told otherwise).
inline OpenMessage signed_msg(const Party& p, std::string_view text, std::uint32_t ts,
                              const NetworkId& net = kNet,
                              const std::optional<proto::SigningId>& recipient = std::nullopt,
                              std::uint8_t type = proto::MSG_MINER_MESSAGE) {
    OpenMessage m = make_open_message(type, as_bytes(text), ts,
                                      proto::FLAG_BROADCAST | proto::FLAG_PERSISTENT, recipient);
    auto st = sign_open_message(m, p.key, p.address(), net);
    if (!st) throw std::runtime_error(st.error().to_string());
    return m;
}

inline ShareContext share(std::uint64_t height, const AddressHash& payout,
                          std::uint32_t ts = 1700000000) {
    ShareContext s;
    s.height = height;
    s.payout_pubkey_hash = payout;
    s.share_timestamp = ts;
    for (std::size_t i = 0; i < 8; ++i)
        s.share_hash[i] = static_cast<std::uint8_t>(height >> (8 * i));
    s.share_hash[31] = 0x5a;
    return s;
}

inline ObfuscationNonce nonce(std::uint8_t seed) {
    ObfuscationNonce n{};
    for (std::size_t i = 0; i < n.size(); ++i)
        n[i] = static_cast<std::uint8_t>(seed + 7 * i);
    return n;
}

// message_data around arbitrary inner bytes (for malformed-inner tests).
inline Bytes raw_seal(ByteView inner, const NetworkId& net = kNet, std::uint8_t seed = 1) {
    const auto n = nonce(seed);
    Bytes out{PROFILE_BYTE, ENVELOPE_VERSION};
    append(out, n);
    append(out, crypto::chacha20_xor(obfuscation_key(net), n, inner));
    return out;
}

// The high-S twin of a low-S DER signature (S -> n - S), re-encoded as strict DER: the one
// the conformance vectors are made with.
inline Bytes high_s_twin(ByteView der) {
    return conformance::open_vectors_detail::high_s(der);
}

}  // namespace sharemsg::test::open
