// Scenario steps name the reference call they made in prose (vectors/reference/README.md,
// "Scenario steps"): `process_share(0x1001, addrA): ...`, `ban_list.ban_type(0x02) then
// snapshot`, `clock += 600 s`, `prune_by_sharechain({0x1001, 4098})`,
// `add_local_message(NODE_STATUS, sender "local")`. This is the parser of those forms: the
// call's name and its arguments, Python literals as written (numbers in hex or decimal,
// quoted or bare names). Text after the call (" -> ...", ": ...") describes the expected
// effect and is ignored. Nothing here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sharemsg::conformance {

struct StepCall {
    std::string name;               // "process_share", "ban_list.ban_type", ...
    std::vector<std::string> args;  // top-level arguments, trimmed, quotes kept
};

// The call at the start of `text` (leading spaces allowed): a dotted name, '(', arguments
// split at top-level commas (brackets, braces and quotes nest), ')'. nullopt when the text
// does not start with a complete call.
std::optional<StepCall> parse_step_call(std::string_view text);

// `clock += N s` / `clock += N` (N a decimal number, possibly with a fraction).
std::optional<double> parse_clock_advance(std::string_view text);

// A quoted Python string ('...' or "...", with \\ \' \" \n \t \xHH \uXXXX escapes) -> its
// UTF-8 text; nullopt when `arg` is not one.
std::optional<std::string> unquote(std::string_view arg);
// A quoted string, or else the bare word as written ("addrA").
std::string string_arg(std::string_view arg);
// An integer written as 0x... or in decimal (an optional leading '-'); nullopt otherwise or
// when it does not fit in 64 bits.
std::optional<std::int64_t> int_arg(std::string_view arg);
// Every integer literal (0x... or decimal) inside `arg`, in order: the members of a set or
// list literal such as {0x1001, 4098} (set() and {} give none).
std::vector<std::string> int_literals(std::string_view arg);
// `keyword "value"`, `keyword="value"` or `keyword=value` -> value; nullopt when `arg` does not
// start with `keyword`.
std::optional<std::string> keyword_arg(std::string_view arg, std::string_view keyword);

}  // namespace sharemsg::conformance
