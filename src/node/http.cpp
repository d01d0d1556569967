#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/http.hpp"

#include <sys/resource.h>

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "node/http_routes.hpp"
#include "node/mail_routes.hpp"
#include "node/node.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <list>

namespace sharemsg::node {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// docs/api.md, "Limits".
constexpr std::size_t kMaxHeader = 8 * 1024;
constexpr std::size_t kMaxBody = 64 * 1024;
constexpr std::size_t kMaxMailboxBody = 96 * 1024;  // mailbox::MAX_BODY, for /mailbox/*
constexpr std::string_view kMailboxPrefix = "/mailbox/";
constexpr const char* kBodyLimitText = "request bodies are limited to 64 KiB (96 KiB on /mailbox/)";
// The endpoint whose event stream carries `topic` (for the log).
const char* stream_name(const std::string& topic) {
    if (topic.empty()) return "/msg/stream";
    return topic == MAIL_STREAM_TOPIC ? "/mail/stream" : "/mailbox/subscribe";
}
constexpr auto kHeaderTimeout = 10s;  // a new connection's request head
constexpr auto kIdleTimeout = 15s;    // the next request head on a kept-alive connection
constexpr auto kBodyTimeout = 10s;    // the body, once the head is in
constexpr auto kWriteTimeout = 30s;   // an answer, or one stream event
constexpr auto kStreamKeepalive = 15s;
constexpr auto kAcceptRetry = 250ms;           // after a failed accept (out of descriptors, say)
constexpr std::size_t kSseMaxQueued = 1024;    // events a stream subscriber may fall behind
constexpr std::size_t kSseMaxBytes = 1 << 20;  // and their bytes
constexpr auto kRefusalLinger = 2s;

// The content security policy of the pages: their own scripts, styles, images and API only,
// and never inside a frame. Every other answer gets the strictest one.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
constexpr const char* kDataPolicy = "default-src 'none'; frame-ancestors 'none'";

bool is_page(const std::string& content_type) {
    return content_type.rfind("text/html", 0) == 0;
}

// The headers of every answer, stream included, as "Name: value\r\n" pairs.
std::string common_headers(bool page) {
    return std::string(
               "Server: sharemsgd\r\nCache-Control: no-store\r\n"
               "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
               "Referrer-Policy: no-referrer\r\n"
               "Cross-Origin-Resource-Policy: same-origin\r\n"
               "Content-Security-Policy: ") +
           (page ? kPagePolicy : kDataPolicy) + "\r\n";
}

template <class Response>
void set_common_headers(Response& res, bool page) {
    res.set(http::field::server, "sharemsgd");
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Cross-Origin-Resource-Policy", "same-origin");
    res.set("Content-Security-Policy", page ? kPagePolicy : kDataPolicy);
}

std::optional<ClientKey> client_of(const tcp::socket& s) {
    beast::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    if (ec) return std::nullopt;
    const auto a = ep.address();
    if (a.is_v4()) return client_key_v4(a.to_v4().to_bytes());
    return client_key_v6(a.to_v6().to_bytes());
}

HttpLimits limits_of_this_process(const Config& cfg) {
    rlimit r{};
    const bool unlimited = ::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY;
    return limits_for_open_files(unlimited ? ~std::uint64_t{0} : r.rlim_cur,
                                 cfg.web_client_connections, cfg.web_client_streams);
}

using Event = std::shared_ptr<const std::string>;

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    boost::asio::io_context& io;
    Node& node;
    tcp::acceptor acceptor;
    boost::asio::steady_timer keepalive;
    boost::asio::steady_timer accept_retry;
    HostAllowList hosts;
    std::string hosts_error;  // a bad --web-allow-host, reported by listen()
    ClientSlots slots;
    std::size_t refusing = 0;
    bool closed = false;

    Impl(boost::asio::io_context& i, Node& n)
        : io(i),
          node(n),
          acceptor(i),
          keepalive(i),
          accept_retry(i),
          slots(limits_of_this_process(n.config())) {
        std::vector<std::string> names;
        for (const auto& h : n.config().web_allow_hosts) {
            auto v = HostAllowList::normalize(h);
            if (!v) {
                hosts_error = v.error().reason;
                continue;
            }
            names.push_back(*v);
        }
        if (auto b = HostAllowList::bind_name(n.config().web_bind)) names.push_back(*b);
        hosts = HostAllowList(std::move(names));
    }

    // Runs `f` on the I/O thread, later. The destructors of connections use it: the last owner
    // of a connection may be an answer's callback on another thread, or a loop over
    // `sessions`, which the clean-up must not change under it.
    template <class F>
    void later(F&& f) {
        boost::asio::post(io, std::forward<F>(f));
    }

    // ---- Event streams -------------------------------------------------------------------
    // The response head, then one event per message: /msg/stream's (topic empty) get every
    // stored message, a mailbox subscriber's (topic: its signing id) the ids stored for it,
    // /mail/stream's (topic MAIL_STREAM_TOPIC) the node's own mail as it enters the inbox.
    // Events (shared by the subscribers) wait in a bounded queue; a subscriber that falls too
    // far behind is dropped (it reconnects and catches up: /msg/recent?since=, or the
    // mailbox's state event).
    std::atomic<std::size_t> topic_streams{0};
    struct Sse : std::enable_shared_from_this<Sse> {
        beast::tcp_stream stream;
        std::shared_ptr<Impl> server;
        ClientKey client;
        PrivateText text;
        std::string topic;
        std::deque<Event> queue;
        std::size_t queued_bytes = 0;
        bool writing = false;
        bool dead = false;
        std::array<char, 512> sink{};
        Sse(beast::tcp_stream s, std::shared_ptr<Impl> srv, ClientKey c, PrivateText t,
            std::string tp)
            : stream(std::move(s)),
              server(std::move(srv)),
              client(c),
              text(t),
              topic(std::move(tp)) {
            server->slots.take(client, Slot::stream);
            if (!topic.empty()) ++server->topic_streams;
        }
        ~Sse() {
            if (!topic.empty()) --server->topic_streams;
            server->later([srv = server, c = client] { srv->slots.give_back(c, Slot::stream); });
        }

        void push(Event ev) {
            if (dead) return;
            if (queue.size() >= kSseMaxQueued || queued_bytes + ev->size() > kSseMaxBytes) {
                spdlog::info("http: {} client too slow; dropped", stream_name(topic));
                close();
                return;
            }
            queued_bytes += ev->size();
            queue.push_back(std::move(ev));
            write_next();
        }
        void write_next() {
            if (writing || dead || queue.empty()) return;
            writing = true;
            stream.expires_after(kWriteTimeout);
            boost::asio::async_write(
                stream, boost::asio::buffer(*queue.front()),
                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    self->writing = false;
                    if (ec) return self->close();
                    self->queued_bytes -= self->queue.front()->size();
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
    std::vector<std::weak_ptr<Sse>> sse;

    void prune_sse() {
        std::erase_if(sse, [](const std::weak_ptr<Sse>& w) {
            auto p = w.lock();
            return !p || p->dead;
        });
    }

    // Every /msg/stream subscriber gets `pub`, except those with the token, who get `priv`.
    void broadcast(const Event& pub, const Event& priv) {
        for (auto& w : sse)
            if (auto p = w.lock(); p && p->topic.empty())
                p->push(p->text == PrivateText::shown ? priv : pub);
        prune_sse();
    }
    // The subscribers of `topic` get `ev`.
    void publish_topic(const std::string& topic, const Event& ev) {
        for (auto& w : sse)
            if (auto p = w.lock(); p && p->topic == topic) p->push(ev);
        prune_sse();
    }

    void tick_keepalive() {
        keepalive.expires_after(kStreamKeepalive);
        keepalive.async_wait([this](beast::error_code ec) {
            if (ec || closed) return;
            const auto ev = std::make_shared<const std::string>(": keepalive\n\n");
            for (auto& w : sse)
                if (auto p = w.lock()) p->push(ev);
            prune_sse();
            tick_keepalive();
        });
    }

    // ---- Connections ---------------------------------------------------------------------
    struct Session;
    std::list<std::weak_ptr<Session>> sessions;  // oldest first

    struct Session : std::enable_shared_from_this<Session> {
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        std::optional<http::request_parser<http::string_body>> parser;
        http::response<http::string_body> res;
        std::shared_ptr<Impl> server;
        ClientKey client;
        std::list<std::weak_ptr<Session>>::iterator pos;
        bool holds_slot = true;  // a request slot of `client`
        bool waiting = false;    // reading a request: may give way to a new connection
        bool kept_alive = false;

        Session(tcp::socket s, std::shared_ptr<Impl> srv, ClientKey c)
            : stream(std::move(s)), server(std::move(srv)), client(c) {
            server->slots.take(client, Slot::request);
        }
        ~Session() {
            server->later([srv = server, c = client, p = pos, slot = holds_slot] {
                if (slot) srv->slots.give_back(c, Slot::request);
                srv->sessions.erase(p);
            });
        }

        // Ends a connection that is waiting for its request, to make room for another.
        void evict() {
            waiting = false;
            if (holds_slot) {
                holds_slot = false;
                server->slots.give_back(client, Slot::request);
            }
            beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream.socket().close(ignored);
        }

        void read() {
            parser.emplace();
            parser->header_limit(kMaxHeader);
            parser->body_limit(kMaxMailboxBody);  // narrowed for other paths once the head is in
            waiting = true;
            stream.expires_after(kept_alive ? kIdleTimeout : kHeaderTimeout);
            http::async_read_header(stream, buffer, *parser,
                                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                        if (ec) return self->read_failed(ec);
                                        if (!self->narrow_body_limit()) return;
                                        if (self->parser->is_done()) return self->dispatch();
                                        self->read_body();
                                    });
        }

        // Bodies up to kMaxBody, but on the mailbox's paths (kMaxMailboxBody); false when a
        // Content-Length over it was answered 413.
        bool narrow_body_limit() {
            const auto target = parser->get().target();
            if (std::string_view(target.data(), target.size()).starts_with(kMailboxPrefix))
                return true;
            const auto length = parser->content_length();
            if (length && *length > kMaxBody) {
                respond(error_reply(413, "payload too large", kBodyLimitText), false);
                return false;
            }
            parser->body_limit(kMaxBody);
            return true;
        }

        void read_body() {
            stream.expires_after(kBodyTimeout);
            http::async_read(stream, buffer, *parser,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 if (ec) return self->read_failed(ec);
                                 self->dispatch();
                             });
        }

        // A head or body over its limit is answered (a Content-Length over the body limit is
        // already known with the head); anything else (closed, timed out, malformed) drops
        // the connection.
        void read_failed(beast::error_code ec) {
            if (ec == http::error::header_limit)
                return respond(
                    error_reply(431, "header too large", "request heads are limited to 8 KiB"),
                    false);
            if (ec == http::error::body_limit)
                return respond(error_reply(413, "payload too large", kBodyLimitText), false);
        }

        void dispatch() {
            waiting = false;
            auto& req = parser->get();
            const bool keep_alive = req.keep_alive();
            HttpRequest r;
            r.method = std::string(req.method_string());
            r.target = std::string(req.target());
            r.body = std::move(req.body());
            if (auto it = req.find(http::field::authorization); it != req.end())
                r.authorization = std::string(it->value());
            if (auto it = req.find(http::field::host); it != req.end())
                r.host = std::string(it->value());
            r.client = to_hex(client);
            auto self = shared_from_this();
            auto done = [self, keep_alive](HttpReply reply) {
                // Writes may answer from the chain or database thread: back to the I/O thread.
                boost::asio::post(self->stream.get_executor(),
                                  [self, keep_alive, reply = std::move(reply)]() mutable {
                                      self->respond(std::move(reply), keep_alive);
                                  });
            };
            try {
                route(server->node, server->hosts, r, done, [self](StreamStart s) {
                    boost::asio::post(
                        self->stream.get_executor(),
                        [self, s = std::move(s)]() mutable { self->start_stream(std::move(s)); });
                });
            } catch (const std::exception& e) {
                spdlog::error("http: {} {}: {}", r.method, r.target, e.what());
                done(error_reply(500, "internal error", e.what()));
            }
        }

        void start_stream(StreamStart start) {
            auto& table = server->slots;
            server->prune_sse();
            if (table.room(client, Slot::stream) != ClientSlots::Room::free) {
                const bool mine =
                    table.room(client, Slot::stream) == ClientSlots::Room::client_full;
                server->node.metrics().inc(
                    "sharemsg_http_refused_total",
                    mine ? "reason=\"client_streams\"" : "reason=\"server_streams\"");
                respond(error_reply(503, "too many streams",
                                    mine ? "this client holds " +
                                               std::to_string(table.limits().streams_per_client) +
                                               " streams already"
                                         : "the node serves " +
                                               std::to_string(table.limits().streams_total) +
                                               " streams already; try again later"),
                        false);
                return;
            }
            server->node.metrics().inc("sharemsg_api_responses_total", "status=\"200\"");
            // The connection becomes a stream: it gives back its request slot.
            holds_slot = false;
            table.give_back(client, Slot::request);
            auto s = std::make_shared<Sse>(std::move(stream), server, client, start.text,
                                           std::move(start.topic));
            s->stream.expires_never();
            server->sse.push_back(s);
            s->push(std::make_shared<const std::string>(
                "HTTP/1.1 200 OK\r\n" + common_headers(false) +
                "Content-Type: text/event-stream\r\nConnection: keep-alive\r\n\r\nretry: "
                "3000\n\n"));
            if (!start.first.empty()) s->push(std::make_shared<const std::string>(start.first));
            s->watch();
        }

        void respond(HttpReply r, bool keep_alive) {
            waiting = false;
            server->node.metrics().inc("sharemsg_api_responses_total",
                                       "status=\"" + std::to_string(r.status) + "\"");
            res = {};
            res.result(r.status);
            res.version(11);
            set_common_headers(res, is_page(r.content_type));
            res.set(http::field::content_type, r.content_type);
            if (r.retry_after) res.set(http::field::retry_after, std::to_string(r.retry_after));
            res.keep_alive(keep_alive);
            res.body() = std::move(r.body);
            res.prepare_payload();
            stream.expires_after(kWriteTimeout);
            http::async_write(
                stream, res,
                [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                    if (ec || !keep_alive) {
                        beast::error_code ignored;
                        self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        return;
                    }
                    self->kept_alive = true;
                    self->read();
                });
        }
    };

    // A connection there is no room for: a 503 written at once (the request is not read),
    // then the connection is drained for a moment so that the client reads the answer rather
    // than a reset.
    struct Refusal : std::enable_shared_from_this<Refusal> {
        beast::tcp_stream stream;
        std::shared_ptr<Impl> server;
        std::string text;
        std::array<char, 512> sink{};
        Refusal(tcp::socket s, std::shared_ptr<Impl> srv, const std::string& detail)
            : stream(std::move(s)), server(std::move(srv)) {
            ++server->refusing;
            const auto body = error_reply(503, "too many connections", detail).body;
            text = "HTTP/1.1 503 Service Unavailable\r\n" + common_headers(false) +
                   "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
        }
        ~Refusal() {
            server->later([srv = server] { --srv->refusing; });
        }
        void start() {
            stream.expires_after(kRefusalLinger);
            boost::asio::async_write(
                stream, boost::asio::buffer(text),
                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) return;
                    beast::error_code ignored;
                    self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                    self->drain();
                });
        }
        void drain() {
            stream.async_read_some(boost::asio::buffer(sink),
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                       if (!ec) self->drain();
                                   });
        }
    };

    void refuse(tcp::socket s, const char* reason, const std::string& detail) {
        node.metrics().inc("sharemsg_http_refused_total", std::string("reason=\"") + reason + "\"");
        if (refusing >= slots.limits().refusals) {
            beast::error_code ignored;
            s.close(ignored);
            return;
        }
        std::make_shared<Refusal>(std::move(s), shared_from_this(), detail)->start();
    }

    // Ends the oldest connection of `client` that is waiting for a request; false if none is.
    bool evict_waiting(const ClientKey& client) {
        for (auto& w : sessions) {
            auto s = w.lock();
            if (s && s->holds_slot && s->waiting && s->client == client) {
                s->evict();
                node.metrics().inc("sharemsg_http_evicted_total");
                return true;
            }
        }
        return false;
    }

    // Keeps a new connection if there is room, or makes room by ending a connection that is
    // waiting for its request: the client's own oldest when the client is at its cap, the
    // oldest of the client holding the most when the server is full. Otherwise refuses it.
    void admit(tcp::socket s) {
        const auto client = client_of(s);
        if (!client) return;
        const auto& l = slots.limits();
        switch (slots.room(*client, Slot::request)) {
            case ClientSlots::Room::free:
                break;
            case ClientSlots::Room::client_full:
                if (!evict_waiting(*client))
                    return refuse(std::move(s), "client",
                                  "this client holds " + std::to_string(l.per_client) +
                                      " connections, all busy; try again later");
                break;
            case ClientSlots::Room::server_full: {
                const auto busiest = slots.busiest();
                if (!busiest ||
                    slots.held(*busiest, Slot::request) <= slots.held(*client, Slot::request) ||
                    !evict_waiting(*busiest))
                    return refuse(std::move(s), "server",
                                  "the node holds " + std::to_string(l.total) +
                                      " connections; try again later");
                break;
            }
        }
        auto session = std::make_shared<Session>(std::move(s), shared_from_this(), *client);
        session->pos = sessions.insert(sessions.end(), session);
        session->read();
    }

    void accept() {
        acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) {
            if (ec == boost::asio::error::operation_aborted || self->closed) return;
            if (ec) {
                // Out of descriptors (EMFILE, ENFILE) or another failure: the connection waits
                // in the backlog; try again shortly rather than spin on it.
                self->node.metrics().inc("sharemsg_http_accept_errors_total");
                spdlog::debug("http: accept: {}", ec.message());
                self->accept_retry.expires_after(kAcceptRetry);
                self->accept_retry.async_wait([self](beast::error_code e) {
                    if (!e && !self->closed) self->accept();
                });
                return;
            }
            self->admit(std::move(s));
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
    impl_->accept_retry.cancel();
    for (auto& w : impl_->sse)
        if (auto p = w.lock()) p->close();
}

Status HttpServer::listen(const std::string& bind, std::uint16_t port) {
    if (!impl_->hosts_error.empty()) return make_error(Errc::invalid_argument, impl_->hosts_error);
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
    const auto& l = impl_->slots.limits();
    std::string names;
    for (const auto& n : impl_->hosts.names())
        names += (names.empty() ? "" : ", ") + n;
    spdlog::info(
        "http: serving Host {}; {} connections ({} per client), {} streams ({} per client)", names,
        l.total, l.per_client, l.streams_total, l.streams_per_client);
    impl_->accept();
    impl_->tick_keepalive();
    return Ok{};
}

std::uint16_t HttpServer::port() const {
    return impl_->acceptor.local_endpoint().port();
}

void HttpServer::publish_event(const std::string& topic, const std::string& event,
                               const std::string& data_json) {
    auto ev =
        std::make_shared<const std::string>("event: " + event + "\ndata: " + data_json + "\n\n");
    boost::asio::post(impl_->io, [impl = impl_, topic, ev] {
        if (!impl->closed) impl->publish_topic(topic, ev);
    });
}

std::size_t HttpServer::topic_streams() const {
    return impl_->topic_streams.load();
}

void HttpServer::publish(const std::vector<proto::ShareMessage>& messages) {
    impl_->prune_sse();
    if (impl_->sse.empty()) return;
    const double now = impl_->node.now();
    for (const auto& m : messages) {
        std::vector<const char*> events{"message"};
        if (m.msg_type == proto::MSG_EMERGENCY || m.msg_type == proto::MSG_TRANSITION_SIGNAL)
            events.push_back("alert");
        for (const char* name : events) {
            const auto pub = std::make_shared<const std::string>(sse_event(
                name, message_json(m, now, PrivateText::hidden, impl_->node.cosign_authorities())));
            const auto priv = m.recipient
                                  ? std::make_shared<const std::string>(sse_event(
                                        name, message_json(m, now, PrivateText::shown,
                                                           impl_->node.cosign_authorities())))
                                  : pub;
            impl_->broadcast(pub, priv);
        }
    }
}

}  // namespace sharemsg::node
