// V36 share_info (MergedMiningShare.get_dynamic_types()['share_info_type']).
//
// Field order, pack types and None encodings are in share_info_layout.hpp, next
// to the one description both directions use. In short:
//
//   share_info = share_data, segwit_data?, merged_addresses?, far_share_hash?,
//                max_bits, bits, timestamp, absheight, abswork (CompactSize),
//                merged_coinbase_info?, merged_payout_hash?
//   share_data = previous_share_hash?, coinbase, nonce, pubkey_hash (20 bytes LE),
//                pubkey_type, subsidy (CompactSize), donation, stale_info,
//                desired_version (CompactSize)
//
// A std::optional field is a PossiblyNoneType: nullopt is None. Packing a present
// value equal to the None encoding (a zero hash, an empty list, the segwit
// sentinel) fails with "none_value used", as the reference does; decoding maps
// the None encoding back to nullopt, so decoded values always re-pack.
//
// Integers wider than 64 bits are little-endian byte arrays (chain/uint.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/uint.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::chain {

// stale_info: EnumType(IntType(8)) mapping 0 -> None, 253 -> 'orphan',
// 254 -> 'doa', any other k -> 'unk<k>'. Every byte is a valid value, so we
// keep the wire byte; these give the reference's names.
namespace stale_info {
inline constexpr std::uint8_t none = 0;
inline constexpr std::uint8_t orphan = 253;
inline constexpr std::uint8_t doa = 254;
}  // namespace stale_info
// The reference's name of a stale_info byte; nullopt for 0 (None).
std::optional<std::string> stale_info_name(std::uint8_t v);
// Inverse of stale_info_name for a name ('orphan', 'doa', 'unk<k>' with k in
// 1..252 or 255, written as Python's '%i' writes it). Errc::invalid_argument
// for any other name, as the reference's EnumType.write raises.
Result<std::uint8_t> stale_info_from_name(std::string_view name);

// ComposedType([branch: ListType(IntType(256)), index: IntType(0)]).
// `index` is never on the wire (IntType(0)): it packs as nothing and decodes
// as 0. It matters only to check_merkle_link for links supplied by a caller.
struct MerkleLink {
    std::vector<Uint256> branch;
    std::uint64_t index = 0;
    bool operator==(const MerkleLink&) const = default;
};

struct ShareData {
    std::optional<Uint256> previous_share_hash;  // PossiblyNone(0, IntType(256))
    Bytes coinbase;                              // VarStr
    std::uint32_t nonce = 0;                     // IntType(32)
    Uint160 pubkey_hash{};                       // IntType(160)
    std::uint8_t pubkey_type = 0;                // IntType(8): 0 P2PKH, 1 P2WPKH, 2 P2SH
    std::uint64_t subsidy = 0;                   // VarInt
    std::uint16_t donation = 0;                  // IntType(16)
    std::uint8_t stale_info = stale_info::none;  // EnumType(IntType(8)), see above
    std::uint64_t desired_version = 0;           // VarInt
    bool operator==(const ShareData&) const = default;
};

struct SegwitData {
    MerkleLink txid_merkle_link;
    Uint256 wtxid_merkle_root{};
    bool operator==(const SegwitData&) const = default;
};
// segwit_data's None encoding: empty branch, index 0, wtxid_merkle_root 2^256-1.
const SegwitData& segwit_data_none_value();

struct MergedAddress {
    std::uint32_t chain_id = 0;  // IntType(32), AuxPoW chain id (0x62 DOGE)
    Bytes script;                // VarStr
    bool operator==(const MergedAddress&) const = default;
};

struct MergedCoinbaseInfo {
    std::uint32_t chain_id = 0;          // IntType(32)
    std::uint64_t coinbase_value = 0;    // VarInt
    std::uint64_t block_height = 0;      // VarInt
    ByteArray<80> block_header_bytes{};  // FixedStr(80)
    MerkleLink coinbase_merkle_link;     // branch list + IntType(0) index
    Bytes coinbase_script;               // VarStr
    bool operator==(const MergedCoinbaseInfo&) const = default;
};

struct ShareInfo {
    ShareData share_data;
    std::optional<SegwitData> segwit_data;
    std::optional<std::vector<MergedAddress>> merged_addresses;  // None value: []
    std::optional<Uint256> far_share_hash;                       // None value: 0
    std::uint32_t max_bits = 0;                                  // FloatingInteger bits
    std::uint32_t bits = 0;                                      // FloatingInteger bits
    std::uint32_t timestamp = 0;
    std::uint32_t absheight = 0;
    std::uint64_t abswork = 0;                                            // VarInt in V36
    std::optional<std::vector<MergedCoinbaseInfo>> merged_coinbase_info;  // None value: []
    std::optional<Uint256> merged_payout_hash;                            // None value: 0
    bool operator==(const ShareInfo&) const = default;
};

// share_info_type.pack. Fails (Errc::invalid_argument, "none_value used",
// naming the field) exactly where the reference raises.
[[nodiscard]] Result<Bytes> pack_share_info(const ShareInfo& info);

// share_info_type.unpack of exactly these bytes: trailing bytes are
// Errc::trailing_bytes. Other errors: see chain/pack.hpp.
[[nodiscard]] Result<ShareInfo> unpack_share_info(ByteView data);
// Reads one share_info at the reader's position and leaves it after it.
[[nodiscard]] Result<ShareInfo> read_share_info(ByteReader& r);

}  // namespace sharemsg::chain
