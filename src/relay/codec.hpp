// The relay's formats (docs/relay.md): the registration a node signs and posts, the entry a
// lookup answers, and the admin's allow-list change. Each is described once (codec.cpp,
// `describe`) and that one description drives three streams: the strict JSON reader (every
// field present, of its type and form, nothing else), the JSON writer, and the canonical
// bytes that are signed.
//
// Canonical bytes (all integers little-endian; fixed sizes unless a length says otherwise):
//   registration: version u8 || network 8 || signing_pubkey 33 || key_index u32 ||
//                 master_pubkey 33 || delegation_sig 64 || endpoint count u8 ||
//                 per endpoint: address length u8 (4 or 16) || address || port u16 ||
//                 nat u8 || timestamp u64
//   allow change: version u8 || network 8 || master_hash 20 || allow u8 || timestamp u64
// Signed as BIP340 over tagged_hash(TAG, canonical bytes): the registration by the signing
// key, the allow change by the relay's admin key. The network id is inside, so a signature
// never serves on another network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bip340.hpp"
#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "proto/open_envelope.hpp"
#include "relay/problem.hpp"
#include "util/bytes.hpp"

namespace sharemsg::relay {

using proto::open::NetworkId;
using SigningId = crypto::Hash160;   // HASH160 of a signing pubkey
using MasterHash = crypto::Hash160;  // HASH160 of a master pubkey: a payout pubkey_hash

inline constexpr std::uint8_t FORMAT_VERSION = 1;
inline constexpr std::size_t MAX_ENDPOINTS = 6;
inline constexpr std::string_view TAG_REGISTER = "sharemsg/relay/register";
inline constexpr std::string_view TAG_ALLOW = "sharemsg/relay/allow";

// The seed's NAT types (seed 002, "Signed message formats"); `open` is no NAT at all.
enum class NatType : std::uint8_t {
    unknown = 0,
    open = 1,
    full_cone = 2,
    restricted = 3,
    port_restricted = 4,
    symmetric = 5,
};
inline constexpr std::uint8_t NAT_TYPE_COUNT = 6;
const char* nat_name(NatType n) noexcept;
std::optional<NatType> parse_nat(std::string_view name);

// An IPv4 or IPv6 address and a port; written "1.2.3.4:5" or "[::1]:5".
struct Endpoint {
    bool v6 = false;
    ByteArray<16> addr{};  // IPv4: the first 4 bytes, the rest 0
    std::uint16_t port = 0;
    std::string to_string() const;
    bool operator==(const Endpoint&) const = default;
};
// Errors: bad_endpoint (no port, port 0 or not 1..65535, not an address, an IPv6 address
// without brackets).
Checked<Endpoint> parse_endpoint(std::string_view text);
// An endpoint list in canonical bytes (the registration's, and the gossip announce's):
// count u8, then each: address length u8 (4 or 16) || address || port u16 little-endian.
void write_endpoints(ByteWriter& w, const std::vector<Endpoint>& list);

struct Registration {
    std::uint8_t version = FORMAT_VERSION;
    NetworkId network{};
    crypto::CompressedPubKey signing_pubkey{};
    std::uint32_t key_index = 0;
    proto::open::Delegation delegation{};
    std::vector<Endpoint> endpoints;  // 1..MAX_ENDPOINTS
    NatType nat = NatType::unknown;
    std::uint64_t timestamp = 0;  // unix seconds
    crypto::SchnorrSig signature{};

    SigningId signing_id() const { return crypto::hash160(signing_pubkey); }
    MasterHash master_hash() const { return crypto::hash160(delegation.master_pubkey); }
    bool operator==(const Registration&) const = default;
};

// What a lookup answers: the registration as received (the client checks its signatures
// itself), when the relay received it, and when it expires.
struct Entry {
    Registration registration;
    std::uint64_t received = 0;
    std::uint64_t expires = 0;
    bool operator==(const Entry&) const = default;
};

// An allow-list change by the relay's admin key (the seed's option B).
struct AllowChange {
    std::uint8_t version = FORMAT_VERSION;
    NetworkId network{};
    MasterHash master_hash{};
    bool allow = true;  // false: remove
    std::uint64_t timestamp = 0;
    crypto::SchnorrSig signature{};
    bool operator==(const AllowChange&) const = default;
};

// JSON text in and out. The readers are strict and complete; their failures name the field.
Checked<Registration> decode_registration(std::string_view json_text);
std::string encode_registration(const Registration& r);
Checked<Entry> decode_entry(std::string_view json_text);
std::string encode_entry(const Entry& e);
Checked<AllowChange> decode_allow_change(std::string_view json_text);
std::string encode_allow_change(const AllowChange& c);

// The canonical bytes (above) and the digests that are signed.
Bytes canonical_bytes(const Registration& r);
Bytes canonical_bytes(const AllowChange& c);
crypto::Hash256 registration_sighash(const Registration& r);
crypto::Hash256 allow_sighash(const AllowChange& c);

// Signs in place (the signing key for a registration, the admin key for a change).
void sign(Registration& r, const crypto::PrivKey& signing_key);
void sign(AllowChange& c, const crypto::PrivKey& admin_key);
bool signature_ok(const Registration& r);
bool delegation_ok(const Registration& r);
bool signature_ok(const AllowChange& c, const crypto::CompressedPubKey& admin_pubkey);

}  // namespace sharemsg::relay
