// Base58 (Bitcoin alphabet) encoding and strict decoding.
//
// This is plain base58 over bytes: each leading zero byte is one leading '1', the rest is
// the big-endian number in base 58. The checksummed form (base58check, used by WIF keys and
// P2PKH addresses) needs SHA256d and so lives above the crypto layer, in proto/keys_io.hpp.
//
// Decoding is strict: no whitespace, no characters outside the alphabet (0, O, I, l are not
// in it), and inputs longer than `max_chars` are refused before any work is done (the
// conversion is quadratic in the length). Scratch buffers are zeroed before they are freed,
// because WIF private keys pass through here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/bytes.hpp"

namespace sharemsg {

inline constexpr std::string_view BASE58_ALPHABET =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

std::string base58_encode(ByteView data);

// Errors: Errc::bad_encoding naming the offending character and its position;
// Errc::oversize when the input has more than max_chars characters.
Result<Bytes> base58_decode(std::string_view text, std::size_t max_chars = 256);

}  // namespace sharemsg
