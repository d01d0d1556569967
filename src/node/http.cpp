#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/http.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "node/node.hpp"

namespace sharemsg::node {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

HttpReply json_reply(unsigned status, const nlohmann::ordered_json& j) { return {status, "application/json", j.dump()}; }

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

nlohmann::ordered_json message_json(const proto::ShareMessage& m, double now) {
    auto j = proto::message_to_json(m, now);
    j["message_hash"] = to_hex(m.hash());
    return j;
}

}  // namespace

HttpReply route(Node& node, const std::string& method, const std::string& target, const std::string&) {
    std::string path;
    auto params = query_params(target, path);
    node.metrics().inc("sharemsg_api_requests_total", "path=\"" + (path.rfind("/msg/", 0) == 0 || path == "/health" || path == "/metrics" ? path : std::string("other")) + "\"");
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
    if (path == "/msg/recent" || path == "/msg/chat" || path == "/msg/announcements" || path == "/msg/alerts" ||
        path == "/msg/status") {
        proto::MessageQuery q;
        q.limit = 50;
        if (params.count("limit")) {
            auto l = parse_int(params["limit"]);
            if (!l || *l < 1 || *l > 200) return error_reply(400, "bad limit", "limit must be an integer from 1 to 200");
            q.limit = static_cast<std::size_t>(*l);
        }
        if (params.count("since")) {
            auto s = parse_int(params["since"]);
            if (!s || *s < 0) return error_reply(400, "bad since", "since must be a non-negative unix timestamp");
            q.since = static_cast<double>(*s);
        }
        if (path == "/msg/chat") q.msg_type = proto::MSG_MINER_MESSAGE;
        if (path == "/msg/announcements") q.msg_type = proto::MSG_POOL_ANNOUNCE;
        if (path == "/msg/alerts") q.msg_type = proto::MSG_EMERGENCY;
        if (path == "/msg/status") q.msg_type = proto::MSG_NODE_STATUS;
        const double now = node.now();
        auto lock = node.read_store();
        auto arr = nlohmann::ordered_json::array();
        for (const auto& m : node.store().query(q)) arr.push_back(message_json(*m, now));
        nlohmann::ordered_json j;
        j["messages"] = std::move(arr);
        j["count"] = j["messages"].size();
        return json_reply(200, j);
    }
    if (path == "/msg/stats") {
        auto lock = node.read_store();
        return json_reply(200, node.store().stats());
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
            http::async_read(stream, buffer, *parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec == http::error::body_limit) {
                    self->respond(error_reply(413, "payload too large", "request bodies are limited to 64 KiB"), false);
                    return;
                }
                if (ec) return;  // closed, timed out or malformed: drop the connection
                auto& req = self->parser->get();
                HttpReply r;
                try {
                    r = route(self->node, std::string(req.method_string()), std::string(req.target()), req.body());
                } catch (const std::exception& e) {
                    spdlog::error("http: {} {}: {}", std::string(req.method_string()), std::string(req.target()), e.what());
                    r = error_reply(500, "internal error", e.what());
                }
                self->respond(std::move(r), req.keep_alive());
            });
        }

        void respond(HttpReply r, bool keep_alive) {
            node.metrics().inc("sharemsg_api_responses_total", "status=\"" + std::to_string(r.status) + "\"");
            res = {};
            res.result(r.status);
            res.version(11);
            res.set(http::field::server, "sharemsgd");
            res.set(http::field::content_type, r.content_type);
            res.set(http::field::cache_control, "no-store");
            res.keep_alive(keep_alive);
            res.body() = std::move(r.body);
            res.prepare_payload();
            http::async_write(stream, res, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
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

HttpServer::HttpServer(boost::asio::io_context& io, Node& node) : impl_(std::make_unique<Impl>(io, node)) {}
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
    if (ec) return make_error(Errc::io, "HTTP listen on " + bind + ":" + std::to_string(port) + ": " + ec.message());
    impl_->accept();
    return Ok{};
}

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace sharemsg::node
