// A small blocking HTTP/1.1 client for the API (the `sharemsg` client commands, tests and
// benchmarks): one request per connection, with a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace sharemsg::node {

struct HttpResponse {
    unsigned status = 0;
    std::string body;
    std::string content_type;
};

struct HttpCall {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string method = "GET";
    std::string target = "/";
    std::string body;  // sent as application/json when not empty
    std::string bearer_token;
    std::chrono::milliseconds timeout{10000};
};

// Errc::io with the reason (connection refused, timed out, ...) when there is no answer.
Result<HttpResponse> http_call(const HttpCall& call);

// "HOST:PORT" -> host and port; Errc::invalid_argument when malformed.
Result<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& text);

}  // namespace sharemsg::node
