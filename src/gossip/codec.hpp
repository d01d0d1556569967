// The gossip datagrams (docs/gossip.md): a signed address announce, a pull asking for what
// changed since a cursor, and the delta that answers it. Each format is described once
// (codec.cpp, `describe_*`) and that one description drives the binary reader, the writer
// and the canonical bytes that are signed.
//
// Datagram (all integers little-endian; at most MAX_DATAGRAM bytes, nothing after the body):
//   magic "SMG1" 4 || type u8 (1 announce, 2 pull, 3 delta) || body
// Announce body:
//   format u8 (= 1) || network 8 || signing_pubkey 33 || key_index u32 ||
//   master_pubkey 33 || delegation_sig 64 || endpoint count u8 (1..6) ||
//   per endpoint: address length u8 (4 or 16) || address || port u16 (not 0) ||
//   nat u8 || timestamp u64 (unix s) || version u64 || signature 64
// Pull body:   since u64 || nonce u64 || network 8
// Delta body:  nonce u64 || cursor u64 || more u8 (0/1) || count u8 || count announce bodies
//
// The announce's canonical bytes are its body without the signature; the signing key signs
// BIP340 over tagged_hash(TAG_ANNOUNCE, canonical bytes). The network id is inside, so an
// announce never serves on another network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "crypto/bip340.hpp"
#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "gossip/problem.hpp"
#include "proto/open_envelope.hpp"
#include "relay/codec.hpp"
#include "util/bytes.hpp"

namespace sharemsg::gossip {

using proto::open::NetworkId;
using relay::Endpoint;
using relay::MasterHash;
using relay::NatType;
using relay::SigningId;

inline constexpr std::uint8_t FORMAT_VERSION = 1;
inline constexpr std::string_view TAG_ANNOUNCE = "sharemsg/gossip/announce";
inline constexpr ByteArray<4> MAGIC = {'S', 'M', 'G', '1'};
inline constexpr std::size_t MAX_ENDPOINTS = relay::MAX_ENDPOINTS;  // 6

enum class Type : std::uint8_t { announce = 1, pull = 2, delta = 3 };

// ---- sizes (bytes) -----------------------------------------------------------------------
inline constexpr std::size_t MAX_DATAGRAM = 1200;  // fits an IPv6 minimum MTU: no fragments
inline constexpr std::size_t HEADER_SIZE = 4 + 1;  // magic, type
inline constexpr std::size_t ENDPOINT_V4_SIZE = 1 + 4 + 2;
inline constexpr std::size_t ENDPOINT_V6_SIZE = 1 + 16 + 2;
// An announce body without endpoints: format, network, signing key, key index, delegation,
// endpoint count, nat, timestamp, version, signature.
inline constexpr std::size_t ANNOUNCE_FIXED_SIZE = 1 + 8 + 33 + 4 + 33 + 64 + 1 + 1 + 8 + 8 + 64;
inline constexpr std::size_t MIN_ANNOUNCE_SIZE = ANNOUNCE_FIXED_SIZE + ENDPOINT_V4_SIZE;  // 232
inline constexpr std::size_t MAX_ANNOUNCE_SIZE =
    ANNOUNCE_FIXED_SIZE + MAX_ENDPOINTS * ENDPOINT_V6_SIZE;  // 339
inline constexpr std::size_t PULL_SIZE = 8 + 8 + 8;
inline constexpr std::size_t DELTA_HEADER_SIZE = 8 + 8 + 1 + 1;
// Bytes a delta has for its announces, and how many whole announces always fit (every one
// the largest: 6 IPv6 endpoints) and at most fit (every one the smallest: 1 IPv4 endpoint).
inline constexpr std::size_t DELTA_CAPACITY = MAX_DATAGRAM - HEADER_SIZE - DELTA_HEADER_SIZE;
inline constexpr std::size_t DELTA_ANNOUNCES_ALWAYS = DELTA_CAPACITY / MAX_ANNOUNCE_SIZE;   // 3
inline constexpr std::size_t DELTA_ANNOUNCES_AT_MOST = DELTA_CAPACITY / MIN_ANNOUNCE_SIZE;  // 5
static_assert(DELTA_ANNOUNCES_ALWAYS == 3 && DELTA_ANNOUNCES_AT_MOST == 5);

struct Announce {
    std::uint8_t format = FORMAT_VERSION;
    NetworkId network{};
    crypto::CompressedPubKey signing_pubkey{};
    std::uint32_t key_index = 0;
    proto::open::Delegation delegation{};
    std::vector<Endpoint> endpoints;  // 1..MAX_ENDPOINTS, distinct, ports not 0
    NatType nat = NatType::unknown;
    std::uint64_t timestamp = 0;  // unix seconds
    std::uint64_t version = 0;    // strictly increasing per signing key
    crypto::SchnorrSig signature{};

    SigningId signing_id() const { return crypto::hash160(signing_pubkey); }
    MasterHash master_hash() const { return crypto::hash160(delegation.master_pubkey); }
    bool operator==(const Announce&) const = default;
};

// Asks a peer for the announces its table changed after `since` (a cursor the same peer gave
// in an earlier delta; 0 for everything). `nonce` comes back in the delta.
struct Pull {
    std::uint64_t since = 0;
    std::uint64_t nonce = 0;
    NetworkId network{};  // the asker's network: a peer of another network does not answer
    bool operator==(const Pull&) const = default;
};

// One page of the answer: `cursor` is what the asker sends as `since` next time (it is the
// answerer's change counter, meaningful only to that answerer); `more` says another page
// follows right away.
struct Delta {
    std::uint64_t nonce = 0;
    std::uint64_t cursor = 0;
    bool more = false;
    std::vector<Announce> announces;
    bool operator==(const Delta&) const = default;
};

using Datagram = std::variant<Announce, Pull, Delta>;

// Strict and complete: every length checked, nothing may follow the body, each refusal its
// own Problem. Verifies no signature (signature_ok, delegation_ok do).
Checked<Datagram> decode(ByteView datagram);
// Fails with the Problem decode would give the result (0 or > 6 endpoints, port 0, a
// duplicate, over MAX_DATAGRAM), so that what is sent always decodes.
Checked<Bytes> encode(const Datagram& d);

// Bytes an announce takes in a datagram (its body).
std::size_t announce_size(const Announce& a);

Bytes canonical_bytes(const Announce& a);
crypto::Hash256 announce_sighash(const Announce& a);
void sign(Announce& a, const crypto::PrivKey& signing_key);
// The signing key's BIP340 signature over announce_sighash.
bool signature_ok(const Announce& a);
// The master key's delegation of the signing key (with its key index, on a.network).
bool delegation_ok(const Announce& a);

}  // namespace sharemsg::gossip
