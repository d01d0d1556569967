// Text helpers with Python-compatible semantics where the reference depends on them.
#pragma once

#include <string>
#include <string_view>

#include "util/bytes.hpp"

namespace sharemsg {

// True when b is well-formed UTF-8 as Python's strict decoder defines it (no overlong
// forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(ByteView b);

// Decodes UTF-8, replacing each ill-formed sequence with U+FFFD.
std::string utf8_lossy(ByteView b);

// Lower-cases well-formed UTF-8 code point by code point (simple Unicode case mapping of
// the C library's C.UTF-8 locale; ASCII is handled without it).
std::string utf8_lower(std::string_view s);

// Escapes a string the way Python's json.dumps(ensure_ascii=True) writes a string literal,
// including the quotes: non-ASCII as \uXXXX (surrogate pairs above U+FFFF).
std::string json_quote_ascii(std::string_view utf8);

}  // namespace sharemsg
