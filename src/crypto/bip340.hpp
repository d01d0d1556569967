// BIP340 Schnorr signatures and tagged hashes, through libsecp256k1's schnorrsig and
// extrakeys modules (no arithmetic of our own).
//
// tagged_hash(tag, m) = SHA256(SHA256(tag) || SHA256(tag) || m)   (BIP340, "Design")
//
// Keys are handled as our usual 33-byte compressed points; a BIP340 verification uses the
// x-only key of that point (the parity byte is dropped, as BIP340 prescribes). Callers that
// need the parity bound (the open profile's delegations do) include the full 33 bytes in the
// signed message.
#pragma once

#include <optional>
#include <string_view>

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "util/bytes.hpp"

namespace sharemsg::crypto {

using SchnorrSig = ByteArray<64>;

Hash256 tagged_hash(std::string_view tag, ByteView msg);

// BIP340 signature of a 32-byte message. aux_rand is BIP340's auxiliary randomness; without
// it the signature is deterministic (BIP340 treats absent as 32 zero bytes). Verifies its own
// result before returning it (BIP340 "Default Signing" recommends this) and aborts on failure.
SchnorrSig schnorr_sign(const PrivKey& key, const Hash256& msg,
                        const std::optional<ByteArray<32>>& aux_rand = std::nullopt);

// Verifies against the x-only key of a 33-byte compressed (or 65-byte) public key. Anything
// unparseable is false.
bool schnorr_verify(ByteView pubkey, const Hash256& msg, const SchnorrSig& sig);

}  // namespace sharemsg::crypto
