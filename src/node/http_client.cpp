#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sharemsg::node {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<HttpResponse> http_call(const HttpCall& call) {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    http::request<http::string_body> req;
    req.method_string(call.method);
    req.target(call.target);
    req.version(11);
    req.set(http::field::host, call.host);
    req.set(http::field::user_agent, "sharemsg");
    if (!call.bearer_token.empty())
        req.set(http::field::authorization, "Bearer " + call.bearer_token);
    if (!call.body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = call.body;
    req.prepare_payload();
    req.keep_alive(false);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    beast::error_code result;
    std::string stage = "resolve";
    resolver.async_resolve(
        call.host, std::to_string(call.port),
        [&](beast::error_code ec, tcp::resolver::results_type eps) {
            if (ec) {
                result = ec;
                return;
            }
            stage = "connect";
            stream.expires_after(call.timeout);
            stream.async_connect(eps, [&](beast::error_code ec2, const tcp::endpoint&) {
                if (ec2) {
                    result = ec2;
                    return;
                }
                stage = "send";
                http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
                    if (ec3) {
                        result = ec3;
                        return;
                    }
                    stage = "read";
                    http::async_read(stream, buffer, parser,
                                     [&](beast::error_code ec4, std::size_t) { result = ec4; });
                });
            });
        });
    io.run();
    if (result)
        return make_error(Errc::io, stage + " " + call.host + ":" + std::to_string(call.port) +
                                        ": " + result.message());
    HttpResponse r;
    auto& res = parser.get();
    r.status = res.result_int();
    r.body = std::move(res.body());
    if (auto it = res.find(http::field::content_type); it != res.end())
        r.content_type = std::string(it->value());
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return r;
}

Result<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        return make_error(Errc::invalid_argument, "expected HOST:PORT, got \"" + text + "\"");
    const std::string port = text.substr(colon + 1);
    unsigned long v = 0;
    for (char c : port) {
        if (c < '0' || c > '9' || v > 65535)
            return make_error(Errc::invalid_argument, "bad port in \"" + text + "\"");
        v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    if (v == 0 || v > 65535)
        return make_error(Errc::invalid_argument, "bad port in \"" + text + "\"");
    return std::pair<std::string, std::uint16_t>{text.substr(0, colon),
                                                 static_cast<std::uint16_t>(v)};
}

}  // namespace sharemsg::node
