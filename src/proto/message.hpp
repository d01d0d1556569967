// A share message: its wire format, hash, signature and JSON view.
//
// Wire layout (all integers little-endian):
//   offset  size  field
//   0       1     msg_type
//   1       1     flags
//   2       4     timestamp (u32 seconds)
//   6       2     payload_len (<= 220)
//   8       N     payload
//   8+N     20    signing_id (all zero = none)
//   28+N    1     sig_len
//   29+N    M     signature (DER ECDSA; pack allows <= 73, unpack reads up to 255)
//
// message_hash = SHA256d(msg_type || wire_flags || le32(timestamp) || payload), where
// wire_flags is the flags byte as it was on the wire (authority bit included), so that the
// hash matches what the signer signed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "proto/authority.hpp"
#include "proto/constants.hpp"
#include "proto/signing_key.hpp"
#include "util/bytes.hpp"

namespace sharemsg::proto {

class SigningKeyRegistry;

using ShareHash = ByteArray<32>;  // big-endian as displayed ("%064x" of the reference's int)

struct ShareMessage {
    std::uint8_t msg_type = 0;
    // Flags as trusted locally: FLAG_PROTOCOL_AUTHORITY only after a verification earned it.
    std::uint8_t flags = FLAG_BROADCAST | FLAG_PERSISTENT;
    // Flags byte as carried on the wire (or as created locally); covered by the hash.
    std::uint8_t wire_flags = FLAG_BROADCAST | FLAG_PERSISTENT;
    std::uint32_t timestamp = 0;
    Bytes payload;
    std::optional<SigningId> signing_id;
    Bytes signature;
    std::optional<std::string> sender_address;
    std::optional<ShareHash> share_hash;
    bool verified = false;
    // Open profile only: the recipient of a private message (FLAG_PRIVATE, 0x10 in flags); the
    // payload is then encrypted (see proto/open_private.hpp). Never set by the v1 codec.
    std::optional<SigningId> recipient;
    // Open profile only: the co-signing authority's aggregate x-only key of an authority
    // (co-signed) message, which has no signing id (see proto/open_authority.hpp).
    std::optional<ByteArray<32>> authority_key;

    // A locally created message; flags and wire flags both start as `flags`.
    static ShareMessage make(std::uint8_t type, ByteView payload, std::uint8_t flags,
                             std::uint32_t timestamp);

    bool has_signature() const { return flags & FLAG_HAS_SIGNATURE; }
    bool is_broadcast() const { return flags & FLAG_BROADCAST; }
    bool is_persistent() const { return flags & FLAG_PERSISTENT; }
    bool is_protocol_authority() const { return flags & FLAG_PROTOCOL_AUTHORITY; }

    crypto::Hash256 hash() const;
    std::size_t packed_size() const { return 29 + payload.size() + signature.size(); }
};

// Serializes with the current (local) flags. Fails with Errc::oversize for a payload over
// 220 bytes or a signature over 73 bytes.
Result<Bytes> pack_message(const ShareMessage& m);

struct UnpackedMessage {
    ShareMessage message;
    std::size_t next_offset = 0;
};

// Reads one message at `offset`. The authority flag is stripped from `flags` (kept in
// wire_flags). Errors name the field: truncated header/payload/signing_id/signature,
// payload_len over 220.
Result<UnpackedMessage> unpack_message(ByteView data, std::size_t offset = 0);

// Sets FLAG_HAS_SIGNATURE, the signing id and a DER signature over the message hash.
void sign_message(ShareMessage& m, const DerivedSigningKey& key);
// Signs directly with an authority (or any) private key; the signing id stays as it is.
void sign_message_with(ShareMessage& m, const crypto::PrivKey& key);

// Registry path: the signature must verify (low-S) under the registered, unrevoked key of
// the message's signing id. On success sets verified, the sender address, and the authority
// flag when that key is one of `authorities`.
bool verify_with_registry(ShareMessage& m, const SigningKeyRegistry& registry,
                          const AuthoritySet& authorities);

// Authority path: the signature must verify under `pubkey`, which must be in `authorities`.
// High-S signatures are accepted here after normalization, because the deployed network's
// real transition message carries one (PRODUCT.md, "Low-S, with one recorded exception").
// On success sets verified, FLAG_PROTOCOL_AUTHORITY and FLAG_HAS_SIGNATURE.
bool verify_authority_direct(ShareMessage& m, ByteView pubkey, const AuthoritySet& authorities);
// The same under an authority already found in its set, with the key it parsed at start.
bool verify_authority_direct(ShareMessage& m, const Authority& authority);

// The reference's JSON view (to_dict): type, type_id, timestamp, age, flags{signed,
// broadcast,persistent}, verified, signing_id?, protocol_authority, text|data|raw, sender?,
// share_hash?. `now` gives the age (seconds, truncated toward zero).
nlohmann::ordered_json message_to_json(const ShareMessage& m, double now);

}  // namespace sharemsg::proto
