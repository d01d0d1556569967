// The node's HTTP API (Boost.Beast) on the I/O thread. Kept out of widely included headers:
// Beast is slow to compile.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "proto/message.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

class Node;

class HttpServer {
  public:
    HttpServer(boost::asio::io_context& io, Node& node);
    ~HttpServer();
    Status listen(const std::string& bind, std::uint16_t port);
    std::uint16_t port() const;
    // Sends each message to the /msg/stream subscribers (I/O thread only).
    void publish(const std::vector<proto::ShareMessage>& messages);
    void close();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

struct HttpReply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
};
struct HttpRequest {
    std::string method;
    std::string target;
    std::string body;
    std::string authorization;  // the Authorization header, if any
};
// Routes one request. `done` gets the reply, at once for reads and once the change is
// durable for writes (then possibly on another thread).
void route(Node& node, const HttpRequest& req, std::function<void(HttpReply)> done);

}  // namespace sharemsg::node
