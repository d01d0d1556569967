// Targets and work: FloatingInteger bits (p2pool/bitcoin/data.py:67-105) and
// target_to_average_attempts (bitcoin/data.py:391-395).
//
// A target is a 256-bit integer held as Uint256 (IntType(256) bytes, little-endian), and is
// compared with hashes read the same way: the reference compares pow_hash (the digest read
// as a little-endian int) with the target as integers, and so does compare_uint256.
//
// bits -> target, exactly as FloatingInteger.target:
//   target = shift_left(bits & 0x00ffffff, 8 * ((bits >> 24) - 3))
// a shift right for exponents below 3. Unlike Bitcoin's nBits there is no sign bit: a
// mantissa of 0x800000 and above is simply large. Exponents above 32 can give values of
// 2^256 and more, which no Uint256 holds: target_from_bits returns nullopt for those (they
// are above every network's MAX_TARGET, so such a share is always refused).
#pragma once

#include <cstdint>
#include <optional>

#include "chain/uint.hpp"

namespace sharemsg::chain {

// FloatingInteger(bits).target; nullopt when it is 2^256 or more.
std::optional<Uint256> target_from_bits(std::uint32_t bits);

// FloatingInteger.from_target_upper_bound(target).bits: the mantissa is the top three
// bytes of the target's minimal big-endian form (a 0x00 prepended when its first byte has
// the high bit set), the exponent its length. The resulting target is <= target.
std::uint32_t bits_from_target_upper_bound(const Uint256& target);

// <0, 0, >0 as integers a < b, a == b, a > b.
int compare_uint256(const Uint256& a, const Uint256& b);

// target_to_average_attempts: floor(2^256 / (target + 1)), the expected number of hashes
// per share and the unit of abswork. Exact for target >= 2^128, where the result fits in
// 128 bits (every network's targets are far above: Litecoin's MAX_TARGET is 2^236, real share
// targets around 2^200). For smaller targets the true value needs more than 128 bits and
// this returns 2^128 - 1 (saturated); the reference keeps Python's unbounded int there.
unsigned __int128 target_to_average_attempts(const Uint256& target);

}  // namespace sharemsg::chain
