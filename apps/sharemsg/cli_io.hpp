// Shared plumbing of the `sharemsg` subcommands: reporting failures, reading secrets and
// blobs from files or standard input, choosing the authority set, writing files safely.
#pragma once

#include "node/files.hpp"  // write_file_atomic

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "proto/authority.hpp"
#include "util/bytes.hpp"

namespace sharemsg::cli {

using node::write_file_atomic;

// Prints "sharemsg <command>: <message>" to stderr and throws CLI::RuntimeError(code).
[[noreturn]] void fail(std::string_view command, const std::string& message, int code = 1);

// A secret read from a file or standard input, held in a fixed buffer that is wiped on
// destruction (no reallocation ever leaves an unwiped copy behind).
class SecretText {
  public:
    static constexpr std::size_t kCapacity = 4096;
    SecretText() : buf_(kCapacity, '\0') {}
    ~SecretText();
    SecretText(const SecretText&) = delete;
    SecretText& operator=(const SecretText&) = delete;
    SecretText(SecretText&&) = default;

    // The content with leading and trailing whitespace removed.
    std::string_view view() const;

  private:
    friend Result<SecretText> read_secret(const std::string& source, std::string_view prompt);
    std::vector<char> buf_;
    std::size_t len_ = 0;
};

// Reads a secret from `source`: "-" is standard input (with echo off and `prompt` on stderr
// when it is a terminal; one line is read), anything else a file path (a warning goes to
// stderr when the file is readable by group or others). More than 4095 bytes is an error.
Result<SecretText> read_secret(const std::string& source, std::string_view prompt);

// Wipes a std::string's characters (for copies of secrets that had to be strings).
void wipe_string(std::string& s);

// A message_data argument: hex text, "@PATH" for a file holding hex, or "@-" for standard
// input. All whitespace is removed before decoding.
Result<Bytes> read_blob_arg(const std::string& arg);

// "real" (the deployed network's keys) or "test" (the vector file's test keys).
const proto::AuthoritySet& authority_set(const std::string& name);
// Adds `--authorities real|test` to a command.
void add_authorities_option(CLI::App* cmd, std::string& target);

// Strict unsigned 32-bit integer: decimal digits only, no sign, at most 4294967295.
std::optional<std::uint32_t> parse_u32(std::string_view s);

// "2026-02-24 11:03:03 UTC".
std::string format_utc(std::uint32_t unix_time);

}  // namespace sharemsg::cli
