// Derived signing keys and the 57-byte signing-key announcement.
//
//   signing_privkey = HMAC-SHA256(master_privkey, "p2pool-msg-v1" || le32(key_index))
//   signing_pubkey  = compressed secp256k1 point of signing_privkey
//   signing_id      = HASH160(signing_pubkey)
//
// Announcement layout (57 bytes):
//   offset 0  signing_id   20
//   offset 20 key_index    4  little-endian u32
//   offset 24 pubkey       33 compressed
#pragma once

#include <cstdint>

#include "crypto/secp256k1.hpp"
#include "util/bytes.hpp"

namespace sharemsg::proto {

using SigningId = ByteArray<20>;

struct Announcement {
    SigningId signing_id{};
    std::uint32_t key_index = 0;
    crypto::CompressedPubKey pubkey{};  // as carried; not checked to be a curve point

    Bytes pack() const;
    bool operator==(const Announcement&) const = default;
};

// Reads an announcement at `offset`. Fails with Errc::truncated when fewer than 57 bytes
// remain and with Errc::bad_key when signing_id != HASH160(pubkey). The pubkey is not
// required to be a valid point (the deployed reference does not check it either); using
// it to verify a signature simply fails.
Result<Announcement> unpack_announcement(ByteView data, std::size_t offset = 0);

class DerivedSigningKey {
  public:
    // master may be any 32 bytes (it is only an HMAC key here). Fails for other lengths and
    // in the (negligible) case that the HMAC output is not a valid secret key.
    static Result<DerivedSigningKey> derive(ByteView master, std::uint32_t key_index);
    // Wraps an already-derived signing key (the node receives only this, never the master).
    static Result<DerivedSigningKey> from_signing_key(ByteView signing_privkey,
                                                      std::uint32_t key_index);

    std::uint32_t key_index() const { return key_index_; }
    const crypto::PrivKey& privkey() const { return priv_; }
    const crypto::CompressedPubKey& pubkey() const { return pub_; }
    const SigningId& signing_id() const { return id_; }
    Announcement announcement() const { return {id_, key_index_, pub_}; }

    // DER ECDSA (RFC6979, low-S) over a 32-byte digest.
    Bytes sign(const crypto::Hash256& digest) const {
        return crypto::ecdsa_sign_der(priv_, digest);
    }

  private:
    DerivedSigningKey(crypto::PrivKey priv, std::uint32_t index);
    crypto::PrivKey priv_;
    std::uint32_t key_index_;
    crypto::CompressedPubKey pub_;
    SigningId id_;
};

// The HMAC message "p2pool-msg-v1" || le32(index).
Bytes signing_key_hmac_message(std::uint32_t key_index);

}  // namespace sharemsg::proto
