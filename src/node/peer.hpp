// One p2pool peer connection on the node's I/O thread: framing, message decoding, the
// version handshake, timeouts and an ordered write queue. What a message means is decided
// by Node; what a broken rule costs is decided by Node::penalize.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio.hpp>

#include "p2p/frame.hpp"
#include "p2p/messages.hpp"

namespace sharemsg::node {

class Node;

class Peer : public std::enable_shared_from_this<Peer> {
  public:
    Peer(Node& node, boost::asio::ip::tcp::socket socket, std::uint64_t id, bool outbound);

    void start();  // sends our version, starts reading and the handshake timer
    void send(const p2p::Message& msg);
    void close(const std::string& why);

    std::uint64_t id() const { return id_; }
    bool outbound() const { return outbound_; }
    bool handshaken() const { return remote_version_.has_value(); }
    const std::string& label() const { return label_; }
    std::string remote_ip() const { return remote_ip_; }
    int score = 0;  // misbehaviour points (Node::penalize)

  private:
    void read();
    void on_bytes(std::size_t n);
    void on_frame(p2p::Frame&& f);
    void write_next();
    void arm_idle_timer();

    Node& node_;
    boost::asio::ip::tcp::socket socket_;
    std::uint64_t id_;
    bool outbound_;
    std::string label_, remote_ip_;
    p2p::FrameDecoder decoder_;
    std::array<std::uint8_t, 65536> buf_{};
    std::deque<Bytes> out_;
    std::size_t out_bytes_ = 0;
    bool writing_ = false;
    bool closed_ = false;
    std::optional<p2p::Version> remote_version_;
    boost::asio::steady_timer timer_;
};

}  // namespace sharemsg::node
