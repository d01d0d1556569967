// Fuzz target: the text helpers (UTF-8 checks, lossy decoding, lower-casing, ASCII quoting)
// and python_json_dumps on any JSON the input parses to.
//
// Properties:
//   - utf8_lossy always gives valid UTF-8, and leaves valid UTF-8 unchanged;
//   - utf8_lower of valid UTF-8 is valid UTF-8;
//   - json_quote_ascii writes ASCII that a JSON parser reads back to the same string;
//   - python_json_dumps of parsed JSON is ASCII, does not throw, and (finite numbers) parses
//     back to an equal value.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "util/pyjson.hpp"
#include "util/text.hpp"

using namespace sharemsg;

namespace {

bool all_ascii(const std::string& s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

bool all_finite(const nlohmann::ordered_json& j) {
    if (j.is_number_float()) return std::isfinite(j.get<double>());
    if (j.is_structured())
        for (const auto& v : j)
            if (!all_finite(v)) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::input(data, size);

    const bool valid = is_valid_utf8(in);
    const std::string lossy = utf8_lossy(in);
    FUZZ_CHECK(is_valid_utf8(as_bytes(lossy)));
    if (valid) FUZZ_CHECK(lossy == to_string(in));

    const std::string lower = utf8_lower(lossy);
    FUZZ_CHECK(is_valid_utf8(as_bytes(lower)));

    const std::string quoted = json_quote_ascii(lossy);
    FUZZ_CHECK(all_ascii(quoted));
    const auto back = nlohmann::json::parse(quoted, nullptr, false);
    FUZZ_CHECK(back.is_string());
    FUZZ_CHECK(back.get<std::string>() == lossy);

    const auto j = nlohmann::ordered_json::parse(data, data + size, nullptr, false);
    if (!j.is_discarded()) {
        std::string dumped;
        try {
            dumped = python_json_dumps(j);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "python_json_dumps threw: %s\n", e.what());
            FUZZ_CHECK(false);
        }
        FUZZ_CHECK(all_ascii(dumped));
        if (all_finite(j)) {
            const auto again = nlohmann::ordered_json::parse(dumped, nullptr, false);
            FUZZ_CHECK(!again.is_discarded());
            FUZZ_CHECK(again == j);
        }
    }
    return 0;
}
