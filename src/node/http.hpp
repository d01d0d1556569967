// The node's HTTP API (Boost.Beast) on the I/O thread. Kept out of widely included headers:
// Beast is slow to compile.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "util/result.hpp"

namespace sharemsg::node {

class Node;

class HttpServer {
  public:
    HttpServer(boost::asio::io_context& io, Node& node);
    ~HttpServer();
    Status listen(const std::string& bind, std::uint16_t port);
    std::uint16_t port() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Routes one request; pure apart from reading the node. Exposed for tests.
struct HttpReply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
};
HttpReply route(Node& node, const std::string& method, const std::string& target,
                const std::string& body);

}  // namespace sharemsg::node
