#include "api_client.hpp"

#include <cctype>
#include <cstdlib>
#include <iostream>

#include "cli_io.hpp"
#include "node/files.hpp"
#include "node/http_client.hpp"

namespace sharemsg::cli {

namespace {

std::string default_datadir() {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : ".") + "/.sharemsg-devnet";
}

std::string read_token(std::string_view cmd, const ApiOptions& o) {
    auto t = try_read_token(o);
    if (!t)
        fail(cmd, "cannot read the API token from " + token_path(o) + ": " + t.error().reason +
                      " (is sharemsgd running with this --datadir?)");
    return *t;
}

}  // namespace

void add_api_options(CLI::App* cmd, ApiOptions& o, bool with_json) {
    cmd->add_option("--api", o.api, "sharemsgd's HTTP API, HOST:PORT")->capture_default_str();
    cmd->add_option("--datadir", o.datadir,
                    "sharemsgd's data directory, for the API token in .cookie (default "
                    "~/.sharemsg-devnet)");
    cmd->add_option("--token-file", o.token_file, "Read the API token from this file instead");
    if (with_json) cmd->add_flag("--json", o.json, "Print the API's JSON answer as it is");
}

std::string token_path(const ApiOptions& o) {
    return !o.token_file.empty() ? o.token_file
                                 : (o.datadir.empty() ? default_datadir() : o.datadir) + "/.cookie";
}

Result<std::string> try_read_token(const ApiOptions& o) {
    auto text = node::read_file(token_path(o));
    if (!text) return text.error();
    std::string t;
    for (char c : *text)
        if (!std::isspace(static_cast<unsigned char>(c))) t.push_back(c);
    return t;
}

nlohmann::ordered_json call(std::string_view cmd, const ApiOptions& o, const std::string& method,
                            const std::string& target, const nlohmann::ordered_json* body,
                            Token token) {
    auto hp = node::parse_host_port(o.api);
    if (!hp) fail(cmd, "--api: " + hp.error().reason);
    node::HttpCall c;
    c.host = hp->first;
    c.port = hp->second;
    c.method = method;
    c.target = target;
    if (body) c.body = body->dump();
    if (token == Token::required) c.bearer_token = read_token(cmd, o);
    if (token == Token::if_readable)
        if (auto t = try_read_token(o)) c.bearer_token = *t;
    auto r = node::http_call(c);
    if (r && r->status == 401 && token == Token::if_readable && !c.bearer_token.empty()) {
        std::cerr << cmd << ": the token in " << token_path(o)
                  << " is not this node's; private messages show as [encrypted]\n";
        c.bearer_token.clear();
        r = node::http_call(c);
    }
    if (!r) fail(cmd, "cannot reach sharemsgd: " + r.error().reason);
    auto j = nlohmann::ordered_json::parse(r->body, nullptr, false);
    if (r->status < 200 || r->status >= 300) {
        std::string msg = "HTTP " + std::to_string(r->status);
        if (j.is_object() && j.contains("error") && j["error"].is_string())
            msg += ": " + j["error"].get<std::string>();
        if (j.is_object() && j.contains("detail") && j["detail"].is_string())
            msg += ": " + j["detail"].get<std::string>();
        fail(cmd, msg);
    }
    if (j.is_discarded()) fail(cmd, "the answer is not JSON");
    return j;
}

std::string str(const nlohmann::ordered_json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "-";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace sharemsg::cli
