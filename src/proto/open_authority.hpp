// The open profile's co-signing authorities: who may send authority messages (FLAG_AUTHORITY,
// open_envelope.hpp) on a network.
//
// An authority is a name and the compressed public keys of its signers (at least 2, distinct).
// Its key is BIP327's KeyAgg of the signers in KeySort order, as an x-only key: every signer
// must take part in a MuSig2 session for a signature under it to exist (n-of-n). A network's
// list comes from its parameters and the node's --cosign-authority NAME=PUB1,PUB2,... flags;
// the ledger accepts an authority message only under a key of that list.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secp256k1.hpp"
#include "proto/open_envelope.hpp"
#include "util/bytes.hpp"

namespace sharemsg::proto::open {

inline constexpr std::size_t MIN_COSIGNERS = 2;
inline constexpr std::size_t MAX_COSIGNERS = 64;
inline constexpr std::size_t MAX_AUTHORITY_NAME = 64;

class CosignAuthority {
  public:
    // Errors (invalid_argument unless told): a name that is empty, longer than
    // MAX_AUTHORITY_NAME or not made of letters, digits, '-', '_' and '.'; fewer than
    // MIN_COSIGNERS or more than MAX_COSIGNERS keys; a key given twice; bad_key for a key
    // that is not a compressed point (naming it).
    static Result<CosignAuthority> make(std::string name,
                                        std::span<const crypto::CompressedPubKey> signers);
    // "NAME=PUB1,PUB2,..." with each key as 66 hex digits. Errors: those of make, and
    // invalid_argument / bad_encoding naming what is not of that form.
    static Result<CosignAuthority> parse(std::string_view spec);

    const std::string& name() const { return name_; }
    // The signers in KeySort order (lexicographic order of their 33 bytes).
    const std::vector<crypto::CompressedPubKey>& signers() const { return signers_; }
    // KeyAgg(KeySort(signers)), x-only: what authority messages carry and verify under.
    const XonlyKey& key() const { return key_; }

    bool operator==(const CosignAuthority&) const = default;

  private:
    CosignAuthority() = default;
    std::string name_;
    std::vector<crypto::CompressedPubKey> signers_;
    XonlyKey key_{};
};

// The authority whose key is `key`, or null.
const CosignAuthority* find_cosign_authority(std::span<const CosignAuthority> authorities,
                                             const XonlyKey& key);

// A co-signing session for an authority message (docs/musig.md, "Co-signing an alert"): the
// session's message is the authority sighash of the unsigned message under the session's
// aggregate key, and its context is the message itself, so that every signer's node can show
// what it is asked to sign and check that the digest is that message's:
//   context = "SMA1" || msg_type || wire flags || le32(timestamp) || payload (1..220 bytes)
inline constexpr std::string_view ALERT_CONTEXT_TAG = "SMA1";

// The context of a session that signs `m` (an authority message, signature empty or not).
Bytes alert_context(const OpenMessage& m);
// The unsigned authority message a session signs, from its context, aggregate key and message.
// Errors (all bad_encoding, naming what is wrong): a context that is not of the form above, a
// message that make_authority_message refuses or whose flags it would change, and a session
// message that is not the authority sighash of it on `network_id`.
Result<OpenMessage> alert_of_session(ByteView context, const XonlyKey& aggregate_key,
                                     ByteView session_message, const NetworkId& network_id);

}  // namespace sharemsg::proto::open
