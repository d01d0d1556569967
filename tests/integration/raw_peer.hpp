// A minimal p2pool peer for the integration tests: a blocking socket on 127.0.0.1 (or another
// loopback address, to stand for another host) speaking the devnet's framing through the
// library's codec (handshake, send, receive); also a listener that a node under test dials.
#pragma once

#include <poll.h>

#include <optional>
#include <variant>
#include <vector>

#include "harness.hpp"
#include "node/network.hpp"
#include "p2p/frame.hpp"
#include "p2p/messages.hpp"

namespace itest {

// A blocking TCP connection to 127.0.0.1:port from the loopback address `from` (127.0.0.2
// and the rest of 127/8 stand for other hosts); fd, or -1.
inline int connect_from(const std::string& from, std::uint16_t port, int timeout_ms = 5000) {
    return connect_local(port, timeout_ms, from.c_str());
}

// A listening socket on 127.0.0.1 (a free port, written to `port`); fd, or -1.
inline int listen_local(std::uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        return -1;
    }
    port = ntohs(a.sin_port);
    return fd;
}

// The next connection on `listener` within timeout_ms (fd, with a 5 s receive timeout), or -1.
inline int accept_within(int listener, int timeout_ms) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return -1;
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return -1;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

class RawPeer {
  public:
    explicit RawPeer(std::uint16_t port)
        : fd_(connect_local(port, 5000)), decoder_(net_.p2p.prefix) {}
    // From another loopback address (another "host" for the node's per-address rules).
    RawPeer(std::uint16_t port, const std::string& from)
        : fd_(connect_from(from, port)), decoder_(net_.p2p.prefix) {}
    // On another network than the devnet (its prefix frames every message), from the loopback
    // address `from`.
    RawPeer(std::uint16_t port, sharemsg::node::Network net, const std::string& from = "127.0.0.1")
        : net_(std::move(net)), fd_(connect_from(from, port)), decoder_(net_.p2p.prefix) {}
    // A connection accepted from a node that dialled us.
    static RawPeer adopt(int fd) { return RawPeer(fd, Adopt{}); }
    RawPeer(RawPeer&& o) noexcept
        : fd_(std::exchange(o.fd_, -1)),
          decoder_(std::move(o.decoder_)),
          pending_(std::move(o.pending_)),
          closed_(o.closed_) {}
    ~RawPeer() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool connected() const { return fd_ >= 0; }
    bool send(const sharemsg::p2p::Message& m) {
        auto bytes = sharemsg::p2p::encode_message(net_.p2p.prefix, m);
        return bytes && send_bytes(*bytes);
    }
    // Any bytes, as they are (hostile frames).
    bool send_bytes(sharemsg::ByteView b) {
        while (!b.empty()) {
            const ssize_t n = ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            b = b.subspan(static_cast<std::size_t>(n));
        }
        return true;
    }
    // The frame of `m` (prefix, header, payload), to send later or altered.
    sharemsg::Bytes frame(const sharemsg::p2p::Message& m) const {
        return sharemsg::p2p::encode_message(net_.p2p.prefix, m).value();
    }
    // The next decoded message, or nullopt when the connection closed or timed out.
    std::optional<sharemsg::p2p::Message> next() {
        for (;;) {
            if (!pending_.empty()) {
                auto m = std::move(pending_.front());
                pending_.erase(pending_.begin());
                return m;
            }
            std::uint8_t buf[65536];
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                closed_ = (n == 0 || errno == ECONNRESET);
                return std::nullopt;
            }
            for (auto& ev : decoder_.feed(sharemsg::ByteView(buf, static_cast<std::size_t>(n))))
                if (auto* f = std::get_if<sharemsg::p2p::Frame>(&ev))
                    if (auto m = sharemsg::p2p::decode_message(f->command, f->payload))
                        pending_.push_back(std::move(*m));
        }
    }
    bool closed_by_remote() {
        while (next()) {
        }
        return closed_;
    }
    bool handshake() {
        sharemsg::p2p::Version v;
        v.version = sharemsg::p2p::PROTOCOL_VERSION;
        v.nonce = 0x1234567890abcdefULL;
        v.mode = sharemsg::p2p::VERSION_MODE;
        if (!send(v)) return false;
        while (auto m = next())
            if (std::holds_alternative<sharemsg::p2p::Version>(*m)) return true;
        return false;
    }

    // The share `hash` (as /health shows it), asked for with a sharereq; nullopt if the
    // node does not answer with it.
    std::optional<sharemsg::p2p::WrappedShare> fetch_share(const std::string& hash_hex) {
        auto bytes = sharemsg::from_hex(hash_hex);
        if (!bytes || bytes->size() != 32) return std::nullopt;
        sharemsg::p2p::ShareReq req;
        req.id[0] = 0x5a;
        std::copy(bytes->begin(), bytes->end(), req.hashes.emplace_back().begin());
        req.parents = 0;
        auto r = request(req);
        if (!r || r->shares.empty()) return std::nullopt;
        return r->shares.front();
    }
    // Sends `req` and waits for the sharereply with its id (nullopt: closed or timed out).
    std::optional<sharemsg::p2p::ShareReply> request(const sharemsg::p2p::ShareReq& req) {
        if (!send(req)) return std::nullopt;
        while (auto m = next())
            if (auto* r = std::get_if<sharemsg::p2p::ShareReply>(&*m); r && r->id == req.id)
                return std::move(*r);
        return std::nullopt;
    }

  private:
    struct Adopt {};
    RawPeer(int fd, Adopt) : fd_(fd), decoder_(net_.p2p.prefix) {}

    sharemsg::node::Network net_ = sharemsg::node::devnet_network();
    int fd_;
    sharemsg::p2p::FrameDecoder decoder_;
    std::vector<sharemsg::p2p::Message> pending_;
    bool closed_ = false;
};

}  // namespace itest
