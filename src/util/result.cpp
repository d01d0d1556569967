#include "util/result.hpp"

namespace sharemsg {

const char* errc_name(Errc c) noexcept {
    switch (c) {
        case Errc::truncated:
            return "truncated";
        case Errc::oversize:
            return "oversize";
        case Errc::trailing_bytes:
            return "trailing bytes";
        case Errc::bad_version:
            return "unknown version";
        case Errc::bad_encoding:
            return "bad encoding";
        case Errc::bad_key:
            return "bad key";
        case Errc::bad_signature:
            return "bad signature";
        case Errc::not_authority:
            return "not authority";
        case Errc::invalid_argument:
            return "invalid argument";
        case Errc::not_found:
            return "not found";
        case Errc::io:
            return "i/o error";
    }
    return "error";
}

}  // namespace sharemsg
