// The HTTP API's answers as JSON: the reply type, errors, and the message object, with the
// rule for private text. No Boost and no Node: the routes (http_routes.cpp) and the stream
// (http.cpp) use it; tests/unit/test_node_http_policy.cpp checks the message object directly.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proto/message.hpp"
#include "proto/open_authority.hpp"

namespace sharemsg::node {

struct HttpReply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    unsigned retry_after = 0;  // seconds; sent as Retry-After when not 0 (a 429)
};

HttpReply json_reply(unsigned status, const nlohmann::ordered_json& j);
// {"error": error, "detail": detail}
HttpReply error_reply(unsigned status, std::string_view error, std::string_view detail);

// Whether the caller may read private text: only a request with the node's token.
enum class PrivateText { hidden, shown };

// The API document's message object: the reference's field names, the payload as text
// (bytes that are not UTF-8 replaced), and ours: `private`, `to`.
//
// A private message (one with a recipient) shown with PrivateText::hidden is shown as every
// node without the recipient's or the sender's key shows it: payload ENCRYPTED_PLACEHOLDER
// ("[encrypted]"), and message_hash computed over that payload, which is the hash such a node
// computes and stores. The hash over the plaintext (what /msg/send answered the sender) would
// let anyone confirm a guess of the text, so it is given only with the token.
//
// Every message has `co_signed`; a co-signed (authority) message also has `authority` (the
// name of the configured co-signing authority with its key, null if none is), `authority_key`
// (hex) and `signers` (the authority's signer pubkeys, hex; empty if it is unknown here).
nlohmann::ordered_json message_json(const proto::ShareMessage& m, double now, PrivateText text,
                                    std::span<const proto::open::CosignAuthority> authorities = {});

// One Server-Sent Event: "event: <name>\ndata: <json>\n\n".
std::string sse_event(std::string_view name, const nlohmann::ordered_json& data);

}  // namespace sharemsg::node
