// BIP327 signing: the session values, Sign, DeterministicSign, PartialSigVerify and
// PartialSigAgg, and an aggregation that names the signer of a bad partial signature.
//
// A Session is BIP327's Session Context with GetSessionValues computed once: the keys and
// tweaks (as a KeyAggContext), the aggregate nonce, the message, and b, R and e. Everything
// in it is public; the secrets (secret key and secret nonce) are only ever passed to `sign`.
#pragma once

#include <optional>
#include <span>

#include "crypto/secp256k1.hpp"
#include "musig/keyagg.hpp"
#include "musig/nonce.hpp"
#include "musig/types.hpp"

namespace sharemsg::musig {

class Session {
  public:
    // GetSessionValues for (aggnonce, pk_1..u, tweaks, m). Errors: those of key_agg;
    // invalid_contribution (aggnonce, no signer) when a half of aggnonce is neither a
    // compressed point nor 33 zero bytes.
    static Result<Session> create(const AggNonce& aggnonce, std::span<const PlainPubKey> pubkeys,
                                  std::span<const Tweak> tweaks, ByteView msg);
    // The same from keys already aggregated and tweaked.
    static Result<Session> create(const AggNonce& aggnonce, KeyAggContext keys, ByteView msg);

    // Sign. Consumes the secret nonce: it is empty when this returns, whatever the outcome.
    // Errors: secnonce_invalid (k1 or k2 zero or not below n: an empty nonce, one already
    // used), secnonce_key_mismatch (the nonce was made for another key than sk's),
    // signer_not_in_keys. The partial signature is verified before it is returned.
    Result<PartialSig> sign(SecNonce&& secnonce, const crypto::PrivKey& sk) const;

    // PartialSigVerifyInternal: whether psig is the partial signature of the signer with
    // this pubnonce and public key. Anything malformed is false.
    bool verify(const PartialSig& psig, const PubNonce& pubnonce, const PlainPubKey& pk) const;

    // PartialSigAgg: the BIP340 signature. Errors: no_signers, too_large, invalid_contribution
    // (psig, signer i) for the first partial signature not below n. It does not verify the
    // partial signatures: verify_and_aggregate does.
    Result<Signature> aggregate(std::span<const PartialSig> psigs) const;

    const KeyAggContext& keys() const { return keys_; }
    XonlyPubKey aggregate_pubkey() const { return keys_.xonly_pubkey(); }
    const AggNonce& aggnonce() const { return aggnonce_; }
    const Bytes& message() const { return msg_; }

  private:
    explicit Session(KeyAggContext keys) : keys_(std::move(keys)) {}
    KeyAggContext keys_;
    AggNonce aggnonce_{};
    Bytes msg_;
    ByteArray<32> b_{};   // the nonce coefficient
    ByteArray<32> e_{};   // the BIP340 challenge
    XonlyPubKey r_x_{};   // xbytes(R), the final nonce
    bool r_even_ = true;  // has_even_y(R)
    bool q_even_ = true;  // has_even_y(Q), Q the (tweaked) aggregate key
};

// PartialSigVerify: true when psig is signer i's partial signature (i from 0). Errors (the
// contributions BIP327 blames): count_mismatch, signer_index_out_of_range, those of
// nonce_agg (pubnonce of signer j) and of Session::create (pubkey of signer j, tweaks).
Result<bool> partial_sig_verify(const PartialSig& psig, std::span<const PubNonce> pubnonces,
                                std::span<const PlainPubKey> pubkeys, std::span<const Tweak> tweaks,
                                ByteView msg, std::size_t i);

// Identifiable abort: checks that the session's aggregate nonce is NonceAgg of the pubnonces
// (one per key, in the keys' order), verifies every partial signature, and only then
// aggregates. Errors: count_mismatch; those of nonce_agg; aggnonce_mismatch (contribution
// aggnonce); invalid_contribution (psig, signer i) for the first signer whose partial
// signature does not verify.
Result<Signature> verify_and_aggregate(const Session& session, std::span<const PubNonce> pubnonces,
                                       std::span<const PartialSig> psigs);

struct DeterministicSignature {
    PubNonce pubnonce;
    PartialSig psig;
};

// DeterministicSign, for the one signer who sends its nonce last (aggothernonce is NonceAgg
// of everyone else's). rand is optional auxiliary randomness. Errors: those of key_agg;
// invalid_contribution (aggothernonce, no signer) when aggothernonce is not two valid
// points; nonce_zero; signer_not_in_keys.
Result<DeterministicSignature> deterministic_sign(const crypto::PrivKey& sk,
                                                  const AggNonce& aggothernonce,
                                                  std::span<const PlainPubKey> pubkeys,
                                                  std::span<const Tweak> tweaks, ByteView msg,
                                                  const std::optional<ByteArray<32>>& rand);

}  // namespace sharemsg::musig
