#include "crypto/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <stdexcept>

namespace sharemsg::crypto {

namespace {
template <std::size_t N>
ByteArray<N> digest(const EVP_MD* md, ByteView data) {
    ByteArray<N> out{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != N)
        throw std::runtime_error("EVP_Digest failed");
    return out;
}
}  // namespace

Hash256 sha256(ByteView data) {
    return digest<32>(EVP_sha256(), data);
}

Hash256 sha256d(ByteView data) {
    Hash256 once = sha256(data);
    return sha256(once);
}

Hash160 ripemd160(ByteView data) {
    return digest<20>(EVP_ripemd160(), data);
}

Hash160 hash160(ByteView data) {
    Hash256 s = sha256(data);
    return ripemd160(s);
}

Hash256 hmac_sha256(ByteView key, ByteView data) {
    Hash256 out{};
    unsigned int len = 0;
    static const std::uint8_t empty = 0;
    if (!HMAC(EVP_sha256(), key.empty() ? &empty : key.data(), static_cast<int>(key.size()),
              data.empty() ? &empty : data.data(), data.size(), out.data(), &len) ||
        len != 32)
        throw std::runtime_error("HMAC-SHA256 failed");
    return out;
}

bool equal_ct(ByteView a, ByteView b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
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
