// The frames of MuSig2 signing sessions between identities (docs/musig.md, "Sessions").
//
// Every frame is version u8 (1) || type u8 || body; nothing may follow the body. Integers are
// little-endian.
//
//   announce (1)  network_id 8 || salt 16 || n u8 (2..MAX_SIGNERS) || signers n*33 (distinct
//                 compressed points, in KeyAgg order) || creator_index u8 (< n) ||
//                 required_signers u8 (= n) || created u64 || expiry u64 (> created, at most
//                 created + MAX_SESSION_LIFETIME) || message_len u16 (1..MAX_MESSAGE) ||
//                 message || context_len u16 (0..MAX_CONTEXT) || context || creator_sig 64
//   nonce (2), partial (3), abort (4)
//                 network_id 8 || session_id 32 || sender_index u8 || seq u32 (from 1) ||
//                 payload || sender_sig 64, the payload being a pubnonce (66), a partial
//                 signature (32), or reason u8 (AbortReason) || blamed u8 (0xff: none)
//
// The signatures are BIP340 by the signer's signing key over tagged_hash(tag, the frame's
// bytes before the signature): TAG_ANNOUNCE by signers[creator_index], TAG_MESSAGE by
// signers[sender_index] of the session. The session id is tagged_hash(TAG_SESSION, the
// announcement's bytes before the signature), so an announcement cannot be changed and keep
// its id.
//
// One description (frame.cpp) reads and writes each format. The decoder checks lengths,
// ranges, points (musig/codec.hpp) and bounds; what needs the session (sender_index < n, the
// signatures, the blamed index < n) is the coordinator's (musig/coordinator.hpp).
#pragma once

#include <cassert>
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "crypto/bip340.hpp"
#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "musig/types.hpp"

namespace sharemsg::musig {

inline constexpr std::uint8_t FRAME_VERSION = 1;
inline constexpr std::size_t MIN_SIGNERS = 2;
inline constexpr std::size_t MAX_SIGNERS = 64;
inline constexpr std::uint64_t MAX_SESSION_LIFETIME = 2 * 3600;  // seconds
inline constexpr std::size_t MAX_MESSAGE = 1024;
inline constexpr std::size_t MAX_CONTEXT = 1024;
inline constexpr std::uint8_t NO_SIGNER = 0xff;  // an abort's blamed index when nobody is blamed
// The largest frame: an announcement of MAX_SIGNERS with the largest message and context.
inline constexpr std::size_t MAX_FRAME =
    2 + 8 + 16 + 1 + MAX_SIGNERS * 33 + 1 + 1 + 8 + 8 + 2 + MAX_MESSAGE + 2 + MAX_CONTEXT + 64;

inline constexpr std::string_view TAG_ANNOUNCE = "sharemsg/musig/announce";
inline constexpr std::string_view TAG_SESSION = "sharemsg/musig/session";
inline constexpr std::string_view TAG_MESSAGE = "sharemsg/musig/message";

using NetworkId = ByteArray<8>;
using SessionId = ByteArray<32>;
using Salt = ByteArray<16>;

enum class FrameType : std::uint8_t { announce = 1, nonce = 2, partial = 3, abort = 4 };
const char* frame_type_name(FrameType t) noexcept;

// Why a session was aborted (an abort frame's reason byte; 0 and values above 4 are refused).
enum class AbortReason : std::uint8_t {
    cancelled = 1,        // a signer gave up (Coordinator::cancel)
    bad_partial_sig = 2,  // the blamed signer's partial signature does not verify
    stuck = 3,            // no progress for stuck_timeout in an exchange phase
    expired = 4,          // the announcement's expiry passed before completion
};
const char* abort_reason_name(AbortReason r) noexcept;

// Why the decoder refused a frame.
enum class FrameError : std::uint8_t {
    none,                  // not an error (a Refusal that is not about the frame's bytes)
    truncated,             // the input ended inside a field
    bad_version,           // version is not FRAME_VERSION
    bad_type,              // type is not 1..4
    trailing_bytes,        // bytes after the signature
    bad_signer_count,      // n outside MIN_SIGNERS..MAX_SIGNERS
    bad_pubkey,            // a signer key is not a compressed point
    duplicate_signer,      // a signer key appears twice
    bad_creator_index,     // creator_index >= n
    bad_required_signers,  // required_signers != n
    bad_expiry,            // expiry <= created, or beyond created + MAX_SESSION_LIFETIME
    bad_message_length,    // message_len outside 1..MAX_MESSAGE
    bad_context_length,    // context_len above MAX_CONTEXT
    bad_sender_index,      // sender_index >= MAX_SIGNERS (the coordinator checks < n)
    bad_sequence,          // seq 0
    bad_pubnonce,          // not two compressed points
    bad_partial_sig,       // not below the group order
    bad_abort_reason,      // not an AbortReason
    bad_blamed_index,      // neither NO_SIGNER nor below MAX_SIGNERS (the coordinator: < n)
};
const char* frame_error_name(FrameError e) noexcept;

struct Announcement {
    NetworkId network_id{};
    Salt salt{};
    std::vector<PlainPubKey> signers;  // KeyAgg order
    std::uint8_t creator_index = 0;
    std::uint8_t required_signers = 0;
    std::uint64_t created = 0;
    std::uint64_t expiry = 0;
    Bytes message;  // what BIP327 signs
    Bytes context;  // opaque here; covered by the signature
    Signature creator_sig{};
    bool operator==(const Announcement&) const = default;
};

struct NonceBody {
    PubNonce pubnonce{};
    bool operator==(const NonceBody&) const = default;
};
struct PartialBody {
    PartialSig psig{};
    bool operator==(const PartialBody&) const = default;
};
struct AbortBody {
    AbortReason reason = AbortReason::cancelled;
    std::uint8_t blamed = NO_SIGNER;
    bool operator==(const AbortBody&) const = default;
};

// A nonce, partial or abort frame; its type is the payload's.
struct SessionMessage {
    NetworkId network_id{};
    SessionId session_id{};
    std::uint8_t sender_index = 0;
    std::uint32_t seq = 0;
    std::variant<NonceBody, PartialBody, AbortBody> payload;
    Signature sender_sig{};
    FrameType type() const noexcept;
    bool operator==(const SessionMessage&) const = default;
};

using Frame = std::variant<Announcement, SessionMessage>;

// Reads one whole frame.
Checked<Frame, FrameError> decode_frame(ByteView b);
// Writes a frame as it is (the caller's values; encode(decode(x)) == x).
Bytes encode_announcement(const Announcement& a);
Bytes encode_message(const SessionMessage& m);
Bytes encode_frame(const Frame& f);

// The session id of an announcement, and the digests the signatures are over.
SessionId session_id(const Announcement& a);
crypto::Hash256 announcement_sighash(const Announcement& a);
crypto::Hash256 message_sighash(const SessionMessage& m);

// Signs in place with the creator's / the sender's signing key.
void sign_announcement(Announcement& a, const crypto::PrivKey& creator_key);
void sign_message(SessionMessage& m, const crypto::PrivKey& sender_key);
// The creator's signature by signers[creator_index] (false when the index is out of range).
bool announcement_signature_ok(const Announcement& a);
// The sender's signature by `sender_pubkey` (the session's signers[sender_index]).
bool message_signature_ok(const SessionMessage& m, const PlainPubKey& sender_pubkey);

}  // namespace sharemsg::musig
