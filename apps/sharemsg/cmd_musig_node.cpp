// sharemsg musig start|join|cancel|sessions|session|status: the MuSig2 signing sessions of a
// running `sharemsgd --musig`, through its /musig endpoints (docs/api.md, "MuSig2 sessions").
// Every one needs the node's API token (DATADIR/.cookie, or --token-file), and prints a short
// summary of the node's answer, or the answer itself with --json. An error of the API is
// printed with its name and detail, exit status 1; a malformed session ID is refused before
// any call, exit status 2.
//
// The node signs with its own key; the session's secret nonce lives in the node's memory only.
// Signers are numbered from 0 in KeyAgg order, as in the API's JSON.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "musig_args.hpp"

namespace sharemsg::cli {

namespace {

using J = nlohmann::ordered_json;

constexpr const char* kGroup = "Sessions on a running node (sharemsgd --musig)";
constexpr const char* kExitStatus =
    "Exit status: 0 success; 1 the node refused (printed as HTTP <status>: <error>: <detail>), "
    "or cannot be reached, or the token cannot be read; 2 a malformed ID.";

// The ID argument: 64 hex digits (exit status 2 otherwise), lowercase as the node prints ids.
std::string session_id_arg(std::string_view cmd, const std::string& text) {
    return to_hex(parse_hex_exact(cmd, "ID", text, 32));
}

// The answer's session view: {"session": view} (start, join, cancel) or the view itself.
const J& view_of(const J& answer) {
    const auto it = answer.find("session");
    return it != answer.end() && it->is_object() ? *it : answer;
}

bool is_true(const J& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

bool flag_at(const J& view, const char* key, std::size_t i) {
    const auto it = view.find(key);
    return it != view.end() && it->is_array() && i < it->size() && (*it)[i].is_boolean() &&
           (*it)[i].get<bool>();
}

std::size_t count_true(const J& view, const char* key) {
    std::size_t n = 0;
    const auto it = view.find(key);
    if (it != view.end() && it->is_array())
        for (const auto& b : *it)
            if (b.is_boolean() && b.get<bool>()) ++n;
    return n;
}

std::size_t signer_count(const J& view) {
    const auto it = view.find("signers");
    return it != view.end() && it->is_array() ? it->size() : 0;
}

std::optional<std::uint64_t> index_of(const J& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<std::uint64_t>();
}

std::string when(const J& view, const char* key) {
    const auto t = index_of(view, key);
    if (!t) return "-";
    if (*t > std::numeric_limits<std::uint32_t>::max()) return std::to_string(*t);
    return format_utc(static_cast<std::uint32_t>(*t));
}

// "bad_partial_sig, blamed: signer 1 (03...), sent by signer 1".
std::string abort_summary(const J& abort) {
    std::string s = str(abort, "reason");
    if (const auto blamed = index_of(abort, "blamed"))
        s += ", blamed: signer " + std::to_string(*blamed) + " (" + str(abort, "blamed_pubkey") +
             ")";
    if (const auto by = index_of(abort, "aborted_by"))
        s += ", aborted by signer " + std::to_string(*by);
    return s;
}

// One line of `sessions`.
void print_session_line(const J& v) {
    const std::size_t n = signer_count(v);
    std::cout << str(v, "id") << "  " << str(v, "phase") << "  nonces " << count_true(v, "nonces")
              << "/" << n << "  partials " << count_true(v, "partials") << "/" << n << "  "
              << (is_true(v, "joined") ? "joined" : "not joined");
    if (const auto it = v.find("abort"); it != v.end() && it->is_object())
        std::cout << "  (" << abort_summary(*it) << ")";
    std::cout << "\n";
}

// A session in full.
void print_session(const J& v) {
    const auto own = index_of(v, "own_index");
    const auto creator = index_of(v, "creator_index");
    std::cout << "session    " << str(v, "id") << "\n"
              << "phase      " << str(v, "phase") << "\n";
    std::cout << "signers    " << signer_count(v) << ", in KeyAgg order (nonce, partial)\n";
    const auto signers = v.find("signers");
    for (std::size_t i = 0; i < signer_count(v); ++i) {
        const auto& k = (*signers)[i];
        std::cout << "  " << i << "  " << (k.is_string() ? k.get<std::string>() : k.dump()) << "  "
                  << (flag_at(v, "nonces", i) ? "nonce  " : "-      ")
                  << (flag_at(v, "partials", i) ? "partial" : "-      ");
        if (creator && *creator == i) std::cout << "  creator";
        if (own && *own == i) std::cout << "  this node";
        std::cout << "\n";
    }
    std::cout << "joined     " << (is_true(v, "joined") ? "yes" : "no") << "\n"
              << "message    " << str(v, "message") << "\n";
    if (const auto c = str(v, "context"); !c.empty()) std::cout << "context    " << c << "\n";
    if (const auto it = v.find("alert"); it != v.end() && it->is_object()) {
        const auto& a = *it;
        const auto auth = a.find("authority");
        std::cout << "alert      " << str(a, "type") << " \"" << str(a, "text") << "\" at "
                  << when(a, "timestamp") << ", by "
                  << (auth != a.end() && auth->is_string()
                          ? auth->get<std::string>()
                          : std::string("no authority of this node"))
                  << " (the message is its authority sighash)\n";
    }
    std::cout << "aggregate  " << str(v, "aggregate_key") << " (x-only key)\n"
              << "created    " << when(v, "created") << ", expires " << when(v, "expiry") << "\n";
    if (const auto it = v.find("signature"); it != v.end() && it->is_string())
        std::cout << "signature  " << it->get<std::string>() << "\n";
    if (const auto it = v.find("publication"); it != v.end() && it->is_object()) {
        if (is_true(*it, "queued"))
            std::cout << "published  queued as message " << str(*it, "message_hash") << "\n";
        else
            std::cout << "published  no: " << str(*it, "error") << " (" << str(*it, "detail")
                      << ")\n";
    }
    if (const auto it = v.find("abort"); it != v.end() && it->is_object())
        std::cout << "aborted    " << abort_summary(*it) << "\n";
}

void print_or_json(const ApiOptions& o, const J& answer) {
    if (o.json) {
        std::cout << answer.dump() << "\n";
        return;
    }
    print_session(view_of(answer));
}

struct StartOptions {
    ApiOptions api;
    std::vector<std::string> signers;
    std::string message;
    std::string context;
    std::string alert;  // "emergency" or "transition"
    std::string alert_text;
    std::uint32_t alert_timestamp = 0;
    std::uint64_t expires_in = 0;
    bool no_join = false;
};

// The "alert" of a start request (docs/musig.md, "Co-signing an alert").
J alert_body(const StartOptions& o, bool timestamp_given) {
    J a;
    a["msg_type"] = o.alert == "emergency" ? 16 : 32;
    a["text"] = o.alert_text;
    if (timestamp_given) a["timestamp"] = o.alert_timestamp;
    return a;
}

void add_start(CLI::App* musig) {
    auto* cmd = musig->add_subcommand(
        "start",
        "Start a signing session on the node: it announces the session to the other signers "
        "(by mail) and, unless --no-join, joins it at once (draws and sends its nonce).");
    auto o = std::make_shared<StartOptions>();
    add_api_options(cmd, o->api);
    cmd->add_option("--signers", o->signers,
                    "Every signer's signing pubkey (66 hex digits each), this node's among them, "
                    "separated by commas, in KeyAgg order: the node aggregates them in the order "
                    "given, it does not sort them")
        ->delimiter(',')
        ->required();
    auto* message = cmd->add_option("--message", o->message,
                                    "The message to sign, hex of 1 to 1024 bytes (BIP327 signs "
                                    "it as it is; `musig verify` takes 32 bytes, a digest such "
                                    "as a sighash)");
    auto* context =
        cmd->add_option("--context", o->context,
                        "What the message means to the signers, hex of up to 1024 bytes; "
                        "announced with it and covered by the creator's signature, not signed "
                        "by MuSig2");
    auto* alert =
        cmd->add_option("--alert", o->alert,
                        "Co-sign an authority message of this type instead of a --message: the "
                        "signers must be a --cosign-authority of the node (in any order), the "
                        "session signs the message's authority sighash, and when it completes "
                        "this node queues the co-signed message")
            ->check(CLI::IsMember({"emergency", "transition"}))
            ->excludes(message)
            ->excludes(context);
    auto* alert_text =
        cmd->add_option("--alert-text", o->alert_text, "The authority message's text (UTF-8)")
            ->needs(alert);
    auto* alert_time = cmd->add_option("--alert-timestamp", o->alert_timestamp,
                                       "The authority message's time (unix seconds; default: "
                                       "the node's clock)")
                           ->needs(alert);
    alert->needs(alert_text);
    auto* expires = cmd->add_option("--expires-in", o->expires_in,
                                    "The session expires this many seconds from now (1 to 7200; "
                                    "the node's default: 600)");
    cmd->add_flag("--no-join", o->no_join,
                  "Announce the session without joining it; join later with `musig join ID`");
    cmd->footer(
        "The order of --signers is the aggregation (KeyAgg) order, and with it the aggregate "
        "key: it is used as given, never sorted. `sharemsg musig keyagg PUB...` sorts by default "
        "(KeySort) and prints the keys in sorted order, the order the offline commands use "
        "unless --no-sort: give that list here to get the same aggregate key. With --alert the "
        "node puts the signers in the authority's (KeySort) order. Prints the "
        "session (its ID first); the other signers see it in `musig sessions` and take part "
        "with `musig join ID`. " +
        std::string(kExitStatus));
    cmd->group(kGroup);
    cmd->callback([o, expires, message, alert, alert_time] {
        if (message->count() == 0 && alert->count() == 0)
            fail("musig start", "give --message HEX, or --alert TYPE with --alert-text TEXT",
                 kExitUsage);
        J body;
        J signers = J::array();
        for (const auto& s : o->signers)
            signers.push_back(s);
        body["signers"] = std::move(signers);
        if (alert->count() > 0) {
            body["alert"] = alert_body(*o, alert_time->count() > 0);
        } else {
            body["message"] = o->message;
            if (!o->context.empty()) body["context"] = o->context;
        }
        if (expires->count() > 0) body["expires_in"] = o->expires_in;
        if (o->no_join) body["join"] = false;
        const auto j = call("musig start", o->api, "POST", "/musig/start", &body, Token::required);
        print_or_json(o->api, j);
        if (o->api.json) return;
        const auto id = str(view_of(j), "id");
        std::cout << "\nThe other signers take part with: sharemsg musig join " << id << "\n";
        if (o->no_join) std::cout << "This node too: it has not joined.\n";
    });
}

// join ID, cancel ID, session ID: one id, one call.
void add_with_id(CLI::App* musig, const char* name, const char* help, const char* method,
                 const std::string& path) {
    auto* cmd = musig->add_subcommand(name, help);
    auto o = std::make_shared<ApiOptions>();
    auto id = std::make_shared<std::string>();
    add_api_options(cmd, *o);
    cmd->add_option("ID", *id, "The session's id, 64 hex digits")->required();
    cmd->footer(kExitStatus);
    cmd->group(kGroup);
    const std::string cmd_name = std::string("musig ") + name;
    cmd->callback([o, id, cmd_name, method, path] {
        const auto hex = session_id_arg(cmd_name, *id);
        print_or_json(*o, call(cmd_name, *o, method, path + hex, nullptr, Token::required));
    });
}

// sessions, status: one GET, printed as JSON with --json, else by `summary`.
void add_get(CLI::App* musig, const char* name, const char* help, const std::string& path,
             std::function<void(const J&)> summary) {
    auto* cmd = musig->add_subcommand(name, help);
    auto o = std::make_shared<ApiOptions>();
    add_api_options(cmd, *o);
    cmd->footer(kExitStatus);
    cmd->group(kGroup);
    const std::string cmd_name = std::string("musig ") + name;
    cmd->callback([o, cmd_name, path, summary] {
        const auto j = call(cmd_name, *o, "GET", path, nullptr, Token::required);
        if (o->json)
            std::cout << j.dump() << "\n";
        else
            summary(j);
    });
}

void print_sessions(const J& j) {
    const auto it = j.find("sessions");
    if (it == j.end() || !it->is_array() || it->empty()) {
        std::cout << "no sessions\n";
        return;
    }
    for (const auto& v : *it)
        print_session_line(v);
}

void print_status(const J& j) {
    for (const auto& [key, value] : j.items()) {
        std::string k = key;
        k.resize(std::max<std::size_t>(k.size() + 1, 16), ' ');
        std::cout << k << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
    }
}

}  // namespace

void add_musig_node_commands(CLI::App& musig) {
    add_start(&musig);
    add_with_id(&musig, "join",
                "Join a session announced to the node: it draws its nonce (kept in its memory "
                "only), sends it, and signs once every nonce is in",
                "POST", "/musig/join/");
    add_with_id(&musig, "cancel",
                "Abort a session on the node and tell the other signers (phase aborted, reason "
                "cancelled)",
                "POST", "/musig/cancel/");
    add_get(&musig, "sessions",
            "List the node's signing sessions: those it started and those announced to it",
            "/musig/sessions", print_sessions);
    add_with_id(&musig, "session",
                "Show one session: its phase, who has sent a nonce and a partial signature, and "
                "the signature or why it was aborted (the blamed signer)",
                "GET", "/musig/session/");
    add_get(&musig, "status",
            "Show the node's signing key and its sessions' counters (frames, outcomes)",
            "/musig/status", print_status);
}

}  // namespace sharemsg::cli
