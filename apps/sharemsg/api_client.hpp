// The `sharemsg` commands that talk to a running sharemsgd over HTTP (cmd_api.cpp, cmd_mail.cpp):
// where the node is, where its API token is, and one call with the API's errors reported.
#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "util/result.hpp"

namespace sharemsg::cli {

struct ApiOptions {
    std::string api = "127.0.0.1:19437";
    std::string datadir;
    std::string token_file;
    bool json = false;
};

// Adds --api, --datadir, --token-file and (with_json) --json to a command.
void add_api_options(CLI::App* cmd, ApiOptions& o, bool with_json = true);

// Where the token is read from: --token-file, else DATADIR/.cookie (default ~/.sharemsg-devnet).
std::string token_path(const ApiOptions& o);
Result<std::string> try_read_token(const ApiOptions& o);

// Whether a call sends the token: never, always (it fails without one), or when the cookie can
// be read (reads: the node shows private text only with the token; without it, or with a token
// the node refuses, the call is made without and private text shows as "[encrypted]").
enum class Token { none, required, if_readable };

// Calls the API; fails (CLI::RuntimeError, exit code 1) with the API's error and detail on a
// non-2xx answer, "HTTP <status>: <error>: <detail>".
nlohmann::ordered_json call(std::string_view cmd, const ApiOptions& o, const std::string& method,
                            const std::string& target, const nlohmann::ordered_json* body,
                            Token token);

// A field of an answer as text: "-" when absent or null, strings as they are, others as JSON.
std::string str(const nlohmann::ordered_json& j, const char* key);

}  // namespace sharemsg::cli
