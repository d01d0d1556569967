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

#include <set>

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
    j["message_hash"] = to_hex(m.hash());
    return j;
}

const std::uint8_t kAllTypes[] = {proto::MSG_NODE_STATUS,      proto::MSG_MINER_MESSAGE,
                                  proto::MSG_POOL_ANNOUNCE,    proto::MSG_VERSION_SIGNAL,
                                  proto::MSG_MERGED_STATUS,    proto::MSG_EMERGENCY,
                                  proto::MSG_TRANSITION_SIGNAL};

nlohmann::ordered_json stats_json(const proto::MessageStore& store, double now, bool full) {
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
    std::size_t revoked = 0;
    const auto keys = store.registry().entries();
    for (const auto& e : keys)
        revoked += e.info.revoked;
    nlohmann::ordered_json j;
    j["total_messages"] = msgs.size();
    j["total_by_type"] = std::move(by_type);
    j["known_signers"] = keys.size();
    if (full) {
        j["active_signers"] = keys.size() - revoked;
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
        j["signing_key_configured"] = false;
    }
    return j;
}

}  // namespace

HttpReply route(Node& node, const std::string& method, const std::string& target,
                const std::string&) {
    std::string path;
    auto params = query_params(target, path);
    static const std::set<std::string> known{"/health",     "/metrics",           "/msg/recent",
                                             "/msg/chat",   "/msg/announcements", "/msg/alerts",
                                             "/msg/status", "/msg/keys",          "/msg/identity",
                                             "/msg/stats",  "/msg/bans"};
    node.metrics().inc("sharemsg_api_requests_total",
                       "path=\"" + (known.count(path) ? path : std::string("other")) + "\"");
    if (method != "GET") return error_reply(405, "method not allowed", method + " " + path);
    if (path == "/health") {
        nlohmann::ordered_json j;
        j["status"] = "ok";
        j["peers"] = node.peer_count();
        j["shares"] = node.share_count();
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
        if (path == "/msg/recent") j["stats"] = stats_json(node.store(), now, false);
        return json_reply(200, j);
    }
    if (path == "/msg/stats") {
        auto lock = node.read_store();
        return json_reply(200, stats_json(node.store(), node.now(), true));
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
    if (path == "/msg/identity") {
        return json_reply(
            200, {{"messaging_enabled", false},
                  {"error", "no signing key configured: use --signing-key to enable messaging"}});
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

struct HttpServer::Impl {
    boost::asio::io_context& io;
    Node& node;
    tcp::acceptor acceptor;
    Impl(boost::asio::io_context& i, Node& n) : io(i), node(n), acceptor(i) {}

    struct Session : std::enable_shared_from_this<Session> {
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        std::optional<http::request_parser<http::string_body>> parser;
        http::response<http::string_body> res;
        Node& node;
        Session(tcp::socket s, Node& n) : stream(std::move(s)), node(n) {}

        void read() {
            parser.emplace();
            parser->body_limit(kMaxBody);
            stream.expires_after(std::chrono::seconds(30));
            http::async_read(
                stream, buffer, *parser,
                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec == http::error::body_limit) {
                        self->respond(error_reply(413, "payload too large",
                                                  "request bodies are limited to 64 KiB"),
                                      false);
                        return;
                    }
                    if (ec) return;  // closed, timed out or malformed: drop the connection
                    auto& req = self->parser->get();
                    HttpReply r;
                    try {
                        r = route(self->node, std::string(req.method_string()),
                                  std::string(req.target()), req.body());
                    } catch (const std::exception& e) {
                        spdlog::error("http: {} {}: {}", std::string(req.method_string()),
                                      std::string(req.target()), e.what());
                        r = error_reply(500, "internal error", e.what());
                    }
                    self->respond(std::move(r), req.keep_alive());
                });
        }

        void respond(HttpReply r, bool keep_alive) {
            node.metrics().inc("sharemsg_api_responses_total",
                               "status=\"" + std::to_string(r.status) + "\"");
            res = {};
            res.result(r.status);
            res.version(11);
            res.set(http::field::server, "sharemsgd");
            res.set(http::field::content_type, r.content_type);
            res.set(http::field::cache_control, "no-store");
            res.keep_alive(keep_alive);
            res.body() = std::move(r.body);
            res.prepare_payload();
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
        acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
            if (ec == boost::asio::error::operation_aborted) return;
            if (!ec) std::make_shared<Session>(std::move(s), node)->read();
            accept();
        });
    }
};

HttpServer::HttpServer(boost::asio::io_context& io, Node& node)
    : impl_(std::make_unique<Impl>(io, node)) {}
HttpServer::~HttpServer() = default;

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
    return Ok{};
}

std::uint16_t HttpServer::port() const {
    return impl_->acceptor.local_endpoint().port();
}

}  // namespace sharemsg::node
