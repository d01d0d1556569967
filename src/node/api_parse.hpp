// The HTTP API's parsing of outside bytes: query strings and the JSON bodies of the write
// endpoints (POST /msg/send, POST|DELETE /msg/ban, POST /msg/rotate_key).
//
// Pure functions, with no Boost and no Node: http.cpp calls them and maps an ApiError to its
// error reply ({"error": error, "detail": detail} with the status); the unit tests
// (tests/unit/test_node_api_parse.cpp) and the libFuzzer target fuzz/fuzz_http_body.cpp call
// them directly. An ApiError always has a 4xx status and a non-empty error and detail.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "proto/constants.hpp"
#include "proto/signing_key.hpp"
#include "store/ops.hpp"

namespace sharemsg::node {

// POST /msg/send, validated: a type the API may send, 1..220 bytes of UTF-8 (up to 1600 with
// `fragment`), an optional recipient (private message).
struct SendRequest {
    std::uint8_t msg_type = 0;
    std::string text;
    std::optional<proto::SigningId> to;
    // Opt-in: a text longer than one message may be split into fragments (open profile).
    bool fragment = false;
};

// POST /msg/rotate_key, validated for shape only (the node checks the key and delegation).
struct RotateRequest {
    std::string signing_key;  // WIF
    std::uint32_t key_index = 0;
    std::string delegation;  // hex, may be empty
};

// POST /msg/authority, validated for shape (the node checks the authority and signature):
// an authority message co-signed elsewhere (docs/protocol.md §5.2).
struct AuthorityRequest {
    std::uint8_t msg_type = 0;  // 0x10 EMERGENCY or 0x20 TRANSITION_SIGNAL
    std::uint8_t flags = 0x0f;  // the wire flags the signature covers
    std::uint32_t timestamp = 0;
    std::string text;  // the payload, UTF-8, 1..220 bytes
    ByteArray<32> authority_key{};
    ByteArray<64> signature{};
};

// A request the API refuses before it reaches the node.
struct ApiError {
    unsigned status = 400;
    std::string error;   // short, stable: tests and clients match on it
    std::string detail;  // for people
};

// Every message type the API names (stats, activity, bans).
inline constexpr std::uint8_t kAllMessageTypes[] = {
    proto::MSG_NODE_STATUS,      proto::MSG_MINER_MESSAGE, proto::MSG_POOL_ANNOUNCE,
    proto::MSG_VERSION_SIGNAL,   proto::MSG_MERGED_STATUS, proto::MSG_EMERGENCY,
    proto::MSG_TRANSITION_SIGNAL};

// Splits a request target at the first '?': `path` gets what comes before it, the result the
// query's key=value pairs (split at '&', then at the first '='). No percent-decoding. Empty
// segments are skipped; a segment without '=' has the value ""; "=v" has the key ""; a
// repeated key keeps its last value.
std::map<std::string, std::string> parse_query(const std::string& target, std::string& path);

// A decimal integer with an optional leading '-', at most 18 characters in all (so it always
// fits a long long); anything else (empty, '+', spaces, a fraction) is nullopt.
std::optional<long long> parse_int(const std::string& s);

// The body of POST /msg/send: {"type": "chat"|"announce"|"alert"|"status", "text": "...",
// "to": null | "<40 hex digits>", "fragment": false | true}. An empty body is an empty object.
std::variant<SendRequest, ApiError> parse_send(const std::string& body);

// The body of POST /msg/authority: {"msg_type": 16 | 32, "flags": 0..255 (optional, default
// 15: authority, signed, broadcast, persistent), "timestamp": unix seconds, "text": "...",
// "authority_key": "<64 hex digits>", "signature": "<128 hex digits>"}.
std::variant<AuthorityRequest, ApiError> parse_authority(const std::string& body);

// The body of POST|DELETE /msg/ban: exactly one of {"signing_id": "<40 hex>"},
// {"address": "..."}, {"word": "..."}, {"type": name | short name | number 0..255}. A type
// ban's value is the type number in decimal; a signing id is lowercased.
std::variant<store::Ban, ApiError> parse_ban(const std::string& body);

// The body of POST /msg/rotate_key: {"signing_key": WIF, "key_index": 0..4294967295,
// "delegation": hex string (optional)}.
std::variant<RotateRequest, ApiError> parse_rotate(const std::string& body);

}  // namespace sharemsg::node
