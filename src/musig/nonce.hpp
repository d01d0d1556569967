// BIP327 nonces: the secret nonce, NonceGen and NonceAgg.
//
// Nonce reuse gives away the secret key (two partial signatures with one secret nonce
// reveal it), so the secret nonce is a type that can only be used once:
// - SecNonce is move-only; a move leaves the source empty (all zero bytes);
// - it is wiped with OPENSSL_cleanse when destroyed;
// - `Session::sign` takes it by rvalue reference and empties it before anything else, also
//   when signing then fails; an empty secret nonce is refused by `sign`
//   (ErrorCode::secnonce_invalid, as BIP327 refuses an all-zero secnonce);
// - it has no serialization: nothing can write it to a file or a socket. `from_bip327_bytes`
//   exists for BIP327's known-answer vectors, which give secret nonces as bytes.
#pragma once

#include <optional>

#include "crypto/secp256k1.hpp"
#include "musig/types.hpp"

namespace sharemsg::musig {

namespace detail {
struct SecNonceAccess;
}

class SecNonce {
  public:
    SecNonce(SecNonce&& other) noexcept;
    SecNonce& operator=(SecNonce&& other) noexcept;
    SecNonce(const SecNonce&) = delete;
    SecNonce& operator=(const SecNonce&) = delete;
    ~SecNonce();

    // BIP327's 97-byte form k1 || k2 || pk, for known-answer tests only. Importing the same
    // bytes twice defeats the protection above; real secret nonces come from nonce_gen.
    // Only the length is checked here (BIP327's Sign checks the values).
    static Result<SecNonce> from_bip327_bytes(ByteView b97);

    // Whether this nonce was consumed by sign or moved from.
    bool empty() const;
    // Whether it equals the 97-byte BIP327 form (constant time); for known-answer tests.
    bool matches(ByteView b97) const;

  private:
    friend struct detail::SecNonceAccess;
    SecNonce() = default;
    ByteArray<97> b_{};
};

struct NonceGenArgs {
    const crypto::PrivKey* sk = nullptr;  // optional: the signer's secret key
    PlainPubKey pk{};                     // the signer's public key (mandatory)
    std::optional<XonlyPubKey> aggpk;     // optional: the aggregate key to sign for
    std::optional<Bytes> msg;             // optional: the message (present and empty differ)
    std::optional<Bytes> extra_in;        // optional: anything else unique to the session
};

struct Nonces {
    SecNonce secnonce;
    PubNonce pubnonce;
};

// NonceGen with rand' drawn from OpenSSL's RAND_bytes. Errors: too_large (extra_in),
// nonce_zero (probability about 2^-128).
Result<Nonces> nonce_gen(const NonceGenArgs& args);
// NonceGen with the caller's rand' (32 bytes that must be fresh and uniformly random: a
// repeated rand' with repeated arguments repeats the nonce). For known-answer tests and for
// callers with their own random source.
Result<Nonces> nonce_gen_with_rand(const ByteArray<32>& rand_prime, const NonceGenArgs& args);

// NonceAgg. Errors: no_signers, too_large, invalid_contribution (pubnonce, signer i) for the
// first nonce with a half that is not a valid compressed point.
Result<AggNonce> nonce_agg(std::span<const PubNonce> pubnonces);

}  // namespace sharemsg::musig
