#include "crypto/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <stdexcept>

namespace sharemsg::crypto {

namespace {

// Digests fetched once. OpenSSL 3 looks an algorithm up by name on every call made with
// EVP_sha256() (a read lock and a hash-table lookup: about 350 ns of the 480 a 36-byte
// SHA-256 costs); an algorithm fetched explicitly skips that.
class FetchedDigests {
  public:
    FetchedDigests()
        : sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)),
          ripemd160_(EVP_MD_fetch(nullptr, "RIPEMD160", nullptr)) {
        if (!sha256_) throw std::runtime_error("EVP_MD_fetch(SHA256) failed");
    }
    ~FetchedDigests() {
        EVP_MD_free(sha256_);
        EVP_MD_free(ripemd160_);
    }
    FetchedDigests(const FetchedDigests&) = delete;
    FetchedDigests& operator=(const FetchedDigests&) = delete;
    const EVP_MD* sha256() const { return sha256_; }
    // OpenSSL before 3.0.7 keeps RIPEMD-160 in the legacy provider only; the built-in
    // method still works there.
    const EVP_MD* ripemd160() const { return ripemd160_ ? ripemd160_ : EVP_ripemd160(); }

  private:
    EVP_MD* sha256_;
    EVP_MD* ripemd160_;
};

// Never freed: a thread that ends after the process's static objects are destroyed still
// frees its digest context, which refers to these.
const FetchedDigests& digests() {
    static const FetchedDigests* d = new FetchedDigests;
    return *d;
}

// One digest context per thread, re-initialized for every one-shot digest (spares the
// allocation EVP_Digest makes per call).
class ThreadDigestCtx {
  public:
    ThreadDigestCtx() : ctx_(EVP_MD_CTX_new()) {
        if (!ctx_) throw std::runtime_error("EVP_MD_CTX_new failed");
    }
    ~ThreadDigestCtx() { EVP_MD_CTX_free(ctx_); }
    ThreadDigestCtx(const ThreadDigestCtx&) = delete;
    ThreadDigestCtx& operator=(const ThreadDigestCtx&) = delete;
    EVP_MD_CTX* get() const { return ctx_; }

  private:
    EVP_MD_CTX* ctx_;
};

template <std::size_t N>
ByteArray<N> digest(const EVP_MD* md, ByteView data) {
    thread_local const ThreadDigestCtx tctx;
    ByteArray<N> out{};
    unsigned int len = 0;
    EVP_MD_CTX* ctx = tctx.get();
    if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != N)
        throw std::runtime_error("digest failed");
    return out;
}

// One HMAC-SHA256 context per thread, keyed anew by every call (HMAC() fetches the MAC and
// the digest and allocates its context on every call: about 1.1 us for a 16-byte message,
// 0.4 us this way).
class ThreadHmacCtx {
  public:
    ThreadHmacCtx() {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        if (!mac) throw std::runtime_error("EVP_MAC_fetch(HMAC) failed");
        ctx_ = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac);  // the context holds its own reference
        char digest_name[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
            OSSL_PARAM_construct_end()};
        if (!ctx_ || EVP_MAC_CTX_set_params(ctx_, params) != 1) {
            EVP_MAC_CTX_free(ctx_);
            throw std::runtime_error("HMAC-SHA256 context failed");
        }
    }
    ~ThreadHmacCtx() { EVP_MAC_CTX_free(ctx_); }
    ThreadHmacCtx(const ThreadHmacCtx&) = delete;
    ThreadHmacCtx& operator=(const ThreadHmacCtx&) = delete;
    EVP_MAC_CTX* get() const { return ctx_; }

  private:
    EVP_MAC_CTX* ctx_ = nullptr;
};

}  // namespace

Hash256 sha256(ByteView data) {
    return digest<32>(digests().sha256(), data);
}

Hash256 sha256d(ByteView data) {
    Hash256 once = sha256(data);
    return sha256(once);
}

Hash160 ripemd160(ByteView data) {
    return digest<20>(digests().ripemd160(), data);
}

Hash160 hash160(ByteView data) {
    Hash256 s = sha256(data);
    return ripemd160(s);
}

Hash256 hmac_sha256(ByteView key, ByteView data) {
    thread_local const ThreadHmacCtx tctx;
    Hash256 out{};
    std::size_t len = 0;
    // A null key would keep the previous call's key: an empty key is passed as a pointer
    // to nothing.
    static const std::uint8_t empty = 0;
    EVP_MAC_CTX* ctx = tctx.get();
    const bool done =
        EVP_MAC_init(ctx, key.empty() ? &empty : key.data(), key.size(), nullptr) == 1 &&
        EVP_MAC_update(ctx, data.empty() ? &empty : data.data(), data.size()) == 1 &&
        EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == 32;
    // Re-keyed with the empty key, so that no caller's key (a master key when deriving a
    // signing key) stays in the thread's context.
    const bool wiped = EVP_MAC_init(ctx, &empty, 0, nullptr) == 1;
    if (!done || !wiped) throw std::runtime_error("HMAC-SHA256 failed");
    return out;
}

bool equal_ct(ByteView a, ByteView b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ ||
        EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), digests().sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 init failed");
}
Sha256::~Sha256() {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}
Sha256& Sha256::update(ByteView data) {
    if (!data.empty()) EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
    return *this;
}
Hash256 Sha256::finish() {
    Hash256 out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
    return out;
}

void wipe(void* p, std::size_t n) {
    OPENSSL_cleanse(p, n);
}

Bytes random_bytes(std::size_t n) {
    Bytes out(n);
    if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();
    return out;
}

}  // namespace sharemsg::crypto
