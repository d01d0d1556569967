#include "util/pyjson.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "util/text.hpp"

namespace sharemsg {

std::string python_float_repr(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string sci(buf, res.ptr);  // e.g. "-1.2345e+16"
    const auto epos = sci.find('e');
    std::string mant = sci.substr(0, epos);
    const int exp = std::atoi(sci.c_str() + epos + 1);
    std::string sign;
    if (mant[0] == '-') {
        sign = "-";
        mant.erase(0, 1);
    }
    std::string digits;
    for (char c : mant)
        if (c != '.') digits.push_back(c);
    if (exp < -4 || exp >= 16) {
        std::string out = sign + digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        char eb[16];
        std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
        return out + eb;
    }
    std::string out;
    if (exp >= 0) {
        const std::size_t int_len = static_cast<std::size_t>(exp) + 1;
        if (digits.size() <= int_len) {
            out = digits + std::string(int_len - digits.size(), '0') + ".0";
        } else {
            out = digits.substr(0, int_len) + "." + digits.substr(int_len);
        }
    } else {
        out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    }
    return sign + out;
}

static void dump(const nlohmann::ordered_json& j, std::string& out) {
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [k, v] : j.items()) {
                if (!first) out += ',';
                first = false;
                out += json_quote_ascii(k);
                out += ':';
                dump(v, out);
            }
            out += '}';
            break;
        }
        case nlohmann::ordered_json::value_t::array: {
            out += '[';
            bool first = true;
            for (const auto& v : j) {
                if (!first) out += ',';
                first = false;
                dump(v, out);
            }
            out += ']';
            break;
        }
        case nlohmann::ordered_json::value_t::string:
            out += json_quote_ascii(j.get_ref<const std::string&>());
            break;
        case nlohmann::ordered_json::value_t::number_float:
            out += python_float_repr(j.get<double>());
            break;
        case nlohmann::ordered_json::value_t::number_integer:
        case nlohmann::ordered_json::value_t::number_unsigned:
        case nlohmann::ordered_json::value_t::boolean:
        case nlohmann::ordered_json::value_t::null:
            out += j.dump();
            break;
        default:
            out += "null";
            break;
    }
}

std::string python_json_dumps(const nlohmann::ordered_json& j) {
    std::string out;
    dump(j, out);
    return out;
}

}  // namespace sharemsg
