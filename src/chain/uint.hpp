// Fixed-width unsigned integers exactly as p2pool's IntType(n) packs them.
//
// p2pool keeps hashes and other wide integers as Python ints and packs them
// with IntType(n): n/8 bytes, least significant byte first. We keep the
// packed form itself: a ByteArray<n/8> whose byte 0 is the least significant.
//
//   value 0x0123...cdef (IntType(256))  ->  bytes  ef cd ... 23 01
//
// A hash256 digest read by the reference as an int (IntType(256).unpack of
// the raw digest) therefore has *the same bytes* as the raw digest: a
// Uint256 holding sha256d(x) is simply the digest as OpenSSL returns it.
//
// "int_hex" is how people and the test vectors write these values: the
// integer in big-endian hex (Python's '%x' / '%064x'), i.e. the bytes
// reversed. Bitcoin's block-explorer hash display is the same convention.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "util/bytes.hpp"
#include "util/result.hpp"

namespace sharemsg::chain {

using Uint256 = ByteArray<32>;  // IntType(256), little-endian as packed
using Uint160 = ByteArray<20>;  // IntType(160), little-endian as packed

// Big-endian hex of a little-endian integer, zero-padded to 2 digits per byte.
std::string le_to_int_hex(ByteView le);

// Parses big-endian hex digits (any count, odd allowed, leading zeros allowed,
// no "0x" prefix, at least one digit) into out.size() little-endian bytes.
// Errc::bad_encoding for a non-hex character or no digits; Errc::invalid_argument
// when the value needs more than out.size() bytes.
Status int_hex_to_le(std::string_view hex, std::span<std::uint8_t> out);

template <std::size_t N>
std::string to_int_hex(const ByteArray<N>& le) {
    return le_to_int_hex(le);
}

template <std::size_t N>
Result<ByteArray<N>> from_int_hex(std::string_view hex) {
    ByteArray<N> out{};
    if (auto st = int_hex_to_le(hex, out); !st) return st.error();
    return out;
}

// The little-endian bytes of a small value (IntType(8N).pack(v)).
template <std::size_t N>
ByteArray<N> le_from_u64(std::uint64_t v) {
    ByteArray<N> out{};
    for (std::size_t i = 0; i < N && i < 8; ++i)
        out[i] = static_cast<std::uint8_t>(v >> (8 * i));
    return out;
}

template <std::size_t N>
bool is_zero(const ByteArray<N>& v) {
    for (auto b : v)
        if (b != 0) return false;
    return true;
}

}  // namespace sharemsg::chain
