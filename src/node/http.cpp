#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/http.hpp"
#include "util/numeric.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "node/assets.hpp"
#include "node/node.hpp"
#include "util/text.hpp"

#include <array>
#include <deque>
#include <set>
#include <variant>

namespace sharemsg::node {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

HttpReply json_reply(unsigned status, const nlohmann::ordered_json& j) {
    return {status, "application/json", j.dump()};
}

HttpReply error_reply(unsigned status, const std::string& error, const std::string& detail) {
    return json_reply(status, {{"error", error}, {"detail", detail}});
}

std::map<std::string, std::string> query_params(const std::string& target, std::string& path) {
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
    for (std::size_t k = i; k < s.size(); ++k)
        if (s[k] < '0' || s[k] > '9') return std::nullopt;
    return std::stoll(s);
}

// The API document's message object: the reference's field names, the payload as text.
nlohmann::ordered_json message_json(const proto::ShareMessage& m, double now) {
    nlohmann::ordered_json j;
    j["msg_type"] = m.msg_type;
    j["type_name"] = proto::type_name(m.msg_type);
    j["flags"] = m.flags;
    j["timestamp"] = m.timestamp;
    // Payload as UTF-8 text (JSON payloads stay JSON text); bytes that are not UTF-8 are
    // replaced, so the response is always valid JSON.
    j["payload"] = utf8_lossy(m.payload);
    j["signing_id"] =
        m.signing_id ? nlohmann::ordered_json(to_hex(*m.signing_id)) : nlohmann::ordered_json();
    j["has_signature"] = m.has_signature();
    j["verified"] = m.verified;
    j["protocol_authority"] = m.is_protocol_authority();
    j["sender_address"] =
        m.sender_address ? nlohmann::ordered_json(*m.sender_address) : nlohmann::ordered_json();
    j["share_hash"] =
        m.share_hash ? nlohmann::ordered_json(to_hex(*m.share_hash)) : nlohmann::ordered_json();
    j["age"] = now - static_cast<double>(m.timestamp);
    j["private"] = m.recipient.has_value();
    j["to"] = m.recipient ? nlohmann::ordered_json(to_hex(*m.recipient)) : nlohmann::ordered_json();
    j["message_hash"] = to_hex(m.hash());
    return j;
}

const std::uint8_t kAllTypes[] = {proto::MSG_NODE_STATUS,      proto::MSG_MINER_MESSAGE,
                                  proto::MSG_POOL_ANNOUNCE,    proto::MSG_VERSION_SIGNAL,
                                  proto::MSG_MERGED_STATUS,    proto::MSG_EMERGENCY,
                                  proto::MSG_TRANSITION_SIGNAL};

nlohmann::ordered_json stats_json(const Node& node, const proto::MessageStore& store, double now,
                                  bool full) {
    const auto msgs = store.messages();  // newest first
    nlohmann::ordered_json by_type = nlohmann::ordered_json::object();
    for (auto t : kAllTypes)
        by_type[proto::type_name(t)] = 0;
    std::size_t last_hour = 0;
    for (const auto& m : msgs) {
        auto name = proto::type_name(m->msg_type);
        by_type[name] = by_type.value(name, 0) + 1;
        if (now - m->timestamp <= 3600) ++last_hour;
    }
    // Signers: the open profile's bound keys on networks that carry it, else the v1 registry.
    std::size_t known = 0, revoked = 0;
    if (node.open_profile()) {
        for (const auto& k : node.open_keys())
            if (k.bound) {
                ++known;
                revoked += k.revoked;
            }
    } else {
        for (const auto& e : store.registry().entries()) {
            ++known;
            revoked += e.info.revoked;
        }
    }
    nlohmann::ordered_json j;
    j["total_messages"] = msgs.size();
    j["total_by_type"] = std::move(by_type);
    j["known_signers"] = known;
    if (full) {
        j["active_signers"] = known - revoked;
        j["revoked_keys"] = revoked;
    }
    j["oldest_message_age"] = msgs.empty() ? nlohmann::ordered_json()
                                           : nlohmann::ordered_json(now - msgs.back()->timestamp);
    j["newest_message_age"] = msgs.empty() ? nlohmann::ordered_json()
                                           : nlohmann::ordered_json(now - msgs.front()->timestamp);
    if (full) {
        j["messages_per_hour"] = static_cast<double>(last_hour);
        j["store_capacity"] = proto::MAX_MESSAGE_HISTORY;
        j["store_usage_pct"] =
            100.0 * static_cast<double>(msgs.size()) / proto::MAX_MESSAGE_HISTORY;
        j["messaging_enabled"] = true;
        j["signing_key_configured"] = node.identity().value("messaging_enabled", false);
    }
    return j;
}

}  // namespace

// The read endpoints (GET), answered at once.
static HttpReply get_route(Node& node, const std::string& path,
                           std::map<std::string, std::string>& params) {
    if (path == "/health") {
        nlohmann::ordered_json j;
        j["status"] = "ok";
        j["version"] = "sharemsgd/0.1.0";
        j["uptime"] = std::floor(node.uptime());
        j["peers"] = node.peer_count();
        j["shares"] = node.share_count();
        j["outbox_depth"] = node.outbox_depth();
        auto best = node.best_share();
        j["best_share"] = best ? nlohmann::ordered_json(to_hex(*best)) : nlohmann::ordered_json();
        return json_reply(200, j);
    }
    if (path == "/metrics") return {200, "text/plain; version=0.0.4", node.metrics().render()};
    if (const Asset* a = find_asset(path))
        return {200, std::string(a->content_type), std::string(a->body)};

    struct ListRoute {
        const char* path;
        const char* key;
        std::optional<std::uint8_t> type;
        long long default_limit;
    };
    static const ListRoute lists[] = {
        {"/msg/recent", "messages", std::nullopt, 50},
        {"/msg/chat", "messages", proto::MSG_MINER_MESSAGE, 50},
        {"/msg/announcements", "messages", proto::MSG_POOL_ANNOUNCE, 50},
        {"/msg/alerts", "alerts", proto::MSG_EMERGENCY, 10},
        {"/msg/status", "statuses", proto::MSG_NODE_STATUS, 20},
    };
    for (const auto& r : lists) {
        if (path != r.path) continue;
        proto::MessageQuery q;
        q.msg_type = r.type;
        q.limit = static_cast<std::size_t>(r.default_limit);
        if (params.count("limit")) {
            auto l = parse_int(params["limit"]);
            if (!l || *l < 1 || *l > 200)
                return error_reply(400, "bad limit", "limit must be an integer from 1 to 200");
            q.limit = static_cast<std::size_t>(*l);
        }
        if (params.count("since")) {
            auto since = parse_int(params["since"]);
            if (!since || *since < 0)
                return error_reply(400, "bad since", "since must be a non-negative unix timestamp");
            q.since = static_cast<double>(*since) + 1;  // "only messages newer than this"
        }
        const double now = node.now();
        auto lock = node.read_store();
        auto arr = nlohmann::ordered_json::array();
        for (const auto& m : node.store().query(q))
            arr.push_back(message_json(*m, now));
        nlohmann::ordered_json j;
        j[r.key] = std::move(arr);
        if (path == "/msg/recent") j["stats"] = stats_json(node, node.store(), now, false);
        return json_reply(200, j);
    }
    if (path == "/msg/stats") {
        auto lock = node.read_store();
        return json_reply(200, stats_json(node, node.store(), node.now(), true));
    }
    if (path == "/msg/keys" && node.open_profile()) {
        // The open profile's keys: bound to an address by a delegation, revoked from a height.
        const auto keys = node.open_keys();
        std::map<std::string, std::size_t> signed_by;
        {
            auto lock = node.read_store();
            for (const auto& m : node.store().messages())
                if (m->signing_id) ++signed_by[to_hex(*m->signing_id)];
        }
        auto arr = nlohmann::ordered_json::array();
        std::size_t revoked = 0, bound = 0;
        for (const auto& e : keys) {
            nlohmann::ordered_json k;
            k["signing_id"] = to_hex(e.signing_id);
            k["key_index"] = e.key_index;
            k["signing_pubkey"] = to_hex(e.pubkey);
            k["miner_address"] = e.address;
            k["first_seen"] = e.first_seen_time;
            k["last_seen"] = e.first_seen_time;
            k["messages_signed"] = signed_by[to_hex(e.signing_id)];
            k["revoked"] = e.revoked;
            k["revoked_at_height"] = e.revoked_at_height
                                         ? nlohmann::ordered_json(*e.revoked_at_height)
                                         : nlohmann::ordered_json();
            k["first_seen_height"] = e.first_seen_height;
            k["bound"] = e.bound;
            if (!e.bound) k["unbound_reason"] = e.unbound_reason;
            revoked += e.bound && e.revoked;
            bound += e.bound;
            arr.push_back(std::move(k));
        }
        nlohmann::ordered_json j;
        j["total_keys"] = bound;
        j["active_keys"] = bound - revoked;
        j["revoked_keys"] = revoked;
        j["keys"] = std::move(arr);
        return json_reply(200, j);
    }
    if (path == "/msg/keys") {
        auto lock = node.read_store();
        const auto& store = node.store();
        const auto msgs = store.messages();
        auto arr = nlohmann::ordered_json::array();
        std::size_t revoked = 0;
        for (const auto& e : store.registry().entries()) {
            std::size_t signed_count = 0;
            for (const auto& m : msgs)
                signed_count += m->signing_id && to_hex(*m->signing_id) == e.signing_id_hex;
            nlohmann::ordered_json k;
            k["signing_id"] = e.signing_id_hex;
            k["key_index"] = e.info.key_index;
            k["signing_pubkey"] = to_hex(e.info.pubkey);
            k["miner_address"] = e.address;
            k["first_seen"] = saturate_cast<std::int64_t>(e.info.first_seen);
            k["last_seen"] =
                saturate_cast<std::int64_t>(e.info.first_seen);  // refreshed by each announcement
            k["messages_signed"] = signed_count;
            k["revoked"] = e.info.revoked;
            revoked += e.info.revoked;
            arr.push_back(std::move(k));
        }
        nlohmann::ordered_json j;
        j["total_keys"] = arr.size();
        j["active_keys"] = arr.size() - revoked;
        j["revoked_keys"] = revoked;
        j["keys"] = std::move(arr);
        return json_reply(200, j);
    }
    if (path == "/msg/identity") return json_reply(200, node.identity());
    if (path == "/msg/activity") {
        long long hours = 24;
        if (params.count("hours")) {
            auto h = parse_int(params["hours"]);
            if (!h || *h < 1 || *h > 168)
                return error_reply(400, "bad hours", "hours must be an integer from 1 to 168");
            hours = *h;
        }
        const double now = node.now();
        const auto this_hour = static_cast<std::int64_t>(std::floor(now / 3600)) * 3600;
        const std::int64_t first = this_hour - (hours - 1) * 3600;
        std::vector<std::map<std::string, std::size_t>> counts(static_cast<std::size_t>(hours));
        {
            auto lock = node.read_store();
            for (const auto& m : node.store().messages()) {
                const auto ts = static_cast<std::int64_t>(m->timestamp);
                if (ts < first || ts >= this_hour + 3600) continue;
                ++counts[static_cast<std::size_t>((ts - first) / 3600)]
                        [proto::type_name(m->msg_type)];
            }
        }
        auto arr = nlohmann::ordered_json::array();
        for (long long i = 0; i < hours; ++i) {
            nlohmann::ordered_json h;
            h["start"] = first + i * 3600;
            nlohmann::ordered_json c = nlohmann::ordered_json::object();
            for (auto t : kAllTypes)
                c[proto::type_name(t)] = counts[static_cast<std::size_t>(i)][proto::type_name(t)];
            h["counts"] = std::move(c);
            arr.push_back(std::move(h));
        }
        nlohmann::ordered_json j;
        j["hours"] = std::move(arr);
        return json_reply(200, j);
    }
    if (path == "/msg/bans") {
        auto lock = node.read_store();
        const auto& b = node.store().bans();
        nlohmann::ordered_json bans;
        bans["signing_ids"] = b.signing_ids();
        bans["addresses"] = b.addresses();
        bans["words"] = b.keywords();
        auto types = nlohmann::ordered_json::array();
        for (int t : b.types())
            types.push_back(proto::type_short_name(static_cast<std::uint8_t>(t)));
        bans["types"] = std::move(types);
        nlohmann::ordered_json j;
        j["bans"] = std::move(bans);
        j["total_bans"] =
            b.signing_ids().size() + b.addresses().size() + b.keywords().size() + b.types().size();
        return json_reply(200, j);
    }
    return error_reply(404, "not found", path);
}

namespace {

std::optional<std::uint8_t> send_type(const std::string& t) {
    if (t == "chat") return proto::MSG_MINER_MESSAGE;
    if (t == "announce") return proto::MSG_POOL_ANNOUNCE;
    if (t == "alert") return proto::MSG_EMERGENCY;
    if (t == "status") return proto::MSG_NODE_STATUS;
    return std::nullopt;
}

std::optional<std::uint8_t> type_of_name(const std::string& t) {
    if (auto s = send_type(t)) return s;
    for (auto x : kAllTypes)
        if (t == proto::type_name(x) || t == proto::type_short_name(x)) return x;
    auto n = parse_int(t);
    if (n && *n >= 0 && *n <= 255) return static_cast<std::uint8_t>(*n);
    return std::nullopt;
}

HttpReply from_answer(const ApiAnswer& a) {
    return json_reply(a.status, a.body);
}

// The body of a write request: a JSON object, or an error reply.
std::variant<nlohmann::json, HttpReply> json_body(const std::string& body) {
    if (body.empty()) return nlohmann::json::object();
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) return error_reply(400, "bad json", "the request body is not JSON");
    if (!j.is_object()) return error_reply(400, "bad json", "the request body must be an object");
    return j;
}

std::optional<std::string> string_field(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

void post_send(Node& node, const nlohmann::json& j, const std::function<void(HttpReply)>& done) {
    auto type = string_field(j, "type");
    if (!type)
        return done(error_reply(400, "invalid type",
                                "\"type\" must be one of chat, announce, alert, status"));
    auto t = send_type(*type);
    if (!t)
        return done(
            error_reply(400, "invalid type",
                        "unknown type \"" + *type + "\": use chat, announce, alert or status"));
    auto text = string_field(j, "text");
    if (!text) return done(error_reply(400, "missing text", "\"text\" must be a string"));
    if (text->empty()) return done(error_reply(400, "empty text", "\"text\" must not be empty"));
    if (text->size() > proto::MAX_MESSAGE_PAYLOAD)
        return done(error_reply(400, "text too long",
                                std::to_string(text->size()) + " bytes; a message holds at most " +
                                    std::to_string(proto::MAX_MESSAGE_PAYLOAD) +
                                    " bytes of UTF-8"));
    if (!is_valid_utf8(as_bytes(*text)))
        return done(error_reply(400, "bad text", "\"text\" is not valid UTF-8"));
    SendRequest req;
    req.msg_type = *t;
    req.text = *text;
    if (j.contains("to") && !j["to"].is_null()) {
        auto to = string_field(j, "to");
        auto id = to ? from_hex_fixed<20>(*to)
                     : Result<ByteArray<20>>(make_error(Errc::bad_encoding, "not a string"));
        if (!id)
            return done(
                error_reply(400, "bad hex", "\"to\" must be a signing id of 40 hex digits"));
        req.to = *id;
    }
    node.send(std::move(req), [done](ApiAnswer a) { done(from_answer(a)); });
}

void post_ban(Node& node, const nlohmann::json& j, bool add,
              const std::function<void(HttpReply)>& done) {
    static const char* keys[] = {"signing_id", "address", "word", "type"};
    int given = 0;
    for (auto k : keys)
        given += j.contains(k);
    if (given != 1)
        return done(
            error_reply(400, "bad ban", "give exactly one of signing_id, address, word, type"));
    store::Ban b;
    if (j.contains("signing_id")) {
        auto v = string_field(j, "signing_id");
        auto id = v ? from_hex_fixed<20>(*v)
                    : Result<ByteArray<20>>(make_error(Errc::bad_encoding, "not a string"));
        if (!id) return done(error_reply(400, "bad hex", "\"signing_id\" must be 40 hex digits"));
        b = store::Ban{store::BanKind::signing_id, to_hex(*id)};
    } else if (j.contains("address")) {
        auto v = string_field(j, "address");
        if (!v || v->empty() || v->size() > 128)
            return done(error_reply(400, "bad address", "\"address\" must be a non-empty string"));
        b = store::Ban{store::BanKind::address, *v};
    } else if (j.contains("word")) {
        auto v = string_field(j, "word");
        if (!v || v->empty() || v->size() > proto::MAX_MESSAGE_PAYLOAD ||
            !is_valid_utf8(as_bytes(*v)))
            return done(error_reply(400, "bad word",
                                    "\"word\" must be non-empty UTF-8 text of at most 220 bytes"));
        b = store::Ban{store::BanKind::keyword, *v};
    } else {
        std::optional<std::uint8_t> t;
        if (j["type"].is_string()) t = type_of_name(j["type"].get<std::string>());
        if (j["type"].is_number_unsigned() && j["type"].get<std::uint64_t>() <= 255)
            t = static_cast<std::uint8_t>(j["type"].get<std::uint64_t>());
        if (!t)
            return done(
                error_reply(400, "invalid type", "\"type\" must be a message type name or number"));
        b = store::Ban{store::BanKind::type, std::to_string(*t)};
    }
    node.ban(std::move(b), add, [done](ApiAnswer a) { done(from_answer(a)); });
}

void post_rotate(Node& node, const nlohmann::json& j, const std::function<void(HttpReply)>& done) {
    auto wif = string_field(j, "signing_key");
    if (!wif)
        return done(error_reply(400, "missing signing_key",
                                "\"signing_key\" (a WIF from `sharemsg derive-key` with the next "
                                "index) is required; the node never takes a master key"));
    auto idx = j.find("key_index");
    if (idx == j.end() || !idx->is_number_unsigned() || idx->get<std::uint64_t>() > 0xffffffffULL)
        return done(error_reply(400, "bad key_index",
                                "\"key_index\" must be an integer from 0 to 4294967295"));
    RotateRequest req;
    req.signing_key = *wif;
    req.key_index = static_cast<std::uint32_t>(idx->get<std::uint64_t>());
    if (j.contains("delegation")) {
        auto d = string_field(j, "delegation");
        if (!d)
            return done(error_reply(400, "bad delegation", "\"delegation\" must be a hex string"));
        req.delegation = *d;
    }
    node.rotate_key(std::move(req), [done](ApiAnswer a) { done(from_answer(a)); });
}

}  // namespace

void route(Node& node, const HttpRequest& req, std::function<void(HttpReply)> done) {
    std::string path;
    auto params = query_params(req.target, path);
    static const std::set<std::string> known{"/health",       "/metrics",           "/msg/recent",
                                             "/msg/chat",     "/msg/announcements", "/msg/alerts",
                                             "/msg/status",   "/msg/keys",          "/msg/identity",
                                             "/msg/stats",    "/msg/bans",          "/msg/send",
                                             "/msg/ban",      "/msg/rotate_key",    "/msg/outbox",
                                             "/msg/activity", "/msg/stream",        "/"};
    node.metrics().inc("sharemsg_api_requests_total",
                       "path=\"" + (known.count(path) ? path : std::string("other")) + "\"");
    static const std::set<std::string> writes{"/msg/send", "/msg/ban", "/msg/rotate_key"};
    const bool is_write = writes.count(path) > 0;
    if (is_write || path == "/msg/outbox") {
        // Bearer token from DATADIR/.cookie.
        static constexpr std::string_view kBearer = "Bearer ";
        if (req.authorization.empty())
            return done(error_reply(401, "unauthorized",
                                    "missing token: send Authorization: Bearer <the token in "
                                    "DATADIR/.cookie>"));
        if (req.authorization.compare(0, kBearer.size(), kBearer) != 0 ||
            !node.token_ok(std::string_view(req.authorization).substr(kBearer.size())))
            return done(error_reply(401, "unauthorized", "wrong token"));
    }
    if (is_write) {
        const bool allowed = (path == "/msg/ban") ? (req.method == "POST" || req.method == "DELETE")
                                                  : req.method == "POST";
        if (!allowed) return done(error_reply(405, "method not allowed", req.method + " " + path));
        auto body = json_body(req.body);
        if (auto* err = std::get_if<HttpReply>(&body)) return done(std::move(*err));
        const auto& j = std::get<nlohmann::json>(body);
        if (path == "/msg/send") return post_send(node, j, done);
        if (path == "/msg/ban") return post_ban(node, j, req.method == "POST", done);
        return post_rotate(node, j, done);
    }
    if (req.method != "GET")
        return done(error_reply(405, "method not allowed", req.method + " " + path));
    if (path == "/msg/outbox") return done(json_reply(200, node.outbox_json()));
    return done(get_route(node, path, params));
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    boost::asio::io_context& io;
    Node& node;
    tcp::acceptor acceptor;
    boost::asio::steady_timer keepalive;
    std::size_t connections = 0;
    bool closed = false;

    // A /msg/stream subscriber: the response head, then one event per message. Events wait
    // in a bounded queue; a client that falls too far behind is dropped (it reconnects and
    // catches up with /msg/recent?since=).
    struct Sse : std::enable_shared_from_this<Sse> {
        beast::tcp_stream stream;
        std::deque<std::string> queue;
        std::size_t queued_bytes = 0;
        bool writing = false;
        bool dead = false;
        std::array<char, 512> sink{};
        explicit Sse(beast::tcp_stream s) : stream(std::move(s)) {}

        void push(std::string ev) {
            if (dead) return;
            if (queue.size() >= kSseMaxQueued || queued_bytes + ev.size() > kSseMaxBytes) {
                spdlog::info("http: /msg/stream client too slow; dropped");
                close();
                return;
            }
            queued_bytes += ev.size();
            queue.push_back(std::move(ev));
            write_next();
        }
        void write_next() {
            if (writing || dead || queue.empty()) return;
            writing = true;
            stream.expires_after(std::chrono::seconds(30));
            boost::asio::async_write(
                stream, boost::asio::buffer(queue.front()),
                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    self->writing = false;
                    if (ec) return self->close();
                    self->queued_bytes -= self->queue.front().size();
                    self->queue.pop_front();
                    self->write_next();
                });
        }
        // Anything the client sends is ignored; a read error means it went away.
        void watch() {
            stream.socket().async_read_some(
                boost::asio::buffer(sink),
                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) return self->close();
                    self->watch();
                });
        }
        void close() {
            if (dead) return;
            dead = true;
            beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream.socket().close(ignored);
        }
    };
    static constexpr std::size_t kSseMaxQueued = 1024;
    static constexpr std::size_t kSseMaxBytes = 4 << 20;
    static constexpr std::size_t kMaxSse = 256;
    static constexpr std::size_t kMaxConnections = 1024;
    std::vector<std::weak_ptr<Sse>> sse;

    Impl(boost::asio::io_context& i, Node& n) : io(i), node(n), acceptor(i), keepalive(i) {}

    std::size_t live_sse() {
        sse.erase(std::remove_if(sse.begin(), sse.end(),
                                 [](const std::weak_ptr<Sse>& w) {
                                     auto p = w.lock();
                                     return !p || p->dead;
                                 }),
                  sse.end());
        return sse.size();
    }

    void broadcast(const std::string& ev) {
        for (auto& w : sse)
            if (auto p = w.lock()) p->push(ev);
        live_sse();
    }

    void tick_keepalive() {
        keepalive.expires_after(std::chrono::seconds(15));
        keepalive.async_wait([this](beast::error_code ec) {
            if (ec || closed) return;
            broadcast(": keepalive\n\n");
            tick_keepalive();
        });
    }

    struct Session : std::enable_shared_from_this<Session> {
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        std::optional<http::request_parser<http::string_body>> parser;
        http::response<http::string_body> res;
        std::shared_ptr<Impl> server;
        Session(tcp::socket s, std::shared_ptr<Impl> srv)
            : stream(std::move(s)), server(std::move(srv)) {
            ++server->connections;
        }
        ~Session() { --server->connections; }

        void read() {
            parser.emplace();
            parser->body_limit(kMaxBody);
            stream.expires_after(std::chrono::seconds(30));
            http::async_read(stream, buffer, *parser,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 if (ec == http::error::body_limit) {
                                     self->respond(
                                         error_reply(413, "payload too large",
                                                     "request bodies are limited to 64 KiB"),
                                         false);
                                     return;
                                 }
                                 if (ec)
                                     return;  // closed, timed out or malformed: drop the connection
                                 self->dispatch();
                             });
        }

        void dispatch() {
            auto& req = parser->get();
            const bool keep_alive = req.keep_alive();
            HttpRequest r;
            r.method = std::string(req.method_string());
            r.target = std::string(req.target());
            r.body = std::move(req.body());
            if (auto it = req.find(http::field::authorization); it != req.end())
                r.authorization = std::string(it->value());
            if (r.method == "GET" &&
                (r.target == "/msg/stream" || r.target.rfind("/msg/stream?", 0) == 0))
                return start_stream();
            auto self = shared_from_this();
            auto done = [self, keep_alive](HttpReply reply) {
                // Writes may answer from the chain or database thread: back to the I/O thread.
                boost::asio::post(self->stream.get_executor(),
                                  [self, keep_alive, reply = std::move(reply)]() mutable {
                                      self->respond(std::move(reply), keep_alive);
                                  });
            };
            try {
                route(server->node, r, done);
            } catch (const std::exception& e) {
                spdlog::error("http: {} {}: {}", r.method, r.target, e.what());
                done(error_reply(500, "internal error", e.what()));
            }
        }

        void start_stream() {
            server->node.metrics().inc("sharemsg_api_responses_total", "status=\"200\"");
            if (server->live_sse() >= kMaxSse) {
                respond(error_reply(503, "too many streams", "try again later"), false);
                return;
            }
            auto client = std::make_shared<Sse>(std::move(stream));
            client->stream.expires_never();
            server->sse.push_back(client);
            client->push(
                "HTTP/1.1 200 OK\r\nServer: sharemsgd\r\nContent-Type: text/event-stream\r\n"
                "Cache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 3000\n\n");
            client->watch();
        }

        void respond(HttpReply r, bool keep_alive) {
            server->node.metrics().inc("sharemsg_api_responses_total",
                                       "status=\"" + std::to_string(r.status) + "\"");
            res = {};
            res.result(r.status);
            res.version(11);
            res.set(http::field::server, "sharemsgd");
            res.set(http::field::content_type, r.content_type);
            res.set(http::field::cache_control, "no-store");
            res.set("X-Content-Type-Options", "nosniff");
            res.keep_alive(keep_alive);
            res.body() = std::move(r.body);
            res.prepare_payload();
            stream.expires_after(std::chrono::seconds(30));
            http::async_write(
                stream, res,
                [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                    if (ec || !keep_alive) {
                        beast::error_code ignored;
                        self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        return;
                    }
                    self->read();
                });
        }
    };

    void accept() {
        acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) {
            if (ec == boost::asio::error::operation_aborted || self->closed) return;
            if (!ec) {
                if (self->connections >= kMaxConnections) {
                    beast::error_code ignored;
                    s.close(ignored);  // over the limit: refuse rather than starve the others
                } else {
                    std::make_shared<Session>(std::move(s), self)->read();
                }
            }
            self->accept();
        });
    }
};

HttpServer::HttpServer(boost::asio::io_context& io, Node& node)
    : impl_(std::make_shared<Impl>(io, node)) {}
HttpServer::~HttpServer() {
    close();
}

void HttpServer::close() {
    if (impl_->closed) return;
    impl_->closed = true;
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->keepalive.cancel();
    for (auto& w : impl_->sse)
        if (auto p = w.lock()) p->close();
}

Status HttpServer::listen(const std::string& bind, std::uint16_t port) {
    beast::error_code ec;
    auto addr = boost::asio::ip::make_address(bind, ec);
    if (ec) return make_error(Errc::invalid_argument, "--web-bind " + bind + ": " + ec.message());
    tcp::endpoint ep(addr, port);
    impl_->acceptor.open(ep.protocol(), ec);
    if (!ec) impl_->acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->acceptor.bind(ep, ec);
    if (!ec) impl_->acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec)
        return make_error(
            Errc::io, "HTTP listen on " + bind + ":" + std::to_string(port) + ": " + ec.message());
    impl_->accept();
    impl_->tick_keepalive();
    return Ok{};
}

std::uint16_t HttpServer::port() const {
    return impl_->acceptor.local_endpoint().port();
}

void HttpServer::publish(const std::vector<proto::ShareMessage>& messages) {
    if (impl_->sse.empty()) return;
    const double now = impl_->node.now();
    for (const auto& m : messages) {
        const std::string data = message_json(m, now).dump();
        impl_->broadcast("event: message\ndata: " + data + "\n\n");
        if (m.msg_type == proto::MSG_EMERGENCY || m.msg_type == proto::MSG_TRANSITION_SIGNAL)
            impl_->broadcast("event: alert\ndata: " + data + "\n\n");
    }
}

}  // namespace sharemsg::node
