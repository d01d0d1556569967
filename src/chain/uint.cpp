#include "chain/uint.hpp"

namespace sharemsg::chain {

std::string le_to_int_hex(ByteView le) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(le.size() * 2);
    for (std::size_t i = le.size(); i-- > 0;) {
        out.push_back(digits[le[i] >> 4]);
        out.push_back(digits[le[i] & 0x0f]);
    }
    return out;
}

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Status int_hex_to_le(std::string_view hex, std::span<std::uint8_t> out) {
    if (hex.empty()) return make_error(Errc::bad_encoding, "int_hex: no digits");
    for (auto& b : out)
        b = 0;
    // Walk from the least significant digit (the end of the string) upwards.
    std::size_t digit_index = 0;
    for (std::size_t i = hex.size(); i-- > 0; ++digit_index) {
        const int v = nibble(hex[i]);
        if (v < 0)
            return make_error(Errc::bad_encoding,
                              "int_hex: non-hex character at position " + std::to_string(i));
        const std::size_t byte = digit_index / 2;
        if (byte >= out.size()) {
            if (v != 0)
                return make_error(
                    Errc::invalid_argument,
                    "int_hex: value does not fit in " + std::to_string(out.size()) + " bytes");
            continue;  // a leading zero digit
        }
        out[byte] = static_cast<std::uint8_t>(out[byte] | (digit_index % 2 == 0 ? v : v << 4));
    }
    return Ok{};
}

}  // namespace sharemsg::chain
