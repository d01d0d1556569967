// The node's web port (Boost.Beast) on the I/O thread: connections, their limits and
// timeouts, the security headers, and the event streams (/msg/stream, /mailbox/subscribe,
// /mail/stream). What each endpoint answers is in http_routes.hpp. Kept out of widely included
// headers: Beast is slow to compile.
#pragma once

#include <cstdint>
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
    // Reads --web-allow-host and --web-bind from the node's configuration.
    HttpServer(boost::asio::io_context& io, Node& node);
    ~HttpServer();
    // Fails on a bad --web-allow-host value or when the port cannot be bound.
    Status listen(const std::string& bind, std::uint16_t port);
    std::uint16_t port() const;
    // Sends each message to the /msg/stream subscribers (I/O thread only): private text only
    // to the subscribers that gave the token.
    void publish(const std::vector<proto::ShareMessage>& messages);
    // Sends one event to the streams of `topic` (a mailbox's subscribers; any thread: it is
    // posted to the I/O thread, in the order of the calls).
    void publish_event(const std::string& topic, const std::string& event,
                       const std::string& data_json);
    // The streams open on a topic (the mailbox's subscribers); any thread.
    std::size_t topic_streams() const;
    void close();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace sharemsg::node
