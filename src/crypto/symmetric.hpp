// Symmetric primitives of OpenSSL libcrypto: the ChaCha20 stream cipher, HKDF-SHA256
// (RFC 5869, EVP_KDF "HKDF"), AES-256-GCM and ChaCha20-Poly1305 (RFC 8439 AEAD). Thin wrappers: no
// cryptography of our own.
#pragma once

#include <cstdint>

#include "util/bytes.hpp"

namespace sharemsg::crypto {

// data XOR ChaCha20(key, nonce) keystream (RFC 8439 block function, 96-bit nonce, 32-bit
// block counter starting at `counter`). Encryption and decryption are the same operation.
// Unauthenticated: whoever changes ciphertext bits flips the same plaintext bits.
Bytes chacha20_xor(const ByteArray<32>& key, const ByteArray<12>& nonce, ByteView data,
                   std::uint32_t counter = 0);

// HKDF-SHA256 extract-and-expand: `length` bytes (1..8160) from input keying material, salt
// and info. Asserts on a length out of range (a bug of the caller).
Bytes hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t length);

inline constexpr std::size_t GCM_NONCE_SIZE = 12;
inline constexpr std::size_t GCM_TAG_SIZE = 16;

// AES-256-GCM: returns ciphertext || 16-byte tag. The nonce must never repeat under one key.
Bytes aes256gcm_seal(const ByteArray<32>& key, const ByteArray<12>& nonce, ByteView aad,
                     ByteView plaintext);

// Checks the tag (in constant time, inside OpenSSL) and decrypts ciphertext || tag. Fails
// with Errc::truncated when shorter than the tag and Errc::bad_signature when the tag does
// not match (a changed byte, another key, nonce or aad); no plaintext is released then.
Result<Bytes> aes256gcm_open(const ByteArray<32>& key, const ByteArray<12>& nonce, ByteView aad,
                             ByteView sealed);

inline constexpr std::size_t CHACHA20POLY1305_NONCE_SIZE = 12;
inline constexpr std::size_t CHACHA20POLY1305_TAG_SIZE = 16;

// ChaCha20-Poly1305 (RFC 8439 §2.8, OpenSSL EVP_chacha20_poly1305): returns ciphertext ||
// 16-byte tag. The 96-bit nonce must never repeat under one key.
Bytes chacha20poly1305_seal(const ByteArray<32>& key, const ByteArray<12>& nonce, ByteView aad,
                            ByteView plaintext);

// Checks the tag (in constant time, inside OpenSSL) and decrypts ciphertext || tag. Fails
// with Errc::truncated when shorter than the tag and Errc::bad_signature when the tag does
// not match (a changed byte, another key, nonce or aad); no plaintext is released then.
Result<Bytes> chacha20poly1305_open(const ByteArray<32>& key, const ByteArray<12>& nonce,
                                    ByteView aad, ByteView sealed);

}  // namespace sharemsg::crypto
