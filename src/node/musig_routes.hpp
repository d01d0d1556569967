// The /musig endpoints (docs/api.md, "MuSig2 sessions"): the node's signing sessions, through
// its MusigService (node/musig_service.hpp). Every one needs the API token. A node without
// sessions (no --musig, or no mail client) answers each with 404 {"error": "not_enabled"}.
//
//   POST /musig/start          {"signers": [66 hex, ...], "message": hex, "context": hex?,
//                               "expires_in": seconds?, "join": bool?} -> {"session": view}
//                              or, to co-sign an authority message, "alert": {"msg_type",
//                              "text", "timestamp"?, "flags"?} in place of message and context
//   POST /musig/join/<id>      draws our nonce and sends it -> {"session": view}
//   POST /musig/cancel/<id>    aborts the session and tells the others -> {"session": view}
//   GET  /musig/sessions       -> {"sessions": [view, ...]}
//   GET  /musig/session/<id>   -> view
//   GET  /musig/status         -> {"pubkey", "sessions", "frames_in", ...}
//
// The request parsing and the JSON are functions of their inputs alone, so that they can be
// checked without a node; the handlers post the coordinator's part to the service's worker and
// answer from there.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "musig/coordinator.hpp"
#include "node/http_routes.hpp"
#include "node/musig_service.hpp"
#include "proto/open_authority.hpp"

namespace sharemsg::node {

// The default life of a session started through the API, in seconds (at most
// musig::MAX_SESSION_LIFETIME).
inline constexpr std::uint64_t kMusigDefaultExpiresIn = 600;

// What a view needs to show the authority message a session signs: the node's network and its
// co-signing authorities (both live as long as the node), and what the node did with the
// signed message (null: nothing to show).
struct MusigAlertLens {
    proto::open::NetworkId network_id{};
    std::span<const proto::open::CosignAuthority> authorities;
    const MusigPublications* publications = nullptr;
};

// {"id", "phase", "signers", "creator_index", "own_index", "created", "expiry", "message",
//  "context", "aggregate_key", "nonces" (per signer: its nonce is in), "partials", "joined",
//  "signature" (hex or null), "abort" (null or {"reason", "blamed", "blamed_pubkey",
//  "aborted_by"}), "alert" (null, or the authority message the session signs, checked against
//  its message: {"msg_type", "type", "flags", "timestamp", "text", "authority" (its name, or
//  null when it is no authority of this node)}), "publication" (null, or what this node did
//  with the signed message: {"queued": true, "message_hash"} or {"queued": false, "error",
//  "detail"})}
nlohmann::ordered_json musig_view_json(const musig::SessionView& v, const MusigAlertLens& lens);
nlohmann::ordered_json musig_stats_json(const MusigStats& s, const crypto::CompressedPubKey& me);

// The HTTP status and error name of a coordinator refusal.
unsigned musig_refusal_status(musig::Problem p) noexcept;

// An authority message to co-sign (docs/musig.md, "Co-signing an alert").
struct MusigAlertRequest {
    std::uint8_t msg_type = 0;               // EMERGENCY 16 or TRANSITION_SIGNAL 32
    std::uint8_t flags = 0x0f;               // as on the wire
    std::optional<std::uint32_t> timestamp;  // default: the node's clock
    std::string text;
};

struct MusigStartRequest {
    std::vector<musig::PlainPubKey> signers;
    Bytes message;  // empty when `alert` is given
    Bytes context;
    std::optional<MusigAlertRequest> alert;
    std::uint64_t expires_in = kMusigDefaultExpiresIn;
    bool join = true;
};
struct MusigRequestError {
    unsigned status = 400;
    std::string error;
    std::string detail;
};
std::variant<MusigStartRequest, MusigRequestError> parse_musig_start(const std::string& body);
// A session id: 64 hex digits.
std::optional<musig::SessionId> parse_session_id(std::string_view hex);

void post_musig_start(const RouteCall& c, const ReplyFn& done);
void post_musig_join(const RouteCall& c, const ReplyFn& done);
void post_musig_cancel(const RouteCall& c, const ReplyFn& done);
void get_musig_sessions(const RouteCall& c, const ReplyFn& done);
void get_musig_session(const RouteCall& c, const ReplyFn& done);
void get_musig_status(const RouteCall& c, const ReplyFn& done);

}  // namespace sharemsg::node
