#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/http.hpp"
#include "util/numeric.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "node/api_parse.hpp"
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
    // Text that is not UTF-8 (a request path echoed in an error, say) is replaced, never
    // allowed to make the answer fail.
    return {status, "application/json",
            j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)};
}

HttpReply error_reply(unsigned status, const std::string& error, const std::string& detail) {
    return json_reply(status, {{"error", error}, {"detail", detail}});
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

nlohmann::ordered_json stats_json(const Node& node, const proto::MessageStore& store, double now,
                                  bool full) {
    // From the store's running counts: no pass over the messages.
    nlohmann::ordered_json by_type = nlohmann::ordered_json::object();
    for (auto t : kAllMessageTypes)
        by_type[proto::type_name(t)] = store.count_of_type(t);
    for (unsigned t = 0; t < 256; ++t) {
        const auto n = store.count_of_type(static_cast<std::uint8_t>(t));
        const auto name = proto::type_name(static_cast<std::uint8_t>(t));
        if (n && !by_type.contains(name)) by_type[name] = n;
    }
    const std::size_t last_hour = store.count_since(now - 3600);
    const std::size_t total = store.size();
    const auto oldest = store.oldest_timestamp();
    const auto newest = store.newest_timestamp();
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
    j["total_messages"] = total;
    j["total_by_type"] = std::move(by_type);
    j["known_signers"] = known;
    if (full) {
        j["active_signers"] = known - revoked;
        j["revoked_keys"] = revoked;
    }
    j["oldest_message_age"] =
        oldest ? nlohmann::ordered_json(now - *oldest) : nlohmann::ordered_json();
    j["newest_message_age"] =
        newest ? nlohmann::ordered_json(now - *newest) : nlohmann::ordered_json();
    if (full) {
        j["messages_per_hour"] = static_cast<double>(last_hour);
        const auto capacity = node.config().max_messages;
        j["store_capacity"] = capacity;
        j["store_usage_pct"] = 100.0 * static_cast<double>(total) / static_cast<double>(capacity);
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
        std::vector<std::size_t> signed_by;
        {
            auto lock = node.read_store();
            for (const auto& e : keys)
                signed_by.push_back(node.store().count_of_signer(e.signing_id));
        }
        std::size_t key_no = 0;
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
            k["messages_signed"] = signed_by[key_no++];
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
        auto arr = nlohmann::ordered_json::array();
        std::size_t revoked = 0;
        for (const auto& e : store.registry().entries()) {
            auto sid = from_hex_fixed<20>(e.signing_id_hex);
            const std::size_t signed_count = sid ? store.count_of_signer(*sid) : 0;
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
            node.store().for_each_between(
                static_cast<double>(first), static_cast<double>(this_hour + 3600),
                [&](const proto::ShareMessage& m) {
                    const auto ts = static_cast<std::int64_t>(m.timestamp);
                    ++counts[static_cast<std::size_t>((ts - first) / 3600)]
                            [proto::type_name(m.msg_type)];
                });
        }
        auto arr = nlohmann::ordered_json::array();
        for (long long i = 0; i < hours; ++i) {
            nlohmann::ordered_json h;
            h["start"] = first + i * 3600;
            nlohmann::ordered_json c = nlohmann::ordered_json::object();
            for (auto t : kAllMessageTypes)
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

HttpReply from_answer(const ApiAnswer& a) {
    return json_reply(a.status, a.body);
}

HttpReply from_error(const ApiError& e) {
    return error_reply(e.status, e.error, e.detail);
}

void post_send(Node& node, const std::string& body, const std::function<void(HttpReply)>& done) {
    auto req = parse_send(body);
    if (auto* err = std::get_if<ApiError>(&req)) return done(from_error(*err));
    node.send(std::move(std::get<SendRequest>(req)), [done](ApiAnswer a) { done(from_answer(a)); });
}

void post_ban(Node& node, const std::string& body, bool add,
              const std::function<void(HttpReply)>& done) {
    auto ban = parse_ban(body);
    if (auto* err = std::get_if<ApiError>(&ban)) return done(from_error(*err));
    node.ban(std::move(std::get<store::Ban>(ban)), add,
             [done](ApiAnswer a) { done(from_answer(a)); });
}

void post_rotate(Node& node, const std::string& body, const std::function<void(HttpReply)>& done) {
    auto req = parse_rotate(body);
    if (auto* err = std::get_if<ApiError>(&req)) return done(from_error(*err));
    node.rotate_key(std::move(std::get<RotateRequest>(req)),
                    [done](ApiAnswer a) { done(from_answer(a)); });
}

}  // namespace

void route(Node& node, const HttpRequest& req, std::function<void(HttpReply)> done) {
    std::string path;
    auto params = parse_query(req.target, path);
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
        if (path == "/msg/send") return post_send(node, req.body, done);
        if (path == "/msg/ban") return post_ban(node, req.body, req.method == "POST", done);
        return post_rotate(node, req.body, done);
    }
    if (req.method != "GET")
        return done(error_reply(405, "method not allowed", req.method + " " + path));
    if (path == "/msg/outbox")
        return node.outbox([done](ApiAnswer a) { done(json_reply(a.status, a.body)); });
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
