// Strict base64 (RFC 4648 section 4, the standard alphabet with '=' padding) over OpenSSL's
// EVP_EncodeBlock and EVP_DecodeBlock. The decoder accepts only the one canonical text of
// some bytes: length a multiple of 4, no whitespace or line breaks, padding only at the end
// and exactly as much as the length needs, and zero bits where the last character has more
// bits than the bytes need. Everything else is refused, so one value has one text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.hpp"

namespace sharemsg::util {

std::string base64_encode(ByteView data);
// The bytes of a canonical base64 text, or nullopt.
std::optional<Bytes> base64_decode(std::string_view text);
// The length of the text base64_encode makes of n bytes.
constexpr std::size_t base64_length(std::size_t n) {
    return (n + 2) / 3 * 4;
}

}  // namespace sharemsg::util
