// What verifying a V36 share's proof of work needs to know about its network.
//
// Source of truth: frstrtr/p2pool-merged-v36 at 44a10f30; each value names its line. The P2P
// side of a network (prefix, ports, share period, ...) is p2p/params.hpp; this is the
// chain-level slice, so that src/chain does not depend on src/p2p. A node builds one from
// the other (identifier, max_target and pow are the same values there).
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

namespace detail {
constexpr std::uint8_t pow_hex_nibble(char c) {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
}
// Eight bytes written in order, as 'hex'.decode('hex').
constexpr Identifier identifier_hex(const char (&s)[17]) {
    Identifier out{};
    for (std::size_t i = 0; i < 8; ++i)
        out[i] =
            static_cast<std::uint8_t>(pow_hex_nibble(s[2 * i]) << 4 | pow_hex_nibble(s[2 * i + 1]));
    return out;
}
// 2^256 / 2^k - 1 for k in 1..255: the top k bits clear, the rest set.
constexpr Uint256 max_target_pow2(unsigned k) {
    Uint256 out{};
    for (unsigned bit = 0; bit < 256 - k; ++bit)
        out[bit / 8] = static_cast<std::uint8_t>(out[bit / 8] | 1u << (bit % 8));
    return out;
}
// floor(2^256 / d) - 1 for a small d.
constexpr Uint256 max_target_div(std::uint32_t d) {
    Uint256 out{};
    std::uint64_t rem = 1;  // the leading 1 of 2^256, long division from the top byte down
    for (std::size_t i = 32; i-- > 0;) {
        const std::uint64_t cur = rem << 8;
        out[i] = static_cast<std::uint8_t>(cur / d);
        rem = cur % d;
    }
    for (std::size_t i = 0; i < 32; ++i) {  // minus one
        if (out[i]-- != 0) break;
    }
    return out;
}
}  // namespace detail

// p2pool/networks/litecoin.py: IDENTIFIER e037d5b8c6923410 (line 10), MAX_TARGET =
// 2**256//2**20 - 1 (line 28), SEGWIT_ACTIVATION_VERSION = 17 (line 68, so V36 is segwit);
// POW_FUNC scrypt (bitcoin/networks/litecoin.py:22).
inline constexpr PowParams LITECOIN_MAINNET_POW{
    .name = "litecoin",
    .identifier = detail::identifier_hex("e037d5b8c6923410"),
    .max_target = detail::max_target_pow2(20),
    .pow = PowFunc::scrypt,
    .segwit_activated = true,
};

// p2pool/networks/litecoin_testnet.py: IDENTIFIER cca5e24ec6408b1e (line 9), MAX_TARGET =
// 2**256//20 - 1 (line 14), SEGWIT_ACTIVATION_VERSION = 17 (line 37); POW_FUNC scrypt
// (bitcoin/networks/litecoin_testnet.py:21).
inline constexpr PowParams LITECOIN_TESTNET_POW{
    .name = "litecoin_testnet",
    .identifier = detail::identifier_hex("cca5e24ec6408b1e"),
    .max_target = detail::max_target_div(20),
    .pow = PowFunc::scrypt,
    .segwit_activated = true,
};

// Our devnet (no reference counterpart): the identifier node/network.cpp gives it
// ("shmsdev\x01"), MAX_TARGET 2^252 - 1 (a share takes about 16 hashes), sha256d, and no
// segwit (merkle root from merkle_link), as node/network.cpp's SEGWIT_ACTIVATION_VERSION 0.
inline constexpr PowParams DEVNET_POW{
    .name = "sharemsg_devnet",
    .identifier = detail::identifier_hex("73686d7364657601"),
    .max_target = detail::max_target_pow2(4),
    .pow = PowFunc::sha256d,
    .segwit_activated = false,
};

}  // namespace sharemsg::chain
