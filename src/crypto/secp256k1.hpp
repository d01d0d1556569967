// secp256k1 keys and ECDSA, through libsecp256k1 only.
//
// Thread safety: the shared context is created once, randomized, and used
// read-only afterwards; every function here may be called from any thread.
#pragma once

#include "crypto/hash.hpp"
#include "util/bytes.hpp"

namespace sharemsg::crypto {

using CompressedPubKey = ByteArray<33>;

// A 32-byte secp256k1 secret key in [1, n-1]. Wiped on destruction.
class PrivKey {
  public:
    // Fails with Errc::bad_key when the bytes are not a valid secret key.
    static Result<PrivKey> from_bytes(ByteView b);
    PrivKey(const PrivKey&) = default;
    PrivKey& operator=(const PrivKey&) = default;
    ~PrivKey() { wipe(key_.data(), key_.size()); }

    const ByteArray<32>& bytes() const { return key_; }
    CompressedPubKey pubkey() const;
    Bytes pubkey_uncompressed() const;

  private:
    PrivKey() = default;
    ByteArray<32> key_{};
};

// A public key parsed once into libsecp256k1's in-memory form (64 bytes, meaningful to this
// process's libsecp256k1 only), for keys that verify many signatures: parsing a compressed
// key decompresses the point (a square root, about 4.5 us, an eighth of a verification).
class ParsedPubKey {
  public:
    // Fails with Errc::bad_key when the bytes are not a 33- or 65-byte point encoding.
    static Result<ParsedPubKey> parse(ByteView b);
    const ByteArray<64>& raw() const { return point_; }

  private:
    ParsedPubKey() = default;
    ByteArray<64> point_{};
};

// Parses and re-serializes a public key (33-byte compressed or 65-byte uncompressed).
Result<CompressedPubKey> parse_pubkey(ByteView b);

// ECDSA over a 32-byte digest, RFC6979 nonce, low-S, DER-encoded (as libsecp256k1 produces).
Bytes ecdsa_sign_der(const PrivKey& key, const Hash256& digest);

// Strict verification: strict DER, low-S only. Anything unparseable is false.
bool ecdsa_verify_der(ByteView pubkey, const Hash256& digest, ByteView der_sig);

// Verification after normalizing S to the lower half. Only for the deployed v1 authority
// envelope, whose real mainnet transition signature is high-S (see PRODUCT.md): nodes of the
// deployed network accept it, so we must too. Still requires strict DER.
bool ecdsa_verify_der_normalized(ByteView pubkey, const Hash256& digest, ByteView der_sig);

// The same under a key parsed beforehand.
bool ecdsa_verify_der_normalized(const ParsedPubKey& pubkey, const Hash256& digest,
                                 ByteView der_sig);

// True when the DER signature parses and its S value is in the upper half.
bool ecdsa_der_is_high_s(ByteView der_sig);

// r || s (32 bytes each, big-endian) of a strict-DER signature; Errc::bad_encoding otherwise.
Result<ByteArray<64>> ecdsa_der_to_compact(ByteView der_sig);

// The low-S DER twin of a strict-DER signature (unchanged when S is already low).
Result<Bytes> ecdsa_der_normalize(ByteView der_sig);

}  // namespace sharemsg::crypto
