// The open messaging profile: a share's message_data whose first byte is 0x02.
//
// Ours to define (PRODUCT.md, "Where the reference design is weak"); enabled on the devnet and
// on networks whose parameters say so, never under V36 mainnet rules. docs/protocol.md is the
// full specification with byte tables; this header is the summary the code follows.
//
// message_data (all integers little-endian):
//   0   1   profile        = 0x02
//   1   1   version        = 0x01 (any other value: Errc::bad_version)
//   2   12  nonce          random, chosen by the sender for every envelope
//   14  N   ciphertext     = inner XOR ChaCha20(obfuscation_key, nonce, counter 0)
//   obfuscation_key = SHA256("p2pool-msg-obfuscate" || network IDENTIFIER (8 bytes))
//
// OBFUSCATION IS NOT ENCRYPTION. The key is derived from the public network identifier, so
// anyone who knows this specification can read every envelope. It only hides the content
// from passive observers who do not parse it (casual inspection, naive keyword filters on the
// wire). There is no MAC: integrity comes from the share's proof of work (message_data is
// committed through ref_hash) and authenticity only from the signatures inside. The nonce is
// random and carried here because the share hash depends on message_data (a nonce derived
// from the share hash, as seed 000 proposes, would be circular).
//
// inner plaintext:
//   0   1    inner_flags    0x01 announcement present, 0x02 sacrifice tag present, others 0
//   .   134  announcement   (if 0x01) see BoundAnnouncement
//   .   20   sacrifice_tag  (if 0x02) the signing id a sacrifice share credits (MWU)
//   .   1    msg_count      <= MAX_MESSAGES
//   .   ...  messages       back to back, self-delimiting (see OpenMessage); nothing after
//
// announcement (134 bytes):
//   0   33  signing_pubkey  compressed secp256k1 point
//   33  4   key_index       u32
//   37  33  master_pubkey   compressed secp256k1 point; HASH160 must equal the share's payout
//   70  64  delegation      BIP340 Schnorr signature by the master key over
//                           tagged_hash("sharemsg/open/delegation", network_id(8) ||
//                           signing_pubkey(33) || le32(key_index) || master_pubkey(33))
//
// message:
//   0   1   msg_type        the v1 types of constants.hpp
//   1   1   flags           0x01 signed, 0x02 broadcast, 0x04 persistent, 0x08 authority,
//                           0x10 private, 0x20 fragment; 0xc0 must be 0
//   2   4   timestamp       u32 seconds
//   6   20  signing_id      HASH160(signing pubkey); absent with 0x08
//   6   32  authority_key   (if authority) x-only aggregate key of a co-signing authority
//   .   20  recipient_id    (if private) the recipient's signing id, in clear
//   .   6   fragment        (if fragment) msg_id u32, index u8, total u8 (2..8, index < total)
//   .   2   payload_len     u16, <= 220
//   .   N   payload
//   .   1   sig_len         8..72, or 0 in a fragment that is not the last one
//   .   M   signature       DER ECDSA, low-S only (verification never normalizes)
//
// A signature covers tagged_hash("sharemsg/open/msg", network_id(8) || signer_address(20) ||
// signing_id(20) || msg_type || signed_flags || le32(timestamp) || [recipient_id(20)] ||
// le16(payload_len) || payload), where signer_address is HASH160 of the master pubkey of the
// signer's delegation (the payout pubkey_hash it is bound to) and signed_flags = flags with
// 0x01 set and 0x20 cleared. For a fragmented message the payload is the whole reassembled
// payload and the signature travels in the last fragment.
//
// An authority message (flag 0x08, "co-signed") is signed by a MuSig2 aggregate key instead of
// a signing id: msg_type EMERGENCY or TRANSITION_SIGNAL only, 0x01 set, 0x10 and 0x20 clear,
// sig_len 64, and the signature is BIP340 under authority_key over
// authority_sighash = tagged_hash("sharemsg/open/authority", network_id(8) ||
// authority_key(32) || msg_type || flags || le32(timestamp) || le16(payload_len) || payload).
// Which keys count is the network's list of co-signing authorities (open_authority.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bip340.hpp"
#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "proto/constants.hpp"
#include "proto/signing_key.hpp"
#include "util/bytes.hpp"

namespace sharemsg::proto::open {

using NetworkId = ByteArray<8>;          // the network's IDENTIFIER
using ObfuscationNonce = ByteArray<12>;  // per-envelope random nonce
using AddressHash = crypto::Hash160;     // a payout pubkey_hash (HASH160 of the master pubkey)
using XonlyKey = ByteArray<32>;          // a BIP340 (x-only) public key

// ---- constants -----------------------------------------------------------------------------

inline constexpr std::uint8_t PROFILE_BYTE = 0x02;
inline constexpr std::uint8_t ENVELOPE_VERSION = 0x01;
inline constexpr std::size_t NONCE_SIZE = 12;
inline constexpr std::size_t HEADER_SIZE = 2 + NONCE_SIZE;
// Structural bounds of a decoder (anything larger is malformed). The per-share limits the
// packer and the ledger apply are lower (PackLimits, MWU).
inline constexpr std::size_t MAX_MESSAGE_DATA = 2048;
inline constexpr std::size_t MAX_MESSAGES = 16;

inline constexpr std::uint8_t INNER_HAS_ANNOUNCEMENT = 0x01;
inline constexpr std::uint8_t INNER_HAS_SACRIFICE_TAG = 0x02;
inline constexpr std::uint8_t INNER_KNOWN_FLAGS = INNER_HAS_ANNOUNCEMENT | INNER_HAS_SACRIFICE_TAG;

// Message flags. 0x01, 0x02 and 0x04 mean what they mean in v1; 0x08 marks an authority
// message, signed by a co-signing authority's aggregate key (see above).
inline constexpr std::uint8_t FLAG_AUTHORITY = FLAG_PROTOCOL_AUTHORITY;
inline constexpr std::uint8_t FLAG_PRIVATE = 0x10;
inline constexpr std::uint8_t FLAG_FRAGMENT = 0x20;
inline constexpr std::uint8_t KNOWN_FLAGS = FLAG_HAS_SIGNATURE | FLAG_BROADCAST | FLAG_PERSISTENT |
                                            FLAG_AUTHORITY | FLAG_PRIVATE | FLAG_FRAGMENT;

inline constexpr std::size_t ANNOUNCEMENT_SIZE = 33 + 4 + 33 + 64;
inline constexpr std::size_t MIN_SIGNATURE = 8;
inline constexpr std::size_t MAX_SIGNATURE = 72;  // the longest low-S DER signature
inline constexpr std::size_t FRAGMENT_HEADER_SIZE = 6;
inline constexpr std::uint8_t MAX_FRAGMENTS = 8;
inline constexpr std::size_t MAX_REASSEMBLED_PAYLOAD = 1600;
inline constexpr std::uint32_t FRAGMENT_TIMEOUT = 300;  // seconds of share time
inline constexpr std::size_t AUTHORITY_KEY_SIZE = 32;
inline constexpr std::size_t AUTHORITY_SIGNATURE_SIZE = 64;  // BIP340

// Default per-share packing limits (seed 000: 3 messages, 512 bytes of message_data).
inline constexpr std::size_t PACK_MAX_MESSAGES = MAX_MESSAGES_PER_SHARE;
inline constexpr std::size_t PACK_MAX_BYTES = MAX_TOTAL_MESSAGE_BYTES;

inline constexpr std::string_view OBFUSCATION_DOMAIN = "p2pool-msg-obfuscate";
inline constexpr std::string_view TAG_MESSAGE = "sharemsg/open/msg";
inline constexpr std::string_view TAG_DELEGATION = "sharemsg/open/delegation";
inline constexpr std::string_view TAG_AUTHORITY = "sharemsg/open/authority";

// The devnet's IDENTIFIER (src/node/network.cpp: "shmsdev\x01").
inline constexpr NetworkId DEVNET_NETWORK_ID = {0x73, 0x68, 0x6d, 0x73, 0x64, 0x65, 0x76, 0x01};

// "devnet" (DEVNET_NETWORK_ID) or exactly 16 hex digits (a network's IDENTIFIER). Errors
// name the expected forms (Errc::invalid_argument).
Result<NetworkId> parse_network_id(std::string_view text);

// ---- types ---------------------------------------------------------------------------------

struct FragmentInfo {
    std::uint32_t msg_id = 0;
    std::uint8_t index = 0;
    std::uint8_t total = 0;
    bool operator==(const FragmentInfo&) const = default;
};

struct OpenMessage {
    std::uint8_t msg_type = MSG_MINER_MESSAGE;
    std::uint8_t flags = FLAG_HAS_SIGNATURE | FLAG_BROADCAST | FLAG_PERSISTENT;  // as on the wire
    std::uint32_t timestamp = 0;
    SigningId signing_id{};  // all zero (and not on the wire) in an authority message
    // present exactly when flags has FLAG_AUTHORITY: the co-signing authority's aggregate key
    std::optional<XonlyKey> authority_key;
    std::optional<SigningId> recipient;    // present exactly when flags has FLAG_PRIVATE
    std::optional<FragmentInfo> fragment;  // present exactly when flags has FLAG_FRAGMENT
    Bytes payload;
    Bytes signature;  // DER; empty only in a fragment that is not the last; BIP340 (64) with
                      // FLAG_AUTHORITY

    bool is_authority() const { return (flags & FLAG_AUTHORITY) != 0; }
    bool is_private() const { return (flags & FLAG_PRIVATE) != 0; }
    bool is_fragment() const { return (flags & FLAG_FRAGMENT) != 0; }
    // Bytes this message takes inside the inner plaintext.
    std::size_t encoded_size() const;
    bool operator==(const OpenMessage&) const = default;
};

// The master key's delegation of a signing key: what `sharemsg derive-key
// --delegation-network` prints (as one hex string, master_pubkey || signature) and what the
// node takes with --signing-key-delegation.
struct Delegation {
    crypto::CompressedPubKey master_pubkey{};
    crypto::SchnorrSig signature{};
    bool operator==(const Delegation&) const = default;
};

struct BoundAnnouncement {
    crypto::CompressedPubKey signing_pubkey{};
    std::uint32_t key_index = 0;
    crypto::CompressedPubKey master_pubkey{};
    crypto::SchnorrSig delegation_sig{};

    SigningId signing_id() const { return crypto::hash160(signing_pubkey); }
    // HASH160 of the master pubkey: the payout pubkey_hash this key is bound to.
    AddressHash address_hash() const { return crypto::hash160(master_pubkey); }
    Delegation delegation() const { return {master_pubkey, delegation_sig}; }
    bool operator==(const BoundAnnouncement&) const = default;
};

struct Envelope {
    std::optional<BoundAnnouncement> announcement;
    std::optional<SigningId> sacrifice_tag;
    std::vector<OpenMessage> messages;
    bool operator==(const Envelope&) const = default;
};

// ---- obfuscation and the envelope ------------------------------------------------------------

bool is_open_profile(ByteView message_data);
crypto::Hash256 obfuscation_key(const NetworkId& network_id);

// The inner plaintext. encode_inner fails with Errc::invalid_argument (naming the message and
// field) for anything decode_inner would refuse: flags that disagree with the optional parts,
// reserved bits, payload over 220, a signature length out of range, more than MAX_MESSAGES.
Result<Bytes> encode_inner(const Envelope& env);
// Strict and complete: every malformed field is an error naming it; nothing may follow the
// last message.
Result<Envelope> decode_inner(ByteView inner);

// message_data for an envelope, obfuscated under the network's key and the given nonce (the
// caller draws it at random for every envelope). Fails like encode_inner, and with
// Errc::oversize above MAX_MESSAGE_DATA.
Result<Bytes> seal(const Envelope& env, const NetworkId& network_id, const ObfuscationNonce& nonce);

// Structural decode of message_data: profile byte, version, size bound, deobfuscation,
// decode_inner, and both announcement keys are valid points. Verifies no signature (the
// ledger does, with the state it needs).
Result<Envelope> open(ByteView message_data, const NetworkId& network_id);

// ---- delegations and announcements -----------------------------------------------------------

crypto::Hash256 delegation_sighash(const NetworkId& network_id,
                                   const crypto::CompressedPubKey& signing_pubkey,
                                   std::uint32_t key_index,
                                   const crypto::CompressedPubKey& master_pubkey);

// Signs a delegation with the master private key (offline: `sharemsg derive-key`). aux_rand is
// BIP340's auxiliary randomness (absent: deterministic).
Delegation make_delegation(const crypto::PrivKey& master, const NetworkId& network_id,
                           const crypto::CompressedPubKey& signing_pubkey, std::uint32_t key_index,
                           const std::optional<ByteArray<32>>& aux_rand = std::nullopt);

// The delegation signature verifies (it does not look at any share's payout).
bool verify_delegation(const BoundAnnouncement& ann, const NetworkId& network_id);

// 194 hex digits: master_pubkey (33) || signature (64).
std::string delegation_to_hex(const Delegation& d);
// Parses delegation_to_hex's output (surrounding whitespace is not accepted). Errors:
// bad_encoding (not hex), invalid_argument (not 97 bytes), bad_key (master pubkey not a
// compressed point).
Result<Delegation> parse_delegation_hex(std::string_view hex);

// The announcement of a node's signing key. Fails with Errc::bad_signature when the
// delegation does not verify for this key, index and network (wrong index, wrong network,
// another key's delegation): the node should refuse to start rather than announce it.
Result<BoundAnnouncement> make_announcement(const DerivedSigningKey& key, const Delegation& d,
                                            const NetworkId& network_id);

// ---- messages ------------------------------------------------------------------------------

// The flags byte a signature covers: FLAG_HAS_SIGNATURE set, FLAG_FRAGMENT cleared.
inline std::uint8_t signed_flags(std::uint8_t wire_flags) {
    return static_cast<std::uint8_t>((wire_flags | FLAG_HAS_SIGNATURE) & ~FLAG_FRAGMENT);
}

// The digest a message signature covers. `payload` is the whole (reassembled) payload.
crypto::Hash256 message_sighash(const NetworkId& network_id, const AddressHash& signer_address,
                                const SigningId& signing_id, std::uint8_t msg_type,
                                std::uint8_t wire_flags, std::uint32_t timestamp,
                                const std::optional<SigningId>& recipient, ByteView payload);
// The same for a whole (unfragmented) message, over its own payload.
crypto::Hash256 message_sighash(const NetworkId& network_id, const AddressHash& signer_address,
                                const OpenMessage& m);

// A message to send, before signing. FLAG_PRIVATE follows `recipient`.
OpenMessage make_open_message(std::uint8_t msg_type, ByteView payload, std::uint32_t timestamp,
                              std::uint8_t flags = FLAG_BROADCAST | FLAG_PERSISTENT,
                              const std::optional<SigningId>& recipient = std::nullopt);

// Signs a whole message: sets signing_id, FLAG_HAS_SIGNATURE, FLAG_PRIVATE to match
// `recipient`, and a low-S DER ECDSA signature. `signer_address` is HASH160 of the master
// pubkey of the key's delegation (BoundAnnouncement::address_hash()). The payload may be up to
// MAX_REASSEMBLED_PAYLOAD bytes; longer than 220 it must be split with split_fragments
// before packing. Fails with Errc::oversize above MAX_REASSEMBLED_PAYLOAD and with
// Errc::invalid_argument for a message that is already a fragment.
Status sign_open_message(OpenMessage& m, const DerivedSigningKey& key,
                         const AddressHash& signer_address, const NetworkId& network_id);

// Splits a signed whole message into fragments of at most `max_fragment_payload` bytes of
// payload (default 220), all with FLAG_FRAGMENT, the same type, flags, timestamp, signing id,
// recipient and msg_id; only the last carries FLAG_HAS_SIGNATURE and the signature (over the
// whole payload). A payload that fits in one message comes back unchanged, alone. Errors:
// invalid_argument (unsigned, already a fragment, max_fragment_payload 0 or over 220),
// oversize (more than MAX_FRAGMENTS fragments or MAX_REASSEMBLED_PAYLOAD bytes).
Result<std::vector<OpenMessage>> split_fragments(
    const OpenMessage& whole, std::uint32_t msg_id,
    std::size_t max_fragment_payload = MAX_MESSAGE_PAYLOAD);

// How many messages split_fragments makes of a payload of `payload_len` bytes: 1 when it fits
// in one (also for 0), else ceil(payload_len / max_fragment_payload) (which may exceed
// MAX_FRAGMENTS: split_fragments refuses that). `max_fragment_payload` must be at least 1.
inline std::size_t fragment_count(std::size_t payload_len,
                                  std::size_t max_fragment_payload = MAX_MESSAGE_PAYLOAD) {
    return payload_len <= max_fragment_payload
               ? 1
               : (payload_len + max_fragment_payload - 1) / max_fragment_payload;
}

// The signature verifies (strict DER, low-S, never normalized) under `signing_pubkey`.
bool verify_open_message(const OpenMessage& m, ByteView signing_pubkey,
                         const AddressHash& signer_address, const NetworkId& network_id);

// ---- authority (co-signed) messages ---------------------------------------------------------

// Whether msg_type may be sent as an authority message (EMERGENCY, TRANSITION_SIGNAL).
inline bool authority_type(std::uint8_t msg_type) {
    return msg_type == MSG_EMERGENCY || msg_type == MSG_TRANSITION_SIGNAL;
}

// The digest an authority message's BIP340 signature covers (the wire flags as they are).
crypto::Hash256 authority_sighash(const NetworkId& network_id, const XonlyKey& authority_key,
                                  std::uint8_t msg_type, std::uint8_t wire_flags,
                                  std::uint32_t timestamp, ByteView payload);
// The same for an authority message (authority_key present).
crypto::Hash256 authority_sighash(const NetworkId& network_id, const OpenMessage& m);

// An unsigned authority message: FLAG_AUTHORITY and FLAG_HAS_SIGNATURE set, FLAG_PRIVATE and
// FLAG_FRAGMENT cleared, the other bits of `flags` kept. The signature is the co-signers'
// (set `signature` to the 64 bytes). Errors: invalid_argument (msg_type not EMERGENCY or
// TRANSITION_SIGNAL), oversize (payload over 220).
Result<OpenMessage> make_authority_message(std::uint8_t msg_type, ByteView payload,
                                           std::uint32_t timestamp, const XonlyKey& authority_key,
                                           std::uint8_t flags = FLAG_BROADCAST | FLAG_PERSISTENT);

// The BIP340 signature of an authority message verifies under its own authority_key (whether
// that key is one of the network's authorities is the ledger's question).
bool verify_authority_signature(const OpenMessage& m, const NetworkId& network_id);

// Message Weight Units (constants.hpp): MWU_HEADER + payload bytes + recipient id (20) and
// fragment header (6) when present, + 2 per signature byte. An announcement weighs
// MWU_ANNOUNCEMENT, a sacrifice tag 20.
std::uint32_t mwu(const OpenMessage& m);
std::uint32_t mwu(const Envelope& env);

// ---- packing the outbox ----------------------------------------------------------------------

struct PackLimits {
    // The limits once Message Weight Units are in force: up to MAX_MESSAGES messages and
    // MAX_MESSAGE_DATA bytes structurally, MAX_MWU_PER_SHARE per share, and the sender's
    // remaining budget (Ledger::available_mwu).
    static PackLimits mwu_stage(std::uint32_t budget_mwu) {
        PackLimits l;
        l.max_messages = MAX_MESSAGES;
        l.max_bytes = MAX_MESSAGE_DATA;
        l.max_share_mwu = MAX_MWU_PER_SHARE;
        l.budget_mwu = budget_mwu;
        return l;
    }

    std::size_t max_messages = PACK_MAX_MESSAGES;
    std::size_t max_bytes = PACK_MAX_BYTES;  // of message_data, header included
    // Per-share weight cap, announcement and tag included (MWU stage: MAX_MWU_PER_SHARE).
    std::optional<std::uint32_t> max_share_mwu;
    // What the sender may still spend in this share (Ledger::available_mwu); messages only,
    // authority messages left out (they are charged to no budget).
    std::optional<std::uint32_t> budget_mwu;
};

struct Packed {
    Bytes message_data;     // empty when there was nothing to pack
    std::size_t taken = 0;  // queue[0..taken) are in message_data
};

// Packs the announcement (if any; always, it is small), the sacrifice tag (if any) and the
// longest prefix of `queue` (oldest first, order kept: it stops at the first message that does
// not fit) within `limits`, sealed under `nonce`. Fails with Errc::invalid_argument naming the
// queue position of a message that could never be packed (it does not encode, e.g. an
// unsigned message or a payload over 220): the node should drop that message.
Result<Packed> pack_queue(const std::optional<BoundAnnouncement>& announcement,
                          std::span<const OpenMessage> queue, const NetworkId& network_id,
                          const ObfuscationNonce& nonce, const PackLimits& limits = {},
                          const std::optional<SigningId>& sacrifice_tag = std::nullopt);

}  // namespace sharemsg::proto::open
