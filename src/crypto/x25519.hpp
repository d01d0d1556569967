// X25519 key agreement (RFC 7748) through OpenSSL libcrypto's EVP_PKEY_X25519: key
// generation, public key export and the shared secret. Thin wrappers: no arithmetic of our own.
#pragma once

#include <memory>

#include "util/bytes.hpp"

namespace sharemsg::crypto {

inline constexpr std::size_t X25519_KEY_SIZE = 32;
using X25519Public = ByteArray<X25519_KEY_SIZE>;
using X25519Secret = ByteArray<X25519_KEY_SIZE>;

// An X25519 private key (an OpenSSL EVP_PKEY, freed and cleansed by OpenSSL on destruction).
// Move-only.
class X25519Key {
  public:
    // A fresh key: OpenSSL draws the 32 private bytes from its CSPRNG (RAND_priv_bytes).
    static X25519Key generate();
    // A key from its 32 private bytes (RFC 7748 clamps them when used). For test vectors and
    // stored keys; Errc::bad_key if OpenSSL refuses them.
    static Result<X25519Key> from_private(const ByteArray<32>& priv);

    X25519Key(X25519Key&&) noexcept = default;
    X25519Key& operator=(X25519Key&&) noexcept = default;
    ~X25519Key();

    // The 32-byte public key (u-coordinate, little-endian, as RFC 7748 encodes it).
    X25519Public public_key() const;

    // X25519(our private key, peer_public). Fails with Errc::bad_key when the result is all
    // zero (the peer sent a point of small order, RFC 7748 §6.1: such a secret contributes no
    // key material) or OpenSSL refuses the peer's key. The caller wipes the secret when done.
    Result<X25519Secret> shared_secret(const X25519Public& peer_public) const;

  private:
    struct PkeyFree {
        void operator()(void* p) const;
    };
    explicit X25519Key(void* pkey) : pkey_(pkey) {}
    std::unique_ptr<void, PkeyFree> pkey_;  // EVP_PKEY
};

}  // namespace sharemsg::crypto
