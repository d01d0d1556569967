// V36 ref_type, merkle links and ref_hash (p2pool/data.py, p2pool/bitcoin/data.py).
//
// ref_type (what a share's coinbase commits to):
//   field          type                                 bytes
//   identifier     FixedStr(8): the network IDENTIFIER  8
//   share_info     share_info_type (chain/share_info.hpp)
//   message_data?  PossiblyNone(b'', VarStr)            CompactSize length + bytes; None = 0x00
//
// ref_hash = IntType(256).pack(check_merkle_link(hash256(ref_type.pack(...)), ref_merkle_link))
//
// Byte order: hash256 is sha256d, read by the reference as a little-endian
// int, and IntType(256).pack writes that int back little-endian. So every
// Hash256 here is the raw sha256d digest bytes, exactly as they appear in the
// coinbase's OP_RETURN; to_int_hex() of it gives the reference's '%064x'.
//
// message_data, None versus empty: on the wire both are the single byte 0x00
// and both decode to None. The reference refuses to *pack* b'' (ValueError
// 'none_value used'), and pack_ref_type mirrors that: a present but empty
// message_data is Errc::invalid_argument. Callers holding "no messages" as an
// empty buffer normalize it with message_data_or_none() first.
#pragma once

#include <optional>

#include "chain/share_info.hpp"
#include "crypto/hash.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::chain {

using Hash256 = crypto::Hash256;  // raw digest bytes == IntType(256) packing of the reference's int
using Identifier = ByteArray<8>;  // network IDENTIFIER, e.g. litecoin e037d5b8c6923410

struct RefType {
    Identifier identifier{};
    ShareInfo share_info;
    std::optional<Bytes> message_data;  // nullopt: None; never present-and-empty after decoding
    bool operator==(const RefType&) const = default;
};

// Empty message_data becomes nullopt; anything else is returned as is.
std::optional<Bytes> message_data_or_none(std::optional<Bytes> message_data);

// ref_type.pack. Errc::invalid_argument "none_value used" for a present empty
// message_data or for any share_info field the reference refuses (see pack_share_info).
[[nodiscard]] Result<Bytes> pack_ref_type(const Identifier& identifier, const ShareInfo& share_info,
                                          const std::optional<Bytes>& message_data);
[[nodiscard]] Result<Bytes> pack_ref_type(const RefType& ref);

// ref_type.unpack of exactly these bytes (trailing bytes: Errc::trailing_bytes).
[[nodiscard]] Result<RefType> unpack_ref_type(ByteView data);

// bitcoin_data.check_merkle_link: folds the branch into tip, step i hashing
// sha256d(h || c) when bit i of index is set and sha256d(c || h) otherwise (each
// 32 bytes as packed). An empty branch returns tip. Errc::invalid_argument
// "index too large" when index >= 2^len(branch), as the reference raises.
[[nodiscard]] Result<Hash256> check_merkle_link(const Hash256& tip, const MerkleLink& link);

// MergedMiningShare.get_ref_hash: the 32 bytes IntType(256).pack returns (see
// byte order above). Fails where pack_ref_type or check_merkle_link fails.
[[nodiscard]] Result<Hash256> ref_hash(const Identifier& identifier, const ShareInfo& share_info,
                                       const MerkleLink& ref_merkle_link,
                                       const std::optional<Bytes>& message_data);

}  // namespace sharemsg::chain
