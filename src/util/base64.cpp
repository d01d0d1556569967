#include "util/base64.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace sharemsg::util {

namespace {

bool in_alphabet(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

// EVP_DecodeBlock takes an int length.
constexpr std::size_t kMaxText = std::size_t{1} << 30;

}  // namespace

std::string base64_encode(ByteView data) {
    // EVP_EncodeBlock takes an int length: whole groups of 3 bytes, a chunk at a time.
    constexpr std::size_t kChunk = 3 * (std::size_t{1} << 20);
    std::string out(base64_length(data.size()) + 1, '\0');  // EVP_EncodeBlock writes a NUL
    std::size_t at = 0;
    for (std::size_t i = 0; i < data.size(); i += kChunk) {
        const std::size_t n = std::min(kChunk, data.size() - i);
        at += static_cast<std::size_t>(
            EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at), data.data() + i,
                            static_cast<int>(n)));
    }
    out.resize(at);
    return out;
}

std::optional<Bytes> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0 || text.size() > kMaxText) return std::nullopt;
    if (text.empty()) return Bytes{};
    std::size_t pad = 0;
    if (text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
    for (std::size_t i = 0; i < text.size() - pad; ++i)
        if (!in_alphabet(text[i])) return std::nullopt;
    // EVP_DecodeBlock writes 3 bytes per 4 characters, the padding's as zeros.
    Bytes out(text.size() / 4 * 3);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) return std::nullopt;
    out.resize(out.size() - pad);
    // Canonical: the unused low bits of the last character before the padding are zero, which
    // holds exactly when the bytes encode back to the same text.
    if (base64_encode(out) != text) return std::nullopt;
    return out;
}

}  // namespace sharemsg::util
