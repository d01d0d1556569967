#include "crypto/symmetric.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cassert>
#include <memory>
#include <stdexcept>

#include "crypto/hash.hpp"

namespace sharemsg::crypto {

namespace {

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

CipherCtx new_cipher_ctx() {
    CipherCtx c(EVP_CIPHER_CTX_new());
    if (!c) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
    return c;
}

// OpenSSL takes int lengths; our inputs are share-sized, far below INT_MAX.
int int_len(std::size_t n) {
    if (n > 0x7fffffff) throw std::length_error("buffer too large for OpenSSL");
    return static_cast<int>(n);
}

const std::uint8_t kEmpty = 0;
const std::uint8_t* ptr(ByteView b) {
    return b.empty() ? &kEmpty : b.data();
}

}  // namespace

Bytes chacha20_xor(const ByteArray<32>& key, const ByteArray<12>& nonce, ByteView data,
                   std::uint32_t counter) {
    // OpenSSL's EVP_chacha20 IV is the 32-bit little-endian block counter then the nonce.
    ByteArray<16> iv{};
    for (int i = 0; i < 4; ++i)
        iv[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter >> (8 * i));
    for (std::size_t i = 0; i < 12; ++i)
        iv[4 + i] = nonce[i];
    Bytes out(data.size());
    if (data.empty()) return out;
    auto c = new_cipher_ctx();
    int len = 0;
    int fin = 0;
    if (EVP_EncryptInit_ex(c.get(), EVP_chacha20(), nullptr, key.data(), iv.data()) != 1 ||
        EVP_EncryptUpdate(c.get(), out.data(), &len, data.data(), int_len(data.size())) != 1 ||
        EVP_EncryptFinal_ex(c.get(), out.data() + len, &fin) != 1 ||
        static_cast<std::size_t>(len + fin) != data.size())
        throw std::runtime_error("ChaCha20 failed");
    return out;
}

Bytes hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t length) {
    assert(length >= 1 && length <= 255 * 32);
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (!kdf) throw std::runtime_error("HKDF not available");
    EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (!kctx) throw std::runtime_error("EVP_KDF_CTX_new failed");
    char digest[] = "SHA256";
    OSSL_PARAM params[5];
    std::size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ptr(ikm)), ikm.size());
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(ptr(salt)), salt.size());
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(ptr(info)), info.size());
    params[n] = OSSL_PARAM_construct_end();
    Bytes out(length);
    const int ok = EVP_KDF_derive(kctx, out.data(), out.size(), params);
    EVP_KDF_CTX_free(kctx);
    if (ok != 1) throw std::runtime_error("HKDF-SHA256 failed");
    return out;
}

Bytes aes256gcm_seal(const ByteArray<32>& key, const ByteArray<12>& nonce, ByteView aad,
                     ByteView plaintext) {
    auto c = new_cipher_ctx();
    Bytes out(plaintext.size() + GCM_TAG_SIZE);
    int len = 0;
    int fin = 0;
    if (EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE_SIZE, nullptr) != 1 ||
        EVP_EncryptInit_ex(c.get(), nullptr, nullptr, key.data(), nonce.data()) != 1)
        throw std::runtime_error("AES-256-GCM init failed");
    if (!aad.empty() &&
        EVP_EncryptUpdate(c.get(), nullptr, &len, aad.data(), int_len(aad.size())) != 1)
        throw std::runtime_error("AES-256-GCM aad failed");
    len = 0;
    if (!plaintext.empty() && EVP_EncryptUpdate(c.get(), out.data(), &len, plaintext.data(),
                                                int_len(plaintext.size())) != 1)
        throw std::runtime_error("AES-256-GCM encrypt failed");
    if (EVP_EncryptFinal_ex(c.get(), out.data() + len, &fin) != 1 ||
        static_cast<std::size_t>(len + fin) != plaintext.size() ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, GCM_TAG_SIZE,
                            out.data() + plaintext.size()) != 1)
        throw std::runtime_error("AES-256-GCM final failed");
    return out;
}

Result<Bytes> aes256gcm_open(const ByteArray<32>& key, const ByteArray<12>& nonce, ByteView aad,
                             ByteView sealed) {
    if (sealed.size() < GCM_TAG_SIZE)
        return make_error(Errc::truncated,
                          "AES-GCM ciphertext: need at least the 16-byte tag, have " +
                              std::to_string(sealed.size()) + " bytes");
    const std::size_t ct_len = sealed.size() - GCM_TAG_SIZE;
    ByteArray<GCM_TAG_SIZE> tag{};
    for (std::size_t i = 0; i < GCM_TAG_SIZE; ++i)
        tag[i] = sealed[ct_len + i];
    auto c = new_cipher_ctx();
    Bytes out(ct_len);
    int len = 0;
    int fin = 0;
    if (EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE_SIZE, nullptr) != 1 ||
        EVP_DecryptInit_ex(c.get(), nullptr, nullptr, key.data(), nonce.data()) != 1)
        throw std::runtime_error("AES-256-GCM init failed");
    if (!aad.empty() &&
        EVP_DecryptUpdate(c.get(), nullptr, &len, aad.data(), int_len(aad.size())) != 1)
        throw std::runtime_error("AES-256-GCM aad failed");
    len = 0;
    if (ct_len > 0 &&
        EVP_DecryptUpdate(c.get(), out.data(), &len, sealed.data(), int_len(ct_len)) != 1)
        throw std::runtime_error("AES-256-GCM decrypt failed");
    if (EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, GCM_TAG_SIZE, tag.data()) != 1)
        throw std::runtime_error("AES-256-GCM set tag failed");
    if (EVP_DecryptFinal_ex(c.get(), out.data() + len, &fin) != 1) {
        wipe(out.data(), out.size());
        return make_error(Errc::bad_signature,
                          "AES-GCM tag does not match (ciphertext, key, nonce or header changed)");
    }
    return out;
}

Bytes chacha20poly1305_seal(const ByteArray<32>& key, const ByteArray<12>& nonce, ByteView aad,
                            ByteView plaintext) {
    auto c = new_cipher_ctx();
    Bytes out(plaintext.size() + CHACHA20POLY1305_TAG_SIZE);
    int len = 0;
    int fin = 0;
    if (EVP_EncryptInit_ex(c.get(), EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_IVLEN, CHACHA20POLY1305_NONCE_SIZE,
                            nullptr) != 1 ||
        EVP_EncryptInit_ex(c.get(), nullptr, nullptr, key.data(), nonce.data()) != 1)
        throw std::runtime_error("ChaCha20-Poly1305 init failed");
    if (!aad.empty() &&
        EVP_EncryptUpdate(c.get(), nullptr, &len, aad.data(), int_len(aad.size())) != 1)
        throw std::runtime_error("ChaCha20-Poly1305 aad failed");
    len = 0;
    if (!plaintext.empty() && EVP_EncryptUpdate(c.get(), out.data(), &len, plaintext.data(),
                                                int_len(plaintext.size())) != 1)
        throw std::runtime_error("ChaCha20-Poly1305 encrypt failed");
    if (EVP_EncryptFinal_ex(c.get(), out.data() + len, &fin) != 1 ||
        static_cast<std::size_t>(len + fin) != plaintext.size() ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_GET_TAG, CHACHA20POLY1305_TAG_SIZE,
                            out.data() + plaintext.size()) != 1)
        throw std::runtime_error("ChaCha20-Poly1305 final failed");
    return out;
}

Result<Bytes> chacha20poly1305_open(const ByteArray<32>& key, const ByteArray<12>& nonce,
                                    ByteView aad, ByteView sealed) {
    if (sealed.size() < CHACHA20POLY1305_TAG_SIZE)
        return make_error(Errc::truncated,
                          "ChaCha20-Poly1305 ciphertext: need at least the 16-byte tag, have " +
                              std::to_string(sealed.size()) + " bytes");
    const std::size_t ct_len = sealed.size() - CHACHA20POLY1305_TAG_SIZE;
    ByteArray<CHACHA20POLY1305_TAG_SIZE> tag{};
    for (std::size_t i = 0; i < CHACHA20POLY1305_TAG_SIZE; ++i)
        tag[i] = sealed[ct_len + i];
    auto c = new_cipher_ctx();
    Bytes out(ct_len);
    int len = 0;
    int fin = 0;
    if (EVP_DecryptInit_ex(c.get(), EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_IVLEN, CHACHA20POLY1305_NONCE_SIZE,
                            nullptr) != 1 ||
        EVP_DecryptInit_ex(c.get(), nullptr, nullptr, key.data(), nonce.data()) != 1)
        throw std::runtime_error("ChaCha20-Poly1305 init failed");
    if (!aad.empty() &&
        EVP_DecryptUpdate(c.get(), nullptr, &len, aad.data(), int_len(aad.size())) != 1)
        throw std::runtime_error("ChaCha20-Poly1305 aad failed");
    len = 0;
    if (ct_len > 0 &&
        EVP_DecryptUpdate(c.get(), out.data(), &len, sealed.data(), int_len(ct_len)) != 1)
        throw std::runtime_error("ChaCha20-Poly1305 decrypt failed");
    if (EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_TAG, CHACHA20POLY1305_TAG_SIZE,
                            tag.data()) != 1)
        throw std::runtime_error("ChaCha20-Poly1305 set tag failed");
    if (EVP_DecryptFinal_ex(c.get(), out.data() + len, &fin) != 1) {
        wipe(out.data(), out.size());
        return make_error(
            Errc::bad_signature,
            "ChaCha20-Poly1305 tag does not match (ciphertext, key, nonce or aad changed)");
    }
    return out;
}

}  // namespace sharemsg::crypto
