// V36 share_type (MergedMiningShare.get_dynamic_types()['share_type'], p2pool/data.py)
// and the versioned wrapper shares travel in on the P2P wire (data.py share_type).
//
// Source of truth: frstrtr/p2pool-merged-v36 at 44a10f30. All integers little-endian;
// "var" = CompactSize (chain/pack.hpp); "?" = PossiblyNoneType, None packs as shown.
//
// share (V36 share_type, data.py:2323-2333)
//   field              type                                        bytes
//   min_header         small_block_header_type, below              var
//   share_info         share_info_type (chain/share_info.hpp)      var
//   ref_merkle_link    branch ListType(IntType(256)), index        var + 32 per hash
//                      IntType(0) (not on the wire)
//   last_txout_nonce   IntType(64)                                 8
//   hash_link          v36_hash_link_type, below                   var
//   merkle_link        branch ListType(IntType(256)), index        var + 32 per hash
//                      IntType(0) (not on the wire)
//   message_data?      VarStr; None = b'' (the single byte 0x00)   var
//
// min_header (BaseShare.small_block_header_type, data.py:720-726)
//   version            VarInt  (the 80-byte header packs it as IntType(32))   1..9
//   previous_block?    IntType(256); None = 0                                   32
//   timestamp          IntType(32)                                              4
//   bits               FloatingInteger: IntType(32) bits                        4
//   nonce              IntType(32)                                              4
//
// hash_link (v36_hash_link_type, data.py:79-83 -- NOT the pre-V36 hash_link_type of
// data.py:70-74, whose extra_data is FixedStr(0): V36's constant ending is only 35 bytes,
// so up to 28 bytes of the gentx prefix may remain in SHA-256's buffer)
//   state              FixedStr(32): SHA-256 midstate h0..h7, big-endian words  32
//   extra_data         VarStr                                                   var
//   length             VarInt: bytes of the gentx prefix hashed                 1..9
//
// wrapper (data.py:136-139, what `shares` and `sharereply` carry)
//   type               VarInt: the share version, 36 for V36
//   contents           VarStr: the share_type bytes above
//
// Decoding is strict (chain/pack.hpp): truncated fields, list counts that cannot fit, lists
// longer than the network's limits (32 hashes per merkle branch, 16 merged chains:
// share_info_layout.hpp), non-canonical CompactSize and trailing bytes are errors naming
// the field, e.g.
// "share.hash_link.extra_data: length 70 runs past the end (3 bytes left)". Decoding checks
// format only; whether the share holds (coinbase size, hash link, PoW) is chain/pow.hpp.
#pragma once

#include <cstdint>
#include <optional>

#include "chain/share_info.hpp"
#include "chain/uint.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::chain {

// MergedMiningShare.VERSION (data.py:2213): the wrapper's `type` for V36 shares.
inline constexpr std::uint64_t V36_SHARE_VERSION = 36;

struct SmallBlockHeader {
    std::uint64_t version = 0;              // VarInt; must fit 32 bits to form a header
    std::optional<Uint256> previous_block;  // PossiblyNone(0, IntType(256))
    std::uint32_t timestamp = 0;
    std::uint32_t bits = 0;  // FloatingInteger bits (the block's, not the share's)
    std::uint32_t nonce = 0;
    bool operator==(const SmallBlockHeader&) const = default;
};

// A SHA-256 computation of the gentx prefix, stopped before its last partial block.
struct HashLink {
    ByteArray<32> state{};     // h0..h7 after the full 64-byte blocks, each big-endian
    Bytes extra_data;          // the buffered tail, minus the bytes the constant ending supplies
    std::uint64_t length = 0;  // length of the whole prefix in bytes
    bool operator==(const HashLink&) const = default;
};

struct Share {
    SmallBlockHeader min_header;
    ShareInfo share_info;
    MerkleLink ref_merkle_link;
    std::uint64_t last_txout_nonce = 0;
    HashLink hash_link;
    MerkleLink merkle_link;
    std::optional<Bytes> message_data;  // nullopt: None; never present-and-empty after decoding
    bool operator==(const Share&) const = default;
};

// share_type.pack. Errc::invalid_argument "none_value used" (naming the field) where the
// reference refuses: a present previous_block of 0, a present empty message_data, and the
// share_info fields of pack_share_info.
[[nodiscard]] Result<Bytes> pack_share(const Share& share);
// share_type.unpack of exactly these bytes (trailing bytes: Errc::trailing_bytes).
[[nodiscard]] Result<Share> unpack_share(ByteView contents);

// The wrapper: a share version and its contents, undecoded.
struct VersionedShare {
    std::uint64_t type = 0;
    Bytes contents;
    bool operator==(const VersionedShare&) const = default;
};

Bytes pack_versioned_share(const VersionedShare& v);
// Exactly these bytes (trailing bytes: Errc::trailing_bytes).
[[nodiscard]] Result<VersionedShare> unpack_versioned_share(ByteView data);
// One wrapper at the reader's position; leaves the reader after it.
[[nodiscard]] Result<VersionedShare> read_versioned_share(ByteReader& r);

// {V36_SHARE_VERSION, pack_share(share)}.
[[nodiscard]] Result<VersionedShare> wrap_share(const Share& share);
// Decodes contents of the given version. Only V36 is understood: any other type is
// Errc::bad_version ("share type 35: only V36 shares are decoded"). The reference parses
// the older versions it knows and calls types below its oldest 'obsolete'; a V36 network
// needs neither.
[[nodiscard]] Result<Share> decode_share(std::uint64_t type, ByteView contents);
[[nodiscard]] Result<Share> decode_share(const VersionedShare& v);

}  // namespace sharemsg::chain
