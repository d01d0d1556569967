// A minimal p2pool peer for the integration tests: a blocking socket on 127.0.0.1 speaking
// the devnet's framing through the library's codec (handshake, send, receive).
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "harness.hpp"
#include "node/network.hpp"
#include "p2p/frame.hpp"
#include "p2p/messages.hpp"

namespace itest {

class RawPeer {
  public:
    explicit RawPeer(std::uint16_t port)
        : fd_(connect_local(port, 5000)), decoder_(net_.p2p.prefix) {}
    ~RawPeer() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool connected() const { return fd_ >= 0; }
    bool send(const sharemsg::p2p::Message& m) {
        auto bytes = sharemsg::p2p::encode_message(net_.p2p.prefix, m);
        return bytes && ::send(fd_, bytes->data(), bytes->size(), MSG_NOSIGNAL) ==
                            static_cast<ssize_t>(bytes->size());
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
                closed_ = (n == 0);
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
        if (!send(req)) return std::nullopt;
        while (auto m = next())
            if (auto* r = std::get_if<sharemsg::p2p::ShareReply>(&*m); r && r->id == req.id)
                return r->shares.empty() ? std::nullopt : std::optional(r->shares.front());
        return std::nullopt;
    }

  private:
    sharemsg::node::Network net_ = sharemsg::node::devnet_network();
    int fd_;
    sharemsg::p2p::FrameDecoder decoder_;
    std::vector<sharemsg::p2p::Message> pending_;
    bool closed_ = false;
};

}  // namespace itest
