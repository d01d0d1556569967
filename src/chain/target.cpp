#include "chain/target.hpp"

#include <array>

namespace sharemsg::chain {

std::optional<Uint256> target_from_bits(std::uint32_t bits) {
    const std::uint32_t mantissa = bits & 0x00ffffff;
    const int exponent = static_cast<int>(bits >> 24);
    Uint256 out{};
    if (exponent < 3) {
        out = le_from_u64<32>(mantissa >> (8 * (3 - exponent)));
        return out;
    }
    const int byte_shift = exponent - 3;  // 0..252
    for (int i = 0; i < 3; ++i) {
        const auto b = static_cast<std::uint8_t>(mantissa >> (8 * i));
        if (b == 0) continue;
        const int pos = byte_shift + i;
        if (pos >= 32) return std::nullopt;
        out[static_cast<std::size_t>(pos)] = b;
    }
    return out;
}

std::uint32_t bits_from_target_upper_bound(const Uint256& target) {
    // Minimal big-endian form: bytes target[len-1] .. target[0].
    std::size_t len = 32;
    while (len > 0 && target[len - 1] == 0)
        --len;
    if (len == 0) return 0;  // natural_to_string(0) is '': bits = chr(0) + '\0\0\0'
    std::array<std::uint8_t, 3> top{};
    std::size_t size = len;
    std::size_t k = 0;
    if (target[len - 1] >= 0x80) {
        ++size;  // a 0x00 in front, so the mantissa's first byte is 0
        ++k;
    }
    for (std::size_t i = len; i-- > 0 && k < 3; ++k)
        top[k] = target[i];
    return static_cast<std::uint32_t>(size) << 24 | std::uint32_t{top[0]} << 16 |
           std::uint32_t{top[1]} << 8 | top[2];
}

int compare_uint256(const Uint256& a, const Uint256& b) {
    for (std::size_t i = 32; i-- > 0;) {
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

namespace {

// 320-bit unsigned integer, five 64-bit limbs, least significant first: room for 2^256
// and for target + 1 when target is 2^256 - 1.
using Limbs = std::array<std::uint64_t, 5>;

Limbs to_limbs(const Uint256& v) {
    Limbs out{};
    for (std::size_t i = 0; i < 32; ++i)
        out[i / 8] |= std::uint64_t{v[i]} << (8 * (i % 8));
    return out;
}

bool geq(const Limbs& a, const Limbs& b) {
    for (std::size_t i = a.size(); i-- > 0;) {
        if (a[i] != b[i]) return a[i] > b[i];
    }
    return true;
}

void sub(Limbs& a, const Limbs& b) {  // a -= b, a >= b
    unsigned __int128 borrow = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const unsigned __int128 rhs = static_cast<unsigned __int128>(b[i]) + borrow;
        borrow = rhs > a[i] ? 1 : 0;
        a[i] = static_cast<std::uint64_t>(static_cast<unsigned __int128>(a[i]) - rhs);
    }
}

void shl1(Limbs& a) {
    for (std::size_t i = a.size(); i-- > 0;)
        a[i] = a[i] << 1 | (i > 0 ? a[i - 1] >> 63 : 0);
}

}  // namespace

unsigned __int128 target_to_average_attempts(const Uint256& target) {
    constexpr unsigned __int128 saturated = ~static_cast<unsigned __int128>(0);
    bool high_half_zero = true;
    for (std::size_t i = 16; i < 32; ++i)
        high_half_zero = high_half_zero && target[i] == 0;
    if (high_half_zero) {
        // target < 2^128, so target + 1 <= 2^128 and the quotient is at least 2^128.
        return saturated;
    }
    // d = target + 1; long division of 2^256 by d, one quotient bit per step.
    Limbs d = to_limbs(target);
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (++d[i] != 0) break;
    }
    Limbs r{};
    unsigned __int128 q = 0;
    for (int bit = 256; bit >= 0; --bit) {
        shl1(r);
        if (bit == 256) r[0] |= 1;  // the only set bit of the numerator
        q <<= 1;                    // the quotient is below 2^128: bits shifted out are zero
        if (geq(r, d)) {
            sub(r, d);
            q |= 1;
        }
    }
    return q;
}

}  // namespace sharemsg::chain
