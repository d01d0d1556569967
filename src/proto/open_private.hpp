// Private messages of the open profile (FLAG_PRIVATE). docs/protocol.md, "Private messages".
//
//   secret = libsecp256k1 ECDH(sender signing key, recipient signing pubkey)
//          = SHA256(0x02|0x03 (parity of y) || x) of the shared point (symmetric)
//   key    = HKDF-SHA256(ikm = secret, salt = "sharemsg/open/private/v1",
//                        info = "sharemsg/open/private" || network_id(8) || sender_id(20) ||
//                               recipient_id(20), 32 bytes)
//   aad    = network_id(8) || sender_id(20) || recipient_id(20) || msg_type ||
//            signed_flags || le32(timestamp)
//   payload on the wire = gcm_nonce(12, random for every message) ||
//                         AES-256-GCM(key, gcm_nonce, aad, plaintext) || tag(16)
//
// The recipient's signing id travels in clear (so nodes know whom a message is for) and is
// covered by the signature, which is made over the encrypted payload (encrypt, then sign).
// No forward secrecy: whoever later learns either signing key reads past messages; rotate
// keys (key_index) to limit that, and keep old signing keys to read old messages.
//
// Display convention (nodes, the API): a node shows the decrypted text only to the recipient
// (or the sender) whose signing key it holds; everyone else sees the payload
// ENCRYPTED_PLACEHOLDER, "[encrypted]", and the message's other fields as they are.
#pragma once

#include <functional>

#include <optional>
#include <string_view>

#include "proto/message.hpp"
#include "proto/open_envelope.hpp"

namespace sharemsg::proto::open {

class Ledger;

inline constexpr std::string_view PRIVATE_HKDF_SALT = "sharemsg/open/private/v1";
inline constexpr std::string_view PRIVATE_HKDF_INFO = "sharemsg/open/private";
inline constexpr std::size_t PRIVATE_NONCE_SIZE = 12;
inline constexpr std::size_t PRIVATE_TAG_SIZE = 16;
inline constexpr std::size_t PRIVATE_OVERHEAD = PRIVATE_NONCE_SIZE + PRIVATE_TAG_SIZE;
// Longest plaintext: unfragmented, and reassembled from fragments.
inline constexpr std::size_t MAX_PRIVATE_PLAINTEXT_SINGLE = MAX_MESSAGE_PAYLOAD - PRIVATE_OVERHEAD;
inline constexpr std::size_t MAX_PRIVATE_PLAINTEXT = MAX_REASSEMBLED_PAYLOAD - PRIVATE_OVERHEAD;
inline constexpr std::string_view ENCRYPTED_PLACEHOLDER = "[encrypted]";

using GcmNonce = ByteArray<12>;

// The AES-256 key of a (sender, recipient) pair; `mine` is either party's signing key and
// `their_pubkey` the other party's signing pubkey. Fails with Errc::bad_key for a bad point.
Result<ByteArray<32>> private_message_key(const crypto::PrivKey& mine, ByteView their_pubkey,
                                          const NetworkId& network_id, const SigningId& sender_id,
                                          const SigningId& recipient_id);

Bytes private_message_aad(const NetworkId& network_id, const SigningId& sender_id,
                          const SigningId& recipient_id, std::uint8_t msg_type,
                          std::uint8_t wire_flags, std::uint32_t timestamp);

// A signed private message for `recipient_pubkey` (whose HASH160 becomes the recipient id).
// `gcm_nonce` must be fresh random bytes for every message. The result is signed (see
// sign_open_message) and, when the payload is over 220 bytes, must go through split_fragments.
// Errors: bad_key (recipient pubkey), oversize (plaintext over MAX_PRIVATE_PLAINTEXT).
Result<OpenMessage> make_private_message(std::uint8_t msg_type, ByteView plaintext,
                                         std::uint32_t timestamp, const DerivedSigningKey& sender,
                                         const AddressHash& sender_address,
                                         const crypto::CompressedPubKey& recipient_pubkey,
                                         const NetworkId& network_id, const GcmNonce& gcm_nonce,
                                         std::uint8_t flags = FLAG_PERSISTENT);

// Decrypts an accepted private message (a ShareMessage from the ledger, recipient set).
// `mine` is the recipient's signing key (then `other_pubkey` is the sender's signing pubkey,
// from Ledger::key(sender id)) or the sender's (then the recipient's pubkey). Errors:
// invalid_argument (not private, or `mine` is neither party), truncated (payload shorter than
// nonce and tag), bad_key, bad_signature (the GCM tag does not match: altered ciphertext,
// wrong key or header).
Result<Bytes> decrypt_private(const ShareMessage& m, const DerivedSigningKey& mine,
                              ByteView other_pubkey, const NetworkId& network_id);
// The same on a wire message (whole, not a fragment).
Result<Bytes> decrypt_private(const OpenMessage& m, const DerivedSigningKey& mine,
                              ByteView other_pubkey, const NetworkId& network_id);

// What a node shows as the payload: public messages unchanged; private ones decrypted when
// `mine` (may be null) is the recipient or the sender and the other party's key is in the
// ledger, ENCRYPTED_PLACEHOLDER otherwise (also when decryption fails).
Bytes display_payload(const ShareMessage& m, const DerivedSigningKey* mine, const Ledger& ledger);
// The same with the other party's pubkey from `pubkey_of` (nothing: unknown).
Bytes display_payload(
    const ShareMessage& m, const DerivedSigningKey* mine, const NetworkId& network_id,
    const std::function<std::optional<crypto::CompressedPubKey>(const SigningId&)>& pubkey_of);

}  // namespace sharemsg::proto::open
