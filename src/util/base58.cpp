#include "util/base58.hpp"

#include <array>
#include <cstdio>

namespace sharemsg {

namespace {

// Zeroes a scratch buffer through a volatile pointer so the stores are not elided. (The
// crypto layer's wipe() is above this one; this is only for our own temporaries.)
void zero_scratch(Bytes& b) {
    volatile std::uint8_t* p = b.data();
    for (std::size_t i = 0; i < b.size(); ++i)
        p[i] = 0;
}

constexpr std::array<std::int8_t, 256> make_decode_table() {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t)
        v = -1;
    for (std::size_t i = 0; i < BASE58_ALPHABET.size(); ++i)
        t[static_cast<std::uint8_t>(BASE58_ALPHABET[i])] = static_cast<std::int8_t>(i);
    return t;
}
constexpr auto kDecode = make_decode_table();

std::string describe_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    char buf[32];
    if (u >= 0x21 && u < 0x7f)
        std::snprintf(buf, sizeof buf, "'%c'", c);
    else
        std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
    return buf;
}

}  // namespace

std::string base58_encode(ByteView data) {
    std::size_t zeros = 0;
    while (zeros < data.size() && data[zeros] == 0)
        ++zeros;
    // log(256) / log(58) < 1.38: digits needed for the remaining bytes.
    Bytes digits((data.size() - zeros) * 138 / 100 + 1, 0);
    std::size_t length = 0;
    for (std::size_t k = zeros; k < data.size(); ++k) {
        unsigned carry = data[k];
        std::size_t i = 0;
        for (auto it = digits.rbegin(); (carry != 0 || i < length) && it != digits.rend();
             ++it, ++i) {
            carry += 256u * *it;
            *it = static_cast<std::uint8_t>(carry % 58);
            carry /= 58;
        }
        length = i;
    }
    auto it = digits.begin() + static_cast<std::ptrdiff_t>(digits.size() - length);
    while (it != digits.end() && *it == 0)
        ++it;
    std::string out(zeros, '1');
    out.reserve(zeros + static_cast<std::size_t>(digits.end() - it));
    for (; it != digits.end(); ++it)
        out.push_back(BASE58_ALPHABET[*it]);
    zero_scratch(digits);
    return out;
}

Result<Bytes> base58_decode(std::string_view text, std::size_t max_chars) {
    if (text.size() > max_chars)
        return make_error(Errc::oversize, "base58: " + std::to_string(text.size()) +
                                              " characters, at most " + std::to_string(max_chars) +
                                              " accepted");
    for (std::size_t i = 0; i < text.size(); ++i)
        if (kDecode[static_cast<unsigned char>(text[i])] < 0)
            return make_error(Errc::bad_encoding, "base58: invalid character " +
                                                      describe_char(text[i]) + " at position " +
                                                      std::to_string(i));
    std::size_t zeros = 0;
    while (zeros < text.size() && text[zeros] == '1')
        ++zeros;
    // log(58) / log(256) < 0.733: bytes needed for the remaining digits.
    Bytes b256((text.size() - zeros) * 733 / 1000 + 1, 0);
    std::size_t length = 0;
    for (std::size_t k = zeros; k < text.size(); ++k) {
        unsigned carry = static_cast<unsigned>(kDecode[static_cast<unsigned char>(text[k])]);
        std::size_t i = 0;
        for (auto it = b256.rbegin(); (carry != 0 || i < length) && it != b256.rend(); ++it, ++i) {
            carry += 58u * *it;
            *it = static_cast<std::uint8_t>(carry % 256);
            carry /= 256;
        }
        length = i;
    }
    auto it = b256.begin() + static_cast<std::ptrdiff_t>(b256.size() - length);
    while (it != b256.end() && *it == 0)
        ++it;
    Bytes out;
    out.reserve(zeros + static_cast<std::size_t>(b256.end() - it));
    out.assign(zeros, 0);
    out.insert(out.end(), it, b256.end());
    zero_scratch(b256);
    return out;
}

}  // namespace sharemsg
