#include "crypto/x25519.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "crypto/hash.hpp"

namespace sharemsg::crypto {

namespace {

EVP_PKEY* pkey(void* p) {
    return static_cast<EVP_PKEY*>(p);
}

struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

}  // namespace

void X25519Key::PkeyFree::operator()(void* p) const {
    EVP_PKEY_free(pkey(p));
}

X25519Key::~X25519Key() = default;

X25519Key X25519Key::generate() {
    PkeyCtx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1)
        throw std::runtime_error("X25519 keygen init failed");
    EVP_PKEY* k = nullptr;
    if (EVP_PKEY_keygen(ctx.get(), &k) != 1 || k == nullptr)
        throw std::runtime_error("X25519 keygen failed");
    return X25519Key(k);
}

Result<X25519Key> X25519Key::from_private(const ByteArray<32>& priv) {
    EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size());
    if (k == nullptr) return make_error(Errc::bad_key, "X25519 private key refused by OpenSSL");
    return X25519Key(k);
}

X25519Public X25519Key::public_key() const {
    X25519Public out{};
    std::size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(pkey(pkey_.get()), out.data(), &len) != 1 || len != out.size())
        throw std::runtime_error("X25519 public key export failed");
    return out;
}

Result<X25519Secret> X25519Key::shared_secret(const X25519Public& peer_public) const {
    std::unique_ptr<EVP_PKEY, KeyFree> peer(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
    if (!peer) return make_error(Errc::bad_key, "X25519 peer public key refused by OpenSSL");
    PkeyCtx ctx(EVP_PKEY_CTX_new(pkey(pkey_.get()), nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1)
        throw std::runtime_error("X25519 derive init failed");
    if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1)
        return make_error(Errc::bad_key, "X25519 peer public key refused by OpenSSL");
    X25519Secret out{};
    std::size_t len = out.size();
    // OpenSSL itself fails the derivation when the result is all zero; the check below
    // says so in our terms whichever way it goes.
    const int ok = EVP_PKEY_derive(ctx.get(), out.data(), &len);
    std::uint8_t acc = 0;
    for (auto b : out)
        acc = static_cast<std::uint8_t>(acc | b);
    if (ok != 1 || len != out.size() || acc == 0) {
        wipe(out.data(), out.size());
        return make_error(Errc::bad_key,
                          "X25519 shared secret is all zero (peer key of small order)");
    }
    return out;
}

}  // namespace sharemsg::crypto
