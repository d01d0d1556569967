// BIP327 key sorting, key aggregation and tweaking of the aggregate key.
//
// KeyAggContext is BIP327's KeyAgg Context (Q, gacc, tacc) together with what key
// aggregation computed on the way (the keys, the hash of their list, the second distinct
// key), so that a session can look up each signer's coefficient without aggregating again.
// Values are plain bytes; the arithmetic is libsecp256k1's (see group.hpp).
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "crypto/hash.hpp"
#include "musig/types.hpp"

namespace sharemsg::musig {

// KeySort: the keys in lexicographical order of their 33 bytes.
std::vector<PlainPubKey> key_sort(std::span<const PlainPubKey> pubkeys);

class KeyAggContext {
  public:
    // KeyAgg. Errors: no_signers; invalid_contribution (pubkey, signer i) for the first key
    // that is not a valid compressed point; aggregate_key_infinite.
    static Result<KeyAggContext> create(std::span<const PlainPubKey> pubkeys);

    // ApplyTweak, in place; on an error the context is unchanged. Errors: tweak_out_of_range
    // (tweak >= n), tweak_infinite (the tweaked key would be the point at infinity).
    Status apply_tweak(const Tweak& tweak);

    // GetXonlyPubkey: the key a BIP340 signature of the group verifies under.
    XonlyPubKey xonly_pubkey() const;
    // GetPlainPubkey.
    PlainPubKey plain_pubkey() const { return q_; }

    const std::vector<PlainPubKey>& pubkeys() const { return pubkeys_; }
    // KeyAggCoeff(pk_1..u, pk) as 32 big-endian bytes; nullopt when pk is not one of the keys
    // (GetSessionKeyAggCoeff's failure).
    std::optional<ByteArray<32>> coefficient(const PlainPubKey& pk) const;
    // gacc is -1 mod n (rather than 1).
    bool gacc_negative() const { return gacc_negative_; }
    // tacc, the accumulated tweak, 32 big-endian bytes.
    const ByteArray<32>& tacc() const { return tacc_; }

  private:
    KeyAggContext() = default;
    std::vector<PlainPubKey> pubkeys_;
    crypto::Hash256 list_hash_{};  // HashKeys(pk_1..u) = hash_{KeyAgg list}(pk_1 || ... || pk_u)
    PlainPubKey second_key_{};     // GetSecondKey: 33 zero bytes when all keys are equal
    PlainPubKey q_{};              // cbytes(Q); Q is never infinity
    ByteArray<32> tacc_{};
    bool gacc_negative_ = false;
};

// KeyAgg followed by ApplyTweak for each tweak in order (as GetSessionValues does).
Result<KeyAggContext> key_agg(std::span<const PlainPubKey> pubkeys, std::span<const Tweak> tweaks);

}  // namespace sharemsg::musig
