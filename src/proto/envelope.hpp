// The v1 authority envelope carried in a share's message_data (first byte 0x01).
//
// Outer layout:
//   offset  size  field
//   0       1     version = 0x01
//   1       16    nonce
//   17      32    mac = HMAC-SHA256(enc_key, ciphertext)
//   49      N     ciphertext = inner XOR keystream
// enc_key   = HMAC-SHA256(key = authority_pubkey (33 bytes), msg = nonce)
// keystream = SHA256(enc_key || le32(0)) || SHA256(enc_key || le32(1)) || ...
//
// What this proves: nothing about the author. The key is derived from a *public* key, so
// anyone can produce a valid envelope for any authority. The MAC only detects corruption,
// and the encryption only hides content from observers who do not know the scheme. Only
// the ECDSA signatures inside authenticate a message.
//
// Inner layout (plaintext):
//   0  1  inner_version = 1
//   1  1  inner_flags (0x01: announcement present)
//   2  1  msg_count (the reference reads at most 3)
//   3  1  announcement_len
//   4  A  announcement (57 bytes when valid)
//   4+A   messages, back to back (see message.hpp)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "proto/authority.hpp"
#include "proto/compat.hpp"
#include "proto/message.hpp"
#include "proto/signing_key.hpp"

namespace sharemsg::proto {

using Nonce16 = ByteArray<16>;

// enc_key for an authority pubkey and nonce.
crypto::Hash256 envelope_key(ByteView authority_pubkey, ByteView nonce);
Bytes envelope_keystream(const crypto::Hash256& enc_key, std::size_t length);

// Encrypts an inner envelope. An empty inner yields an empty result (no envelope), as in
// the reference. Fails with Errc::not_authority if the pubkey is not in `authorities`.
Result<Bytes> encrypt_envelope(ByteView inner, ByteView authority_pubkey, const Nonce16& nonce,
                               const AuthoritySet& authorities);

struct Decrypted {
    Bytes inner;
    const Authority* authority = nullptr;  // points into the AuthoritySet passed in
};

// Tries every authority key (MAC first). Errors: truncated (< 50 bytes), bad_version,
// not_authority (no key's MAC matches).
Result<Decrypted> decrypt_envelope(ByteView envelope, const AuthoritySet& authorities);

struct SigningKeyInfo {
    const Authority* authority = nullptr;  // the key that decrypted the envelope
    std::optional<Announcement> announcement;
};

struct UnpackedShareMessages {
    std::vector<ShareMessage> messages;
    std::optional<SigningKeyInfo> info;  // empty when the envelope did not decrypt
    // Problems the reference tolerates silently (an unknown inner version, a malformed
    // announcement, a message that did not parse, trailing bytes, msg_count over 3). They
    // do not change the result; they are kept so that tools and logs can say what happened.
    std::vector<std::string> notes;
};

// Decrypts and parses message_data exactly as the deployed reference does: data shorter
// than 53 bytes or not decrypting gives no info; an inner envelope shorter than 4 bytes or of
// another version gives info but no messages; at most 3 messages are read and parsing stops
// (keeping earlier messages) at the first malformed one.
UnpackedShareMessages unpack_share_messages(ByteView data, const AuthoritySet& authorities);

// Builds the inner envelope. Fails with Errc::oversize above 512 bytes or when a message
// does not pack. More than 3 messages are truncated to 3, as the reference does.
Result<Bytes> pack_inner(const std::vector<ShareMessage>& messages,
                         const std::optional<Bytes>& announcement);

// The reference's pack_share_messages: every message must be signed and verify against an
// authority key (its authority flag is recomputed), then the inner envelope is encrypted
// under the key that verified the last message (forrestv's slot, i.e. the first authority,
// when there are no messages). Returns empty bytes when there is nothing to pack.
// Unlike the reference (see ReferenceQuirks::pack_rewrites_signed_flags), a message whose
// signed flags lack FLAG_PROTOCOL_AUTHORITY|FLAG_HAS_SIGNATURE is refused: packing it would
// change the flags byte its signature covers.
Result<Bytes> pack_share_messages(std::vector<ShareMessage>& messages,
                                  const std::optional<Bytes>& announcement, const Nonce16& nonce,
                                  const AuthoritySet& authorities, ReferenceQuirks quirks = {});

// SHA256d of message_data, or 32 zero bytes when empty.
crypto::Hash256 message_data_hash(ByteView message_data);

// The V36 network rule for a share's message_data.
enum class V36Rule {
    ok_empty,          // no message_data: always valid
    ok,                // valid: every message authority-signed by the decrypting key
    not_decrypted,     // does not decrypt under any authority key
    no_messages,       // decrypted, but no message parsed
    unsigned_message,  // a message without a signature
    bad_signature,     // a signature that does not verify under the decrypting key
};

struct V36Verdict {
    V36Rule rule = V36Rule::ok_empty;
    std::string reason;                  // one line, for logs and tools
    std::vector<ShareMessage> messages;  // verified, authority flag set, when ok
    const Authority* authority = nullptr;
    bool valid() const { return rule == V36Rule::ok_empty || rule == V36Rule::ok; }
};

const char* v36_rule_name(V36Rule r);

// Applies the rule exactly as the reference rejects shares (a share failing it is invalid).
V36Verdict check_v36_message_data(ByteView message_data, const AuthoritySet& authorities);

}  // namespace sharemsg::proto
