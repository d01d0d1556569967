// The /musig endpoints (docs/api.md, "MuSig2 sessions").
#include "node/musig_routes.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "musig/keyagg.hpp"
#include "node/api_json.hpp"
#include "node/api_parse.hpp"
#include "node/node.hpp"
#include "proto/constants.hpp"
#include "util/bytes.hpp"
#include "util/text.hpp"

namespace sharemsg::node {

namespace {

using J = nlohmann::ordered_json;

HttpReply not_enabled() {
    return error_reply(404, "not_enabled",
                       "this node has no signing sessions: start it with --musig, a mail client "
                       "(--mailbox-url) and a signing key with its delegation");
}

HttpReply busy() {
    return error_reply(503, "busy", "the signing sessions' queue is full; try again");
}

MusigRequestError bad(std::string error, std::string detail) {
    return MusigRequestError{400, std::move(error), std::move(detail)};
}

HttpReply refusal_reply(const musig::Refusal& r) {
    return error_reply(musig_refusal_status(r.problem), musig::problem_name(r.problem),
                       r.to_string());
}

HttpReply session_reply(const musig::Coordinator& c, const musig::SessionId& id,
                        const MusigAlertLens& lens) {
    auto v = c.get(id);
    if (!v) return error_reply(404, "unknown_session", "no session " + to_hex(id) + " here");
    J j;
    j["session"] = musig_view_json(*v, lens);
    return json_reply(200, j);
}

MusigAlertLens lens_of(const Node& node) {
    const auto* svc = node.musig();
    return {node.network().network_id(), node.cosign_authorities(),
            svc ? svc->publications().get() : nullptr};
}

J alert_json(const musig::SessionView& v, const MusigAlertLens& lens) {
    auto m = proto::open::alert_of_session(v.context, v.aggregate_key, v.message, lens.network_id);
    if (!m) return nullptr;
    J a;
    a["msg_type"] = m->msg_type;
    a["type"] = proto::type_name(m->msg_type);
    a["flags"] = m->flags;
    a["timestamp"] = m->timestamp;
    a["text"] = utf8_lossy(m->payload);
    const auto* authority = proto::open::find_cosign_authority(lens.authorities, v.aggregate_key);
    a["authority"] = authority ? J(authority->name()) : J(nullptr);
    return a;
}

// An alert session's signers (KeySort order: the authority's key is KeyAgg of them so), message
// and context, from the authority the signers form; or the 400 answer. The authority is found
// by its sorted signers, so no key is aggregated here.
std::optional<HttpReply> prepare_alert(const MusigAlertLens& lens, std::uint64_t now,
                                       MusigStartRequest& req) {
    namespace po = proto::open;
    const auto& a = *req.alert;
    const auto sorted = musig::key_sort(req.signers);
    const auto found =
        std::find_if(lens.authorities.begin(), lens.authorities.end(),
                     [&](const po::CosignAuthority& x) { return x.signers() == sorted; });
    if (found == lens.authorities.end())
        return error_reply(400, "unknown_authority",
                           "these signers are no co-signing authority of this node "
                           "(--cosign-authority NAME=PUB1,PUB2,...: the same keys, each once)");
    const po::CosignAuthority* authority = &*found;
    auto m = po::make_authority_message(a.msg_type, as_bytes(a.text),
                                        a.timestamp.value_or(static_cast<std::uint32_t>(now)),
                                        authority->key(), a.flags);
    if (!m) return error_reply(400, "bad_alert", m.error().reason);
    if (m->flags != a.flags)
        return error_reply(400, "bad_alert",
                           "\"flags\" of an authority message have 0x08 and 0x01 set and 0x10 "
                           "to 0x80 clear");
    req.signers = authority->signers();
    const auto digest = po::authority_sighash(lens.network_id, *m);
    req.message.assign(digest.begin(), digest.end());
    req.context = po::alert_context(*m);
    return std::nullopt;
}

// What follows `prefix` in the request's path, as a session id, or the 400 answer.
std::variant<musig::SessionId, HttpReply> id_in_path(const RouteCall& c, std::string_view prefix) {
    std::string path;
    parse_query(c.req.target, path);
    auto id = parse_session_id(std::string_view(path).substr(prefix.size()));
    if (!id) return error_reply(400, "bad_id", "need " + std::string(prefix) + "<64 hex digits>");
    return *id;
}

// Posts `task` to the service; answers not_enabled or busy when it cannot.
void on_worker(const RouteCall& c, const ReplyFn& done,
               std::function<HttpReply(musig::Coordinator&)> task) {
    auto* svc = c.node.musig();
    if (!svc) return done(not_enabled());
    if (!svc->post([done, task = std::move(task)](musig::Coordinator& co) { done(task(co)); }))
        done(busy());
}

}  // namespace

J musig_view_json(const musig::SessionView& v, const MusigAlertLens& lens) {
    J j;
    j["id"] = to_hex(v.id);
    j["phase"] = musig::phase_name(v.phase);
    J signers = J::array();
    for (const auto& s : v.signers)
        signers.push_back(to_hex(s));
    j["signers"] = std::move(signers);
    j["creator_index"] = v.creator_index;
    j["own_index"] = v.own_index;
    j["created"] = v.created;
    j["expiry"] = v.expiry;
    j["message"] = to_hex(v.message);
    j["context"] = to_hex(v.context);
    j["aggregate_key"] = to_hex(v.aggregate_key);
    J nonces = J::array(), partials = J::array();
    for (bool b : v.nonce_from)
        nonces.push_back(b);
    for (bool b : v.partial_from)
        partials.push_back(b);
    j["nonces"] = std::move(nonces);
    j["partials"] = std::move(partials);
    j["joined"] = v.joined;
    j["signature"] = v.signature ? J(to_hex(*v.signature)) : J(nullptr);
    if (v.abort) {
        J a;
        a["reason"] = musig::abort_reason_name(v.abort->reason);
        const auto blamed = v.abort->blamed;
        a["blamed"] = blamed ? J(*blamed) : J(nullptr);
        a["blamed_pubkey"] =
            blamed && *blamed < v.signers.size() ? J(to_hex(v.signers[*blamed])) : J(nullptr);
        a["aborted_by"] = v.abort->aborted_by ? J(*v.abort->aborted_by) : J(nullptr);
        j["abort"] = std::move(a);
    } else {
        j["abort"] = nullptr;
    }
    j["alert"] = alert_json(v, lens);
    const auto p = lens.publications ? lens.publications->get(v.id) : std::nullopt;
    if (p) {
        J pj;
        pj["queued"] = p->queued;
        if (p->queued) {
            pj["message_hash"] = p->message_hash;
        } else {
            pj["error"] = p->error;
            pj["detail"] = p->detail;
        }
        j["publication"] = std::move(pj);
    } else {
        j["publication"] = nullptr;
    }
    return j;
}

J musig_stats_json(const MusigStats& s, const crypto::CompressedPubKey& me) {
    J j;
    j["pubkey"] = to_hex(me);
    j["sessions"] = s.sessions;
    j["frames_in"] = s.frames_in;
    j["frames_refused"] = s.frames_refused;
    j["frames_dropped"] = s.frames_dropped;
    j["frames_out"] = s.frames_out;
    j["send_failures"] = s.send_failures;
    j["completed"] = s.completed;
    j["aborted"] = s.aborted;
    return j;
}

unsigned musig_refusal_status(musig::Problem p) noexcept {
    using P = musig::Problem;
    switch (p) {
        case P::unknown_session:
            return 404;
        case P::wrong_phase:
        case P::already_joined:
        case P::duplicate_session:
        case P::conflicting_nonce:
        case P::conflicting_partial:
            return 409;
        case P::expired:
            return 410;
        case P::too_many_sessions:
            return 503;
        case P::bad_frame:
        case P::wrong_network:
        case P::not_a_signer:
        case P::bad_sender:
        case P::bad_signature:
        case P::not_yet_valid:
        case P::replayed:
        case P::sequence_gap:
        case P::invalid_keys:
        case P::invalid_argument:
            return 400;
    }
    return 400;
}

std::optional<musig::SessionId> parse_session_id(std::string_view hex) {
    auto id = from_hex_fixed<32>(hex);
    if (!id) return std::nullopt;
    return *id;
}

namespace {

// {"msg_type": 16 | 32, "text": "...", "timestamp": N?, "flags": N?}
std::variant<MusigAlertRequest, MusigRequestError> parse_alert(const nlohmann::json& j) {
    const auto form = "\"alert\" must be {\"msg_type\": 16 or 32, \"text\": 1 to " +
                      std::to_string(proto::MAX_MESSAGE_PAYLOAD) +
                      " bytes of UTF-8, \"timestamp\": seconds?, \"flags\": 0-255?}";
    if (!j.is_object()) return bad("bad_alert", form);
    MusigAlertRequest a;
    for (const auto& [key, value] : j.items()) {
        if (key == "msg_type" && value.is_number_unsigned() && value.get<std::uint64_t>() < 256)
            a.msg_type = static_cast<std::uint8_t>(value.get<std::uint64_t>());
        else if (key == "flags" && value.is_number_unsigned() && value.get<std::uint64_t>() < 256)
            a.flags = static_cast<std::uint8_t>(value.get<std::uint64_t>());
        else if (key == "timestamp" && value.is_number_unsigned() &&
                 value.get<std::uint64_t>() <= 0xffffffffu)
            a.timestamp = static_cast<std::uint32_t>(value.get<std::uint64_t>());
        else if (key == "text" && value.is_string())
            a.text = value.get<std::string>();
        else
            return bad("bad_alert", form + " (\"" + key + "\" is not)");
    }
    if (a.msg_type != proto::MSG_EMERGENCY && a.msg_type != proto::MSG_TRANSITION_SIGNAL)
        return bad("bad_alert", form + " (msg_type)");
    if (a.text.empty() || a.text.size() > proto::MAX_MESSAGE_PAYLOAD ||
        !is_valid_utf8(as_bytes(a.text)))
        return bad("bad_alert", form + " (text)");
    return a;
}

}  // namespace

std::variant<MusigStartRequest, MusigRequestError> parse_musig_start(const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return bad("bad_json",
                   "the body must be a JSON object {\"signers\": [...], \"message\": hex, ...}");
    for (const auto& [key, value] : j.items())
        if (key != "signers" && key != "message" && key != "context" && key != "expires_in" &&
            key != "join" && key != "alert")
            return bad("unknown_field", "unknown field \"" + key +
                                            "\": give signers, message (or alert), and "
                                            "optionally context, expires_in and join");
    MusigStartRequest r;
    auto signers = j.find("signers");
    if (signers == j.end() || !signers->is_array() || signers->size() < musig::MIN_SIGNERS ||
        signers->size() > musig::MAX_SIGNERS)
        return bad("bad_signers", "\"signers\" must list " + std::to_string(musig::MIN_SIGNERS) +
                                      " to " + std::to_string(musig::MAX_SIGNERS) +
                                      " signing pubkeys (66 hex digits each), in KeyAgg order");
    for (std::size_t i = 0; i < signers->size(); ++i) {
        const auto& s = (*signers)[i];
        auto key = s.is_string() ? from_hex_fixed<33>(s.get<std::string>())
                                 : Result<ByteArray<33>>(make_error(Errc::bad_encoding, ""));
        if (!key || !crypto::parse_pubkey(*key))
            return bad("bad_signers", "signer " + std::to_string(i) +
                                          " is not a compressed secp256k1 key of 66 hex digits");
        r.signers.push_back(*key);
    }
    auto hex_field = [&](const char* name, std::size_t min, std::size_t max,
                         Bytes& out) -> std::optional<MusigRequestError> {
        auto it = j.find(name);
        if (it == j.end()) {
            if (min == 0) return std::nullopt;
            return bad(std::string("bad_") + name, std::string("\"") + name + "\" is missing");
        }
        auto b = it->is_string() ? from_hex(it->get<std::string>())
                                 : Result<Bytes>(make_error(Errc::bad_encoding, ""));
        if (!b || b->size() < min || b->size() > max)
            return bad(std::string("bad_") + name, std::string("\"") + name + "\" must be hex of " +
                                                       std::to_string(min) + " to " +
                                                       std::to_string(max) + " bytes");
        out = std::move(*b);
        return std::nullopt;
    };
    if (auto it = j.find("alert"); it != j.end()) {
        if (j.contains("message") || j.contains("context"))
            return bad("bad_alert",
                       "an alert session's message and context are the alert's: give no "
                       "\"message\" or \"context\" with \"alert\"");
        auto alert = parse_alert(*it);
        if (auto* e = std::get_if<MusigRequestError>(&alert)) return *e;
        r.alert = std::get<MusigAlertRequest>(std::move(alert));
    } else {
        if (auto e = hex_field("message", 1, musig::MAX_MESSAGE, r.message)) return *e;
        if (auto e = hex_field("context", 0, musig::MAX_CONTEXT, r.context)) return *e;
    }
    if (auto it = j.find("expires_in"); it != j.end()) {
        if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 1 ||
            it->get<std::uint64_t>() > musig::MAX_SESSION_LIFETIME)
            return bad("bad_expires_in", "\"expires_in\" must be 1 to " +
                                             std::to_string(musig::MAX_SESSION_LIFETIME) +
                                             " seconds");
        r.expires_in = it->get<std::uint64_t>();
    }
    if (auto it = j.find("join"); it != j.end()) {
        if (!it->is_boolean()) return bad("bad_join", "\"join\" must be true or false");
        r.join = it->get<bool>();
    }
    return r;
}

void post_musig_start(const RouteCall& c, const ReplyFn& done) {
    auto parsed = parse_musig_start(c.req.body);
    if (auto* e = std::get_if<MusigRequestError>(&parsed))
        return done(error_reply(e->status, e->error, e->detail));
    auto req = std::make_shared<MusigStartRequest>(std::get<MusigStartRequest>(std::move(parsed)));
    const std::uint64_t now = static_cast<std::uint64_t>(c.node.now());
    on_worker(c, done, [req, now, lens = lens_of(c.node)](musig::Coordinator& co) {
        if (req->alert)
            if (auto e = prepare_alert(lens, now, *req)) return std::move(*e);
        auto id = co.create(req->signers, req->message, req->context, now + req->expires_in);
        if (!id) return refusal_reply(id.error());
        if (req->join)
            if (auto j = co.join(*id); !j) {
                (void)co.cancel(*id);  // an answer of failure leaves no session announced
                return refusal_reply(j.error());
            }
        return session_reply(co, *id, lens);
    });
}

void post_musig_join(const RouteCall& c, const ReplyFn& done) {
    auto id = id_in_path(c, "/musig/join/");
    if (auto* e = std::get_if<HttpReply>(&id)) return done(std::move(*e));
    on_worker(
        c, done,
        [id = std::get<musig::SessionId>(id), lens = lens_of(c.node)](musig::Coordinator& co) {
            if (auto j = co.join(id); !j) return refusal_reply(j.error());
            return session_reply(co, id, lens);
        });
}

void post_musig_cancel(const RouteCall& c, const ReplyFn& done) {
    auto id = id_in_path(c, "/musig/cancel/");
    if (auto* e = std::get_if<HttpReply>(&id)) return done(std::move(*e));
    on_worker(
        c, done,
        [id = std::get<musig::SessionId>(id), lens = lens_of(c.node)](musig::Coordinator& co) {
            if (auto j = co.cancel(id); !j) return refusal_reply(j.error());
            return session_reply(co, id, lens);
        });
}

void get_musig_sessions(const RouteCall& c, const ReplyFn& done) {
    on_worker(c, done, [lens = lens_of(c.node)](musig::Coordinator& co) {
        J arr = J::array();
        for (const auto& v : co.list())
            arr.push_back(musig_view_json(v, lens));
        J j;
        j["sessions"] = std::move(arr);
        return json_reply(200, j);
    });
}

void get_musig_session(const RouteCall& c, const ReplyFn& done) {
    auto id = id_in_path(c, "/musig/session/");
    if (auto* e = std::get_if<HttpReply>(&id)) return done(std::move(*e));
    on_worker(
        c, done,
        [id = std::get<musig::SessionId>(id), lens = lens_of(c.node)](musig::Coordinator& co) {
            auto v = co.get(id);
            if (!v)
                return error_reply(404, "unknown_session", "no session " + to_hex(id) + " here");
            return json_reply(200, musig_view_json(*v, lens));
        });
}

void get_musig_status(const RouteCall& c, const ReplyFn& done) {
    auto* svc = c.node.musig();
    if (!svc) return done(not_enabled());
    done(json_reply(200, musig_stats_json(svc->stats(), svc->pubkey())));
}

}  // namespace sharemsg::node
