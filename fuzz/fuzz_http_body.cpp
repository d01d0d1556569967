// Fuzz target: the HTTP API's parsers of outside bytes (node/api_parse.hpp, the Host and
// Authorization rules of node/http_policy.hpp) and the message object of node/api_json.hpp. The
// input is a request target for parse_query (and each query value, and the input itself, for
// parse_int), a request body for parse_send, parse_ban, parse_rotate, parse_authority and
// parse_musig_start, a Host header for host_name_of, HostAllowList and its flag values, an
// Authorization header for bearer_token, and a private message's payload for message_json.
//
// Host properties: a name found is the header's start, lowercased, followed by nothing or ':'
// and 1 to 5 digits; it is its own name (with or without a port); the default list serves
// exactly localhost, 127.0.0.1 and [::1]; a flag value accepted is served, with any port. A
// bearer token is what follows "bearer " (any case), never empty. A private message without
// the token shows "[encrypted]", with it the payload as text; both dump as JSON.
//
// Properties: parse_query agrees with a second splitter written here (path = up to the first
// '?', last value of a repeated key wins, empty segments skipped); parse_int accepts exactly
// -?[0-9]+ of at most 18 characters, with std::stoll's value. Every ApiError has a 4xx status
// and a non-empty error and detail, both UTF-8 (the reply dumps them as JSON); a body that is
// not a JSON object is "bad json" for all three endpoints alike. What is accepted matches the
// body read by the JSON library directly: a send has one of the four send types and 1..220
// bytes of valid UTF-8 text (1..1600 with "fragment": true, a boolean or null if present),
// and a recipient only from 40 hex digits; a ban has exactly one of
// its four keys and a value of that kind's shape (40 lowercase hex digits, 1..128 bytes of
// address, 1..220 bytes of UTF-8 word, a type number 0..255 in decimal); a rotation's key index
// is the body's unsigned integer and its delegation the body's string (or empty).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "node/api_json.hpp"
#include "node/api_parse.hpp"
#include "node/http_policy.hpp"
#include "node/musig_routes.hpp"
#include "proto/open_envelope.hpp"
#include "util/text.hpp"

using namespace sharemsg;
using node::ApiError;

namespace {

// The query's pairs, split independently of parse_query.
std::map<std::string, std::string> reference_query(std::string_view q) {
    std::map<std::string, std::string> out;
    while (true) {
        const auto amp = q.find('&');
        const std::string_view seg = q.substr(0, amp);
        if (!seg.empty()) {
            const auto eq = seg.find('=');
            if (eq == std::string_view::npos)
                out[std::string(seg)] = "";
            else
                out[std::string(seg.substr(0, eq))] = std::string(seg.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
    }
    return out;
}

void check_int(const std::string& s) {
    const auto v = node::parse_int(s);
    bool shape = !s.empty() && s.size() <= 18;
    const std::size_t first = (shape && s[0] == '-') ? 1 : 0;
    shape = shape && first < s.size();
    for (std::size_t i = first; shape && i < s.size(); ++i)
        shape = s[i] >= '0' && s[i] <= '9';
    FUZZ_CHECK(v.has_value() == shape);
    if (v) FUZZ_CHECK(*v == std::stoll(s));
}

void check_query(const std::string& target) {
    std::string path = "stale";
    const auto q = node::parse_query(target, path);
    const auto mark = target.find('?');
    FUZZ_CHECK(path == target.substr(0, mark));
    if (mark == std::string::npos) {
        FUZZ_CHECK(q.empty());
        return;
    }
    FUZZ_CHECK(q == reference_query(std::string_view(target).substr(mark + 1)));
    for (const auto& [k, v] : q) {
        FUZZ_CHECK(k.find('&') == std::string::npos && k.find('=') == std::string::npos);
        FUZZ_CHECK(v.find('&') == std::string::npos);
        check_int(v);
    }
}

void check_error(const ApiError& e) {
    FUZZ_CHECK(e.status >= 400 && e.status <= 499);
    FUZZ_CHECK(!e.error.empty() && !e.detail.empty());
    FUZZ_CHECK(is_valid_utf8(as_bytes(e.error)) && is_valid_utf8(as_bytes(e.detail)));
    // What http.cpp's error_reply does with it; throws (a crash here) on bad UTF-8.
    const nlohmann::ordered_json reply{{"error", e.error}, {"detail", e.detail}};
    FUZZ_CHECK(!reply.dump().empty());
}

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

bool is_lower_hex(const std::string& s, std::size_t n) {
    if (s.size() != n) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

const std::string* string_at(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

void check_send(const std::optional<nlohmann::json>& j,
                const std::variant<node::SendRequest, ApiError>& r) {
    if (const auto* e = std::get_if<ApiError>(&r)) return check_error(*e);
    FUZZ_CHECK(j.has_value());
    const auto& req = std::get<node::SendRequest>(r);
    FUZZ_CHECK(req.msg_type == proto::MSG_MINER_MESSAGE ||
               req.msg_type == proto::MSG_POOL_ANNOUNCE || req.msg_type == proto::MSG_EMERGENCY ||
               req.msg_type == proto::MSG_NODE_STATUS);
    // "fragment": true (and only a JSON true) allows up to 1600 bytes.
    auto fragment = j->find("fragment");
    FUZZ_CHECK(req.fragment ==
               (fragment != j->end() && fragment->is_boolean() && fragment->get<bool>()));
    FUZZ_CHECK(fragment == j->end() || fragment->is_boolean() || fragment->is_null());
    FUZZ_CHECK(!req.text.empty() &&
               req.text.size() <= (req.fragment ? proto::open::MAX_REASSEMBLED_PAYLOAD
                                                : proto::MAX_MESSAGE_PAYLOAD));
    FUZZ_CHECK(is_valid_utf8(as_bytes(req.text)));
    const auto* text = string_at(*j, "text");
    FUZZ_CHECK(text && *text == req.text);
    FUZZ_CHECK(string_at(*j, "type") != nullptr);
    auto to = j->find("to");
    if (req.to) {
        const auto* hex = string_at(*j, "to");
        FUZZ_CHECK(hex && lower(*hex) == to_hex(*req.to));
    } else {
        FUZZ_CHECK(to == j->end() || to->is_null());
    }
}

void check_ban(const std::optional<nlohmann::json>& j,
               const std::variant<store::Ban, ApiError>& r) {
    if (const auto* e = std::get_if<ApiError>(&r)) return check_error(*e);
    FUZZ_CHECK(j.has_value());
    const auto& ban = std::get<store::Ban>(r);
    int given = 0;
    for (const char* k : {"signing_id", "address", "word", "type"})
        given += j->contains(k);
    FUZZ_CHECK(given == 1);
    switch (ban.kind) {
        case store::BanKind::signing_id: {
            FUZZ_CHECK(is_lower_hex(ban.value, 40));
            const auto* v = string_at(*j, "signing_id");
            FUZZ_CHECK(v && lower(*v) == ban.value);
            break;
        }
        case store::BanKind::address: {
            FUZZ_CHECK(!ban.value.empty() && ban.value.size() <= 128);
            const auto* v = string_at(*j, "address");
            FUZZ_CHECK(v && *v == ban.value);
            break;
        }
        case store::BanKind::keyword: {
            FUZZ_CHECK(!ban.value.empty() && ban.value.size() <= proto::MAX_MESSAGE_PAYLOAD);
            FUZZ_CHECK(is_valid_utf8(as_bytes(ban.value)));
            const auto* v = string_at(*j, "word");
            FUZZ_CHECK(v && *v == ban.value);
            break;
        }
        case store::BanKind::type: {
            FUZZ_CHECK(j->contains("type"));
            const auto n = node::parse_int(ban.value);
            FUZZ_CHECK(n && *n >= 0 && *n <= 255 && std::to_string(*n) == ban.value);
            const auto& t = j->at("type");
            FUZZ_CHECK(t.is_string() || t.is_number_unsigned());
            if (t.is_number_unsigned()) FUZZ_CHECK(t.get<std::uint64_t>() == std::uint64_t(*n));
            break;
        }
    }
}

void check_rotate(const std::optional<nlohmann::json>& j,
                  const std::variant<node::RotateRequest, ApiError>& r) {
    if (const auto* e = std::get_if<ApiError>(&r)) return check_error(*e);
    FUZZ_CHECK(j.has_value());
    const auto& req = std::get<node::RotateRequest>(r);
    const auto* key = string_at(*j, "signing_key");
    FUZZ_CHECK(key && *key == req.signing_key);
    const auto idx = j->find("key_index");
    FUZZ_CHECK(idx != j->end() && idx->is_number_unsigned());
    FUZZ_CHECK(idx->get<std::uint64_t>() == req.key_index);
    if (j->contains("delegation")) {
        const auto* d = string_at(*j, "delegation");
        FUZZ_CHECK(d && *d == req.delegation);
    } else {
        FUZZ_CHECK(req.delegation.empty());
    }
}

void check_host(const std::string& h) {
    const auto name = node::host_name_of(h);
    const node::HostAllowList loopback;
    const bool is_loopback =
        name && (*name == "localhost" || *name == "127.0.0.1" || *name == "[::1]");
    FUZZ_CHECK(loopback.allows(std::string_view(h)) == is_loopback);
    if (name) {
        FUZZ_CHECK(!name->empty() && *name == lower(*name));
        FUZZ_CHECK(lower(h).rfind(*name, 0) == 0);
        const std::string rest = h.substr(name->size());
        if (!rest.empty()) {
            FUZZ_CHECK(rest[0] == ':' && rest.size() >= 2 && rest.size() <= 6);
            for (std::size_t i = 1; i < rest.size(); ++i)
                FUZZ_CHECK(rest[i] >= '0' && rest[i] <= '9');
        }
        FUZZ_CHECK(node::host_name_of(*name) == name);
        FUZZ_CHECK(node::host_name_of(*name + ":80") == name);
    }
    if (auto v = node::HostAllowList::normalize(h)) {
        FUZZ_CHECK(node::host_name_of(*v) == *v);
        const node::HostAllowList more({*v});
        FUZZ_CHECK(more.allows(std::string_view(*v)) && more.allows(*v + ":19437"));
    } else {
        FUZZ_CHECK(v.error().code == Errc::invalid_argument);
    }
    const auto token = node::bearer_token(h);
    FUZZ_CHECK(token.has_value() == (h.size() > 7 && lower(h.substr(0, 7)) == "bearer "));
    if (token) FUZZ_CHECK(*token == std::string_view(h).substr(7));
}

void check_private(const std::string& payload) {
    auto m = proto::ShareMessage::make(proto::MSG_MINER_MESSAGE, as_bytes(payload),
                                       proto::FLAG_HAS_SIGNATURE | proto::open::FLAG_PRIVATE, 1);
    m.recipient = proto::SigningId{};
    const auto hidden = node::message_json(m, 2, node::PrivateText::hidden);
    const auto shown = node::message_json(m, 2, node::PrivateText::shown);
    FUZZ_CHECK(hidden["payload"] == "[encrypted]");
    FUZZ_CHECK(shown["payload"] == utf8_lossy(as_bytes(payload)));
    FUZZ_CHECK(!node::sse_event("message", hidden).empty());
    FUZZ_CHECK(!node::sse_event("message", shown).empty());
}

// The error of a body that is not a JSON object, if it is one: the same for every endpoint.
// /msg/authority's body: a refusal is an ApiError as above; what is accepted came from a JSON
// object.
void check_authority(const std::optional<nlohmann::json>& j,
                     const std::variant<node::AuthorityRequest, ApiError>& r) {
    if (const auto* e = std::get_if<ApiError>(&r)) return check_error(*e);
    FUZZ_CHECK(j.has_value());
}

// /musig/start's body: a refusal is a 4xx with a name and a detail; what is accepted came from a
// JSON object and is within the session format's bounds, its hex fields the body's bytes.
void check_musig_start(const std::optional<nlohmann::json>& j, const std::string& text) {
    const auto r = node::parse_musig_start(text);
    if (const auto* e = std::get_if<node::MusigRequestError>(&r)) {
        FUZZ_CHECK(e->status >= 400 && e->status < 500);
        FUZZ_CHECK(!e->error.empty() && !e->detail.empty());
        return;
    }
    FUZZ_CHECK(j.has_value() && !text.empty());
    const auto& s = std::get<node::MusigStartRequest>(r);
    FUZZ_CHECK(s.signers.size() >= musig::MIN_SIGNERS && s.signers.size() <= musig::MAX_SIGNERS);
    for (const auto& k : s.signers)
        FUZZ_CHECK(crypto::parse_pubkey(k).ok());
    FUZZ_CHECK(!s.message.empty() && s.message.size() <= musig::MAX_MESSAGE);
    FUZZ_CHECK(s.context.size() <= musig::MAX_CONTEXT);
    FUZZ_CHECK(s.expires_in >= 1 && s.expires_in <= musig::MAX_SESSION_LIFETIME);
    const auto* m = string_at(*j, "message");
    FUZZ_CHECK(m && from_hex(*m).ok() && *from_hex(*m) == s.message);
}

template <class T>
std::optional<std::string> json_error(const std::variant<T, ApiError>& r) {
    const auto* e = std::get_if<ApiError>(&r);
    if (e && e->error == "bad json") return e->detail;
    return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);

    check_query(text);
    check_int(text);
    check_host(text);
    if (text.size() <= proto::open::MAX_REASSEMBLED_PAYLOAD) check_private(text);

    // The body as the JSON library reads it: an object, or nothing (an empty body is {}).
    std::optional<nlohmann::json> j;
    if (text.empty()) {
        j = nlohmann::json::object();
    } else {
        auto parsed = nlohmann::json::parse(text, nullptr, false);
        if (!parsed.is_discarded() && parsed.is_object()) j = std::move(parsed);
    }
    const auto send = node::parse_send(text);
    const auto ban = node::parse_ban(text);
    const auto rotate = node::parse_rotate(text);
    check_send(j, send);
    check_ban(j, ban);
    check_rotate(j, rotate);
    check_authority(j, node::parse_authority(text));
    check_musig_start(j, text);

    const auto e1 = json_error(send);
    const auto e2 = json_error(ban);
    const auto e3 = json_error(rotate);
    FUZZ_CHECK(e1 == e2 && e2 == e3);
    FUZZ_CHECK(e1.has_value() == !j.has_value());
    return 0;
}
