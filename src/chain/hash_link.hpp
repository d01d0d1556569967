// Hash links (data.py:85-131): proving a gentx's txid from a SHA-256 midstate.
//
// A share does not carry its coinbase transaction (gentx). It carries the SHA-256 state
// after the gentx's leading full 64-byte blocks (HashLink, chain/share.hpp) and lets the
// receiver finish the hash with bytes it can compute itself:
//
//   gentx  = prefix || ref_hash(32) || le64(last_txout_nonce) || le32(lock_time = 0)
//   prefix = ... || const_ending          (const_ending = gentx_before_refhash, 35 bytes in V36)
//
//   producer  prefix_to_hash_link(prefix, const_ending)
//               state      = SHA-256 h0..h7 (big-endian words) after prefix's full blocks
//               extra_data = the remaining tail of prefix (length % 64 bytes) minus the part
//                            const_ending supplies: tail[: max(0, len(tail) - len(const_ending))]
//               length     = len(prefix)
//   receiver  check_hash_link(link, data, const_ending), data = the 44 bytes above
//               extra_length = length % 64
//               require len(extra_data) == max(0, extra_length - len(const_ending))
//               extra = last extra_length bytes of (extra_data || const_ending)
//               gentx_hash = SHA-256( SHA-256 continued from (state, extra, length) over data )
//
// gentx_hash is the txid as bitcoin_data.hash256 returns it: the raw double-SHA-256 digest
// (chain/uint.hpp byte order). The midstate arithmetic is OpenSSL's SHA-256, resumed from a
// SHA256_CTX we fill in (see hash_link.cpp); nothing here implements SHA-256.
#pragma once

#include "chain/share.hpp"
#include "crypto/hash.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::chain {

// check_hash_link. Errors (Errc::invalid_argument, reason starting "hash_link: "):
//   - "extra_data length mismatch (got G, expected E)", as the reference raises;
//   - "length L too large": the total message length (length + data) in bits must fit
//     64 bits, where the reference's final struct.pack('>Q') raises.
[[nodiscard]] Result<crypto::Hash256> check_hash_link(const HashLink& link, ByteView data,
                                                      ByteView const_ending);

// prefix_to_hash_link. Errc::invalid_argument "prefix does not end with const_ending".
[[nodiscard]] Result<HashLink> prefix_to_hash_link(ByteView prefix, ByteView const_ending);

// The 44 bytes a V36 hash link is finished with: ref_hash || le64(last_txout_nonce) || le32(0).
ByteArray<44> hash_link_data(const crypto::Hash256& ref_hash, std::uint64_t last_txout_nonce);

}  // namespace sharemsg::chain
