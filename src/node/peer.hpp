// One p2pool peer connection on the node's I/O thread: framing, message decoding, the
// version handshake, pings and timeouts, an ordered write queue, and the connection's memory
// budget. What a message means is decided by Node; what a broken rule costs, and which
// connections are kept, by PeerManager.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio.hpp>

#include "p2p/frame.hpp"
#include "p2p/messages.hpp"
#include "util/rule.hpp"

namespace sharemsg::node {

class PeerManager;
class Peer;

// A message handed on by a peer stays "in flight" until its ticket is destroyed; while a peer
// has too much in flight (PeerLimits::max_in_flight_*), it reads no further. Move the ticket
// along with the work (to the chain thread and back); it releases on the peer's I/O thread
// whichever thread destroys it.
class WorkTicket {
  public:
    WorkTicket() = default;
    WorkTicket(std::shared_ptr<Peer> peer, std::size_t bytes)
        : peer_(std::move(peer)), bytes_(bytes) {}
    WorkTicket(WorkTicket&& o) noexcept : peer_(std::move(o.peer_)), bytes_(o.bytes_) {}
    WorkTicket& operator=(WorkTicket&& o) noexcept;
    WorkTicket(const WorkTicket&) = delete;
    WorkTicket& operator=(const WorkTicket&) = delete;
    ~WorkTicket() { release(); }
    void release();

  private:
    std::shared_ptr<Peer> peer_;
    std::size_t bytes_ = 0;
};

class Peer : public std::enable_shared_from_this<Peer> {
  public:
    // `target` is the HOST:PORT dialled for an outbound connection (a --peer target or an
    // address from the book; empty for inbound).
    Peer(PeerManager& manager, boost::asio::ip::tcp::socket socket, std::uint64_t id, bool outbound,
         std::string target);

    void start();  // sends our version, starts reading and the handshake timer
    void send(const p2p::Message& msg);
    void close(const std::string& why);

    std::uint64_t id() const { return id_; }
    bool outbound() const { return outbound_; }
    const std::string& target() const { return target_; }
    bool handshaken() const { return remote_version_.has_value(); }
    // From the peer's version message (0 before the handshake).
    std::uint64_t remote_nonce() const { return remote_version_ ? remote_version_->nonce : 0; }
    std::uint64_t remote_services() const {
        return remote_version_ ? remote_version_->services : 0;
    }
    std::uint16_t remote_port() const { return remote_port_; }
    // True when the peer's nonce was ours (we dialled our own listener).
    bool was_self() const { return was_self_; }
    // The port the peer said it listens on (`addrme`), 0 until then.
    std::uint16_t listen_port() const { return listen_port_; }
    void set_listen_port(std::uint16_t p) { listen_port_ = p; }
    // Any thread: true once the connection is closed.
    bool closed() const { return closed_.load(); }
    // Any thread: marks a peer whose ban is on its way (the chain thread found a banning rule
    // broken); from then on nothing more it sent is processed.
    void condemn() { condemned_ = true; }
    // Closed or condemned: work the peer queued is dropped, not done.
    bool doomed() const { return closed_.load() || condemned_.load(); }
    const std::string& label() const { return label_; }
    const std::string& remote_ip() const { return remote_ip_; }
    // Misbehaviour points (PeerManager::penalize); saturating, never wraps.
    int score() const { return score_; }
    void set_score(int s) { score_ = s; }
    // Bytes this connection holds: the frame under assembly, the messages in flight and the
    // send queue (the memory budget of PeerManager).
    std::size_t held() const { return held_; }

  private:
    friend class WorkTicket;
    void read();
    void consume();  // decodes buf_[buf_pos_, buf_len_) until done or paused
    void on_frame(p2p::Frame&& f);
    void write_next();
    void arm_idle_timer();
    void schedule_ping();
    bool paused() const;
    void work_done(std::size_t bytes);
    void update_held();

    PeerManager& manager_;
    boost::asio::io_context::executor_type manager_io_;  // the I/O thread's
    boost::asio::ip::tcp::socket socket_;
    std::uint64_t id_;
    bool outbound_;
    std::string target_;
    std::string label_, remote_ip_;
    std::uint16_t remote_port_ = 0;
    std::uint16_t listen_port_ = 0;
    bool was_self_ = false;
    p2p::FrameDecoder decoder_;
    std::array<std::uint8_t, 16384> buf_{};
    std::size_t buf_pos_ = 0, buf_len_ = 0;
    bool reading_ = false;
    bool consuming_ = false;
    std::size_t in_flight_ = 0, in_flight_bytes_ = 0;
    std::deque<Bytes> out_;
    std::size_t out_bytes_ = 0;
    std::size_t held_ = 0;
    bool writing_ = false;
    std::atomic<bool> closed_{false};
    std::atomic<bool> condemned_{false};
    int score_ = 0;
    std::optional<p2p::Version> remote_version_;
    boost::asio::steady_timer timer_;       // handshake, then idle timeout
    boost::asio::steady_timer ping_timer_;  // pings once handshaken
};

}  // namespace sharemsg::node
