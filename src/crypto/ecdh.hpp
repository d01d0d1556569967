// Elliptic-curve Diffie-Hellman on secp256k1, through libsecp256k1's ecdh module.
#pragma once

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "util/bytes.hpp"

namespace sharemsg::crypto {

// libsecp256k1's default ECDH: SHA256(0x02|0x03 (parity of y) || x) of the point
// their_pubkey * my_key, computed in constant time. Symmetric: ecdh(a, B) == ecdh(b, A).
// Fails with Errc::bad_key when their_pubkey is not a valid point (33 or 65 bytes).
// The caller should wipe the result when done with it.
Result<Hash256> ecdh_sha256(const PrivKey& my_key, ByteView their_pubkey);

}  // namespace sharemsg::crypto
