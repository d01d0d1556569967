#include "conformance/step_call.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace sharemsg::conformance {

namespace {

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

std::optional<std::uint32_t> hex_digits(std::string_view s) {
    std::uint32_t v = 0;
    for (char c : s) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
        v = v * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(c))
                                                    ? c - '0'
                                                    : std::tolower(static_cast<unsigned char>(c)) -
                                                          'a' + 10);
    }
    return v;
}

}  // namespace

std::optional<StepCall> parse_step_call(std::string_view text) {
    text = trim(text);
    std::size_t i = 0;
    while (i < text.size() && is_name_char(text[i]))
        ++i;
    if (i == 0 || i >= text.size() || text[i] != '(') return std::nullopt;
    StepCall call;
    call.name = std::string(text.substr(0, i));
    ++i;
    int depth = 0;
    char quote = 0;
    std::string current;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            current += c;
            if (c == '\\' && i + 1 < text.size()) {
                current += text[++i];
            } else if (c == quote) {
                quote = 0;
            }
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
            current += c;
        } else if (c == '(' || c == '[' || c == '{') {
            ++depth;
            current += c;
        } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
            --depth;
            current += c;
        } else if (c == ')') {
            const auto last = trim(current);
            if (!last.empty() || !call.args.empty()) call.args.emplace_back(last);
            return call;
        } else if (c == ',' && depth == 0) {
            call.args.emplace_back(trim(current));
            current.clear();
        } else {
            current += c;
        }
    }
    return std::nullopt;  // no closing parenthesis
}

std::optional<double> parse_clock_advance(std::string_view text) {
    text = trim(text);
    if (text.substr(0, 5) != "clock") return std::nullopt;
    text = trim(text.substr(5));
    if (text.substr(0, 2) != "+=") return std::nullopt;
    text = trim(text.substr(2));
    std::size_t n = 0;
    while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.'))
        ++n;
    if (n == 0) return std::nullopt;
    const std::string num(text.substr(0, n));
    char* end = nullptr;
    const double v = std::strtod(num.c_str(), &end);
    if (end != num.c_str() + num.size()) return std::nullopt;
    return v;
}

std::optional<std::string> unquote(std::string_view arg) {
    arg = trim(arg);
    if (arg.size() < 2) return std::nullopt;
    const char q = arg.front();
    if ((q != '"' && q != '\'') || arg.back() != q) return std::nullopt;
    const std::string_view body = arg.substr(1, arg.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c != '\\' || i + 1 == body.size()) {
            out += c;
            continue;
        }
        const char e = body[++i];
        switch (e) {
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case 'x':
            case 'u': {
                const std::size_t len = e == 'x' ? 2 : 4;
                const auto cp =
                    i + len < body.size() ? hex_digits(body.substr(i + 1, len)) : std::nullopt;
                if (!cp) {
                    out += '\\';
                    out += e;
                    break;
                }
                append_utf8(out, *cp);
                i += len;
                break;
            }
            default:
                out += e;  // \\ \' \" and anything else: the character itself
        }
    }
    return out;
}

std::string string_arg(std::string_view arg) {
    if (auto s = unquote(arg)) return *s;
    return std::string(trim(arg));
}

std::optional<std::int64_t> int_arg(std::string_view arg) {
    arg = trim(arg);
    bool negative = false;
    if (!arg.empty() && arg.front() == '-') {
        negative = true;
        arg.remove_prefix(1);
    }
    int base = 10;
    if (arg.size() > 2 && arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X')) {
        base = 16;
        arg.remove_prefix(2);
    }
    if (arg.empty()) return std::nullopt;
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), v, base);
    if (ec != std::errc() || p != arg.data() + arg.size()) return std::nullopt;
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
}

std::vector<std::string> int_literals(std::string_view arg) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < arg.size()) {
        const bool starts = std::isdigit(static_cast<unsigned char>(arg[i])) &&
                            (i == 0 || !is_name_char(arg[i - 1]));
        if (!starts) {
            ++i;
            continue;
        }
        std::size_t j = i;
        if (arg.substr(i, 2) == "0x" || arg.substr(i, 2) == "0X") j += 2;
        while (j < arg.size() && std::isxdigit(static_cast<unsigned char>(arg[j])))
            ++j;
        out.emplace_back(arg.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<std::string> keyword_arg(std::string_view arg, std::string_view keyword) {
    arg = trim(arg);
    if (arg.substr(0, keyword.size()) != keyword) return std::nullopt;
    // "sender" is not a prefix of "sender_address".
    if (arg.size() > keyword.size() &&
        (std::isalnum(static_cast<unsigned char>(arg[keyword.size()])) ||
         arg[keyword.size()] == '_'))
        return std::nullopt;
    arg = trim(arg.substr(keyword.size()));
    if (!arg.empty() && arg.front() == '=') arg = trim(arg.substr(1));
    if (arg.empty()) return std::nullopt;
    return string_arg(arg);
}

}  // namespace sharemsg::conformance
