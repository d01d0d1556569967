// What verifying a V36 share's proof of work needs to know about its network.
//
// Source of truth: frstrtr/p2pool-merged-v36 at 44a10f30; each value names its line. The
// networks themselves are one table each in p2p/params.hpp; this is the chain-level slice
// (so that src/chain does not depend on src/p2p), made from a table by p2p::pow_params():
// p2p::LITECOIN_MAINNET_POW, p2p::LITECOIN_TESTNET_POW, p2p::DEVNET_POW.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "chain/ref_hash.hpp"
#include "chain/uint.hpp"
#include "util/bytes.hpp"

namespace sharemsg::chain {

// PARENT.POW_FUNC of the network (p2pool/bitcoin/networks/*.py).
enum class PowFunc {
    sha256d,  // bitcoin_data.hash256 of the 80-byte header
    scrypt,   // ltc_scrypt.getPoWHash: scrypt(password = salt = header, N=1024, r=1, p=1, 32 bytes)
};

// COMBINED_DONATION_SCRIPT (data.py:175): P2SH scriptPubKey a9 14 <hash160> 87, the V36
// donation output, always the last output before the OP_RETURN commitment.
inline constexpr std::array<std::uint8_t, 23> COMBINED_DONATION_SCRIPT{
    0xa9, 0x14, 0x8c, 0x62, 0x72, 0x62, 0x1d, 0x89, 0xe8, 0xfa, 0x52, 0x6d,
    0xd8, 0x6a, 0xcf, 0xf6, 0x0c, 0x71, 0x36, 0xbe, 0x8e, 0x85, 0x87};

// MergedMiningShare.gentx_before_refhash (data.py:2226-2230), 35 bytes: the constant end of
// every V36 gentx prefix (the gentx minus its last 44 bytes: ref_hash, last_txout_nonce,
// lock_time):
//   VarStr(COMBINED_DONATION_SCRIPT)        17 a914...87        24 bytes
//   IntType(64) 0, the OP_RETURN's value    00 x 8               8 bytes
//   first 3 bytes of VarStr('\x6a\x28' + ref_hash + nonce): 2a 6a 28   3 bytes
// Python 2 reference output:
// 17a9148c6272621d89e8fa526dd86acff60c7136be8e858700000000000000002a6a28.
inline constexpr std::array<std::uint8_t, 35> V36_GENTX_BEFORE_REFHASH{
    0x17, 0xa9, 0x14, 0x8c, 0x62, 0x72, 0x62, 0x1d, 0x89, 0xe8, 0xfa, 0x52,
    0x6d, 0xd8, 0x6a, 0xcf, 0xf6, 0x0c, 0x71, 0x36, 0xbe, 0x8e, 0x85, 0x87,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x6a, 0x28};

struct PowParams {
    std::string_view name;
    Identifier identifier{};  // IDENTIFIER: the first field of ref_type
    Uint256 max_target{};     // MAX_TARGET (IntType(256) bytes, little-endian)
    PowFunc pow = PowFunc::sha256d;
    // is_segwit_activated(36, net) (data.py:153): 36 >= SEGWIT_ACTIVATION_VERSION > 0. When
    // true the merkle root comes from share_info.segwit_data.txid_merkle_link (data.py:1398)
    // and a share without segwit_data cannot be verified; otherwise from merkle_link.
    bool segwit_activated = false;
    // The hash link's constant ending. The same for every V36 network (the donation script is
    // global); a field so that a devnet could differ.
    std::span<const std::uint8_t> gentx_before_refhash = V36_GENTX_BEFORE_REFHASH;
};

}  // namespace sharemsg::chain
