#include "util/text.hpp"

#include <locale.h>
#include <clocale>
#include <cstdint>
#include <cstdio>
#include <cwctype>

namespace sharemsg {

namespace {

// Decodes one code point at b[i]; returns the number of bytes consumed (0 if ill-formed).
std::size_t decode_one(ByteView b, std::size_t i, char32_t& cp) {
    const std::uint8_t c = b[i];
    if (c < 0x80) {
        cp = c;
        return 1;
    }
    std::size_t n;
    char32_t min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (b.size() - i < n) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const std::uint8_t cc = b[i + k];
        if ((cc & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

void encode_one(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

// A C.UTF-8 locale object for towlower_l, independent of the process's global locale.
class Utf8Locale {
  public:
    Utf8Locale() : loc_(newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr))) {}
    ~Utf8Locale() {
        if (loc_) freelocale(loc_);
    }
    Utf8Locale(const Utf8Locale&) = delete;
    Utf8Locale& operator=(const Utf8Locale&) = delete;
    char32_t lower(char32_t cp) const {
        if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        if (!loc_) return cp;
        return static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc_));
    }

  private:
    locale_t loc_;
};

}  // namespace

bool is_valid_utf8(ByteView b) {
    for (std::size_t i = 0; i < b.size();) {
        char32_t cp;
        std::size_t n = decode_one(b, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string utf8_lossy(ByteView b) {
    std::string out;
    out.reserve(b.size());
    for (std::size_t i = 0; i < b.size();) {
        char32_t cp;
        std::size_t n = decode_one(b, i, cp);
        if (n == 0) {
            encode_one(0xfffd, out);
            ++i;
        } else {
            encode_one(cp, out);
            i += n;
        }
    }
    return out;
}

std::string utf8_lower(std::string_view s) {
    static const Utf8Locale locale;
    ByteView b = as_bytes(s);
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < b.size();) {
        char32_t cp;
        std::size_t n = decode_one(b, i, cp);
        if (n == 0) {  // not expected for valid input; copy the byte through
            out.push_back(static_cast<char>(b[i]));
            ++i;
            continue;
        }
        encode_one(locale.lower(cp), out);
        i += n;
    }
    return out;
}

std::string json_quote_ascii(std::string_view s) {
    std::string out = "\"";
    ByteView b = as_bytes(s);
    char buf[16];
    auto u16 = [&](unsigned v) {
        std::snprintf(buf, sizeof buf, "\\u%04x", v);
        out += buf;
    };
    for (std::size_t i = 0; i < b.size();) {
        char32_t cp;
        std::size_t n = decode_one(b, i, cp);
        if (n == 0) {
            cp = 0xfffd;
            n = 1;
        }
        i += n;
        switch (cp) {
            case '"':
                out += "\\\"";
                continue;
            case '\\':
                out += "\\\\";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\t':
                out += "\\t";
                continue;
            case '\b':
                out += "\\b";
                continue;
            case '\f':
                out += "\\f";
                continue;
            default:
                break;
        }
        if (cp < 0x20 || (cp >= 0x7f && cp < 0x10000)) {
            if (cp == 0x7f) {
                out.push_back(0x7f);
            } else {
                u16(static_cast<unsigned>(cp));
            }
        } else if (cp >= 0x10000) {
            char32_t v = cp - 0x10000;
            u16(static_cast<unsigned>(0xd800 + (v >> 10)));
            u16(static_cast<unsigned>(0xdc00 + (v & 0x3ff)));
        } else {
            out.push_back(static_cast<char>(cp));
        }
    }
    out += "\"";
    return out;
}

}  // namespace sharemsg
