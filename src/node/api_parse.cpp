#include "node/api_parse.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "proto/open_envelope.hpp"
#include "util/bytes.hpp"
#include "util/text.hpp"

namespace sharemsg::node {

namespace {

ApiError bad_request(std::string error, std::string detail) {
    return ApiError{400, std::move(error), std::move(detail)};
}

std::optional<std::uint8_t> send_type(const std::string& t) {
    if (t == "chat") return proto::MSG_MINER_MESSAGE;
    if (t == "announce") return proto::MSG_POOL_ANNOUNCE;
    if (t == "alert") return proto::MSG_EMERGENCY;
    if (t == "status") return proto::MSG_NODE_STATUS;
    return std::nullopt;
}

// A ban's type: a send type, a full or short name, or a number 0..255 in decimal.
std::optional<std::uint8_t> type_of_name(const std::string& t) {
    if (auto s = send_type(t)) return s;
    for (auto x : kAllMessageTypes)
        if (t == proto::type_name(x) || t == proto::type_short_name(x)) return x;
    auto n = parse_int(t);
    if (n && *n >= 0 && *n <= 255) return static_cast<std::uint8_t>(*n);
    return std::nullopt;
}

// The body of a write request: a JSON object, or an error.
std::variant<nlohmann::json, ApiError> json_body(const std::string& body) {
    if (body.empty()) return nlohmann::json::object();
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) return bad_request("bad json", "the request body is not JSON");
    if (!j.is_object()) return bad_request("bad json", "the request body must be an object");
    return j;
}

std::optional<std::string> string_field(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

}  // namespace

std::map<std::string, std::string> parse_query(const std::string& target, std::string& path) {
    std::map<std::string, std::string> out;
    auto q = target.find('?');
    path = target.substr(0, q);
    if (q == std::string::npos) return out;
    std::string rest = target.substr(q + 1);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
        auto amp = rest.find('&', pos);
        std::string kv = rest.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        auto eq = kv.find('=');
        if (!kv.empty()) out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
        if (amp == std::string::npos) break;
        pos = amp + 1;
    }
    return out;
}

std::optional<long long> parse_int(const std::string& s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::size_t i = (s[0] == '-') ? 1 : 0;
    if (i == s.size()) return std::nullopt;
    long long v = 0;
    for (std::size_t k = i; k < s.size(); ++k) {
        if (s[k] < '0' || s[k] > '9') return std::nullopt;
        v = v * 10 + (s[k] - '0');  // at most 18 digits: no overflow
    }
    return i ? -v : v;
}

std::variant<SendRequest, ApiError> parse_send(const std::string& body) {
    auto parsed = json_body(body);
    if (auto* err = std::get_if<ApiError>(&parsed)) return std::move(*err);
    const auto& j = std::get<nlohmann::json>(parsed);
    auto type = string_field(j, "type");
    if (!type)
        return bad_request("invalid type", "\"type\" must be one of chat, announce, alert, status");
    auto t = send_type(*type);
    if (!t)
        return bad_request("invalid type",
                           "unknown type \"" + *type + "\": use chat, announce, alert or status");
    auto text = string_field(j, "text");
    if (!text) return bad_request("missing text", "\"text\" must be a string");
    if (text->empty()) return bad_request("empty text", "\"text\" must not be empty");
    bool fragment = false;
    if (auto f = j.find("fragment"); f != j.end() && !f->is_null()) {
        if (!f->is_boolean())
            return bad_request("bad fragment", "\"fragment\" must be true or false");
        fragment = f->get<bool>();
    }
    if (fragment && text->size() > proto::open::MAX_REASSEMBLED_PAYLOAD)
        return bad_request(
            "text too long",
            std::to_string(text->size()) + " bytes; a fragmented message holds at most " +
                std::to_string(proto::open::MAX_REASSEMBLED_PAYLOAD) + " bytes of UTF-8");
    if (!fragment && text->size() > proto::MAX_MESSAGE_PAYLOAD)
        return bad_request("text too long",
                           std::to_string(text->size()) + " bytes; a message holds at most " +
                               std::to_string(proto::MAX_MESSAGE_PAYLOAD) +
                               " bytes of UTF-8 (up to " +
                               std::to_string(proto::open::MAX_REASSEMBLED_PAYLOAD) +
                               " with \"fragment\": true on an open-profile network)");
    if (!is_valid_utf8(as_bytes(*text)))
        return bad_request("bad text", "\"text\" is not valid UTF-8");
    SendRequest req;
    req.fragment = fragment;
    req.msg_type = *t;
    req.text = std::move(*text);
    if (auto to_it = j.find("to"); to_it != j.end() && !to_it->is_null()) {
        auto to = string_field(j, "to");
        auto id = to ? from_hex_fixed<20>(*to)
                     : Result<ByteArray<20>>(make_error(Errc::bad_encoding, "not a string"));
        if (!id) return bad_request("bad hex", "\"to\" must be a signing id of 40 hex digits");
        req.to = *id;
    }
    return req;
}

std::variant<AuthorityRequest, ApiError> parse_authority(const std::string& body) {
    auto parsed = json_body(body);
    if (auto* err = std::get_if<ApiError>(&parsed)) return std::move(*err);
    const auto& j = std::get<nlohmann::json>(parsed);
    auto uint_field = [&](const char* key, std::uint64_t max) -> std::optional<std::uint64_t> {
        auto it = j.find(key);
        if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
        const auto v = it->get<std::uint64_t>();
        if (v > max) return std::nullopt;
        return v;
    };
    AuthorityRequest req;
    auto type = uint_field("msg_type", 255);
    if (!type || (*type != proto::MSG_EMERGENCY && *type != proto::MSG_TRANSITION_SIGNAL))
        return bad_request("invalid type",
                           "\"msg_type\" must be 16 (EMERGENCY) or 32 (TRANSITION_SIGNAL)");
    req.msg_type = static_cast<std::uint8_t>(*type);
    if (auto it = j.find("flags"); it != j.end() && !it->is_null()) {
        auto f = uint_field("flags", 255);
        if (!f) return bad_request("bad flags", "\"flags\" must be an integer from 0 to 255");
        req.flags = static_cast<std::uint8_t>(*f);
    }
    auto ts = uint_field("timestamp", 0xffffffffu);
    if (!ts) return bad_request("bad timestamp", "\"timestamp\" must be unix seconds (u32)");
    req.timestamp = static_cast<std::uint32_t>(*ts);
    auto text = string_field(j, "text");
    if (!text) return bad_request("missing text", "\"text\" must be a string");
    if (text->empty()) return bad_request("empty text", "\"text\" must not be empty");
    if (text->size() > proto::MAX_MESSAGE_PAYLOAD)
        return bad_request("text too long", std::to_string(text->size()) +
                                                " bytes; an authority message holds at most " +
                                                std::to_string(proto::MAX_MESSAGE_PAYLOAD));
    if (!is_valid_utf8(as_bytes(*text)))
        return bad_request("bad text", "\"text\" is not valid UTF-8");
    req.text = std::move(*text);
    auto key_hex = string_field(j, "authority_key");
    auto key = key_hex ? from_hex_fixed<32>(*key_hex)
                       : Result<ByteArray<32>>(make_error(Errc::bad_encoding, "not a string"));
    if (!key)
        return bad_request("bad hex", "\"authority_key\" must be an x-only key of 64 hex digits");
    req.authority_key = *key;
    auto sig_hex = string_field(j, "signature");
    auto sig = sig_hex ? from_hex_fixed<64>(*sig_hex)
                       : Result<ByteArray<64>>(make_error(Errc::bad_encoding, "not a string"));
    if (!sig)
        return bad_request("bad hex", "\"signature\" must be a BIP340 signature of 128 hex digits");
    req.signature = *sig;
    return req;
}

std::variant<store::Ban, ApiError> parse_ban(const std::string& body) {
    auto parsed = json_body(body);
    if (auto* err = std::get_if<ApiError>(&parsed)) return std::move(*err);
    const auto& j = std::get<nlohmann::json>(parsed);
    static const char* const keys[] = {"signing_id", "address", "word", "type"};
    int given = 0;
    for (auto k : keys)
        given += j.contains(k);
    if (given != 1)
        return bad_request("bad ban", "give exactly one of signing_id, address, word, type");
    if (j.contains("signing_id")) {
        auto v = string_field(j, "signing_id");
        auto id = v ? from_hex_fixed<20>(*v)
                    : Result<ByteArray<20>>(make_error(Errc::bad_encoding, "not a string"));
        if (!id) return bad_request("bad hex", "\"signing_id\" must be 40 hex digits");
        return store::Ban{store::BanKind::signing_id, to_hex(*id)};
    }
    if (j.contains("address")) {
        auto v = string_field(j, "address");
        if (!v || v->empty() || v->size() > 128)
            return bad_request("bad address", "\"address\" must be a non-empty string");
        return store::Ban{store::BanKind::address, std::move(*v)};
    }
    if (j.contains("word")) {
        auto v = string_field(j, "word");
        if (!v || v->empty() || v->size() > proto::MAX_MESSAGE_PAYLOAD ||
            !is_valid_utf8(as_bytes(*v)))
            return bad_request("bad word",
                               "\"word\" must be non-empty UTF-8 text of at most 220 bytes");
        return store::Ban{store::BanKind::keyword, std::move(*v)};
    }
    const auto& type = j.at("type");
    std::optional<std::uint8_t> t;
    if (type.is_string()) t = type_of_name(type.get<std::string>());
    // Only a non-negative integer: get<> of a float or of a negative number would convert.
    if (type.is_number_unsigned() && type.get<std::uint64_t>() <= 255)
        t = static_cast<std::uint8_t>(type.get<std::uint64_t>());
    if (!t) return bad_request("invalid type", "\"type\" must be a message type name or number");
    return store::Ban{store::BanKind::type, std::to_string(*t)};
}

std::variant<RotateRequest, ApiError> parse_rotate(const std::string& body) {
    auto parsed = json_body(body);
    if (auto* err = std::get_if<ApiError>(&parsed)) return std::move(*err);
    const auto& j = std::get<nlohmann::json>(parsed);
    auto wif = string_field(j, "signing_key");
    if (!wif)
        return bad_request("missing signing_key",
                           "\"signing_key\" (a WIF from `sharemsg derive-key` with the next "
                           "index) is required; the node never takes a master key");
    auto idx = j.find("key_index");
    if (idx == j.end() || !idx->is_number_unsigned() || idx->get<std::uint64_t>() > 0xffffffffULL)
        return bad_request("bad key_index",
                           "\"key_index\" must be an integer from 0 to 4294967295");
    RotateRequest req;
    req.signing_key = std::move(*wif);
    req.key_index = static_cast<std::uint32_t>(idx->get<std::uint64_t>());
    if (j.contains("delegation")) {
        auto d = string_field(j, "delegation");
        if (!d) return bad_request("bad delegation", "\"delegation\" must be a hex string");
        req.delegation = std::move(*d);
    }
    return req;
}

}  // namespace sharemsg::node
