#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/peer.hpp"

#include <spdlog/spdlog.h>

#include "node/node.hpp"

namespace sharemsg::node {

namespace {
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kIdleTimeout = std::chrono::seconds(100);
constexpr std::size_t kMaxQueuedBytes = 64 * 1024 * 1024;  // a peer that does not read is dropped
}  // namespace

Peer::Peer(Node& node, boost::asio::ip::tcp::socket socket, std::uint64_t id, bool outbound)
    : node_(node),
      socket_(std::move(socket)),
      id_(id),
      outbound_(outbound),
      decoder_(node.network().p2p.prefix),
      timer_(socket_.get_executor()) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    remote_ip_ = ec ? "?" : ep.address().to_string();
    label_ = "peer " + std::to_string(id_) + " (" +
             (ec ? std::string("?") : remote_ip_ + ":" + std::to_string(ep.port())) +
             (outbound_ ? ", outbound)" : ", inbound)");
}

void Peer::start() {
    p2p::Version v;
    v.version = p2p::PROTOCOL_VERSION;
    v.services = 0;
    v.addr_to.address = p2p::ipv4_mapped(127, 0, 0, 1);
    v.addr_from.address = p2p::ipv4_mapped(127, 0, 0, 1);
    v.addr_from.port = node_.config().p2p_port;
    v.nonce = node_.nonce();
    const std::string sub = "sharemsgd/0.1";
    v.sub_version.assign(sub.begin(), sub.end());
    v.mode = p2p::VERSION_MODE;
    if (auto best = node_.best_share()) {
        chain::Uint256 b{};
        std::copy(best->begin(), best->end(), b.begin());
        v.best_share_hash = b;
    }
    send(v);
    timer_.expires_after(kHandshakeTimeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec && !self->handshaken()) self->close("no version message within 10 s");
    });
    read();
}

void Peer::read() {
    socket_.async_read_some(
        boost::asio::buffer(buf_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
            if (self->closed_) return;
            if (ec) {
                self->close(ec == boost::asio::error::eof ? "closed by peer" : ec.message());
                return;
            }
            self->on_bytes(n);
            if (!self->closed_) self->read();
        });
}

void Peer::on_bytes(std::size_t n) {
    auto self = shared_from_this();
    decoder_.feed(ByteView(buf_.data(), n), [&](p2p::FrameEvent&& ev) {
        if (closed_) return;
        if (auto* f = std::get_if<p2p::Frame>(&ev)) {
            on_frame(std::move(*f));
            return;
        }
        const auto& err = std::get<p2p::FrameError>(ev);
        if (err.code == p2p::FrameErrc::bad_checksum) {
            node_.penalize(self, "bad checksum", err.reason, 100);
        } else {
            spdlog::debug("{}: {}: {}", label_, p2p::frame_errc_name(err.code), err.reason);
        }
    });
}

void Peer::on_frame(p2p::Frame&& f) {
    auto self = shared_from_this();
    auto msg = p2p::decode_message(f.command, f.payload);
    if (!msg) {
        if (msg.error().code ==
            Errc::not_found) {  // unknown command: ignored, as the reference does
            spdlog::debug("{}: ignoring unknown command '{}'", label_, f.command);
            return;
        }
        node_.penalize(self, "malformed " + f.command, msg.error().to_string(), 100);
        return;
    }
    if (!remote_version_) {
        auto* v = std::get_if<p2p::Version>(&*msg);
        if (!v) {
            node_.penalize(self, "protocol", "first message was '" + f.command + "', not version",
                           100);
            return;
        }
        if (v->version < node_.network().p2p.minimum_protocol_version) {
            node_.penalize(self, "peer too old", "protocol version " + std::to_string(v->version),
                           100);
            return;
        }
        if (v->nonce == node_.nonce()) {
            close("connected to ourselves");
            return;
        }
        remote_version_ = *v;
        arm_idle_timer();
    } else {
        arm_idle_timer();
        if (std::holds_alternative<p2p::Version>(*msg)) {
            node_.penalize(self, "protocol", "second version message", 100);
            return;
        }
    }
    node_.on_peer_message(self, std::move(*msg));
}

void Peer::arm_idle_timer() {
    timer_.expires_after(kIdleTimeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->close("idle for 100 s");
    });
}

void Peer::send(const p2p::Message& msg) {
    if (closed_) return;
    auto bytes = p2p::encode_message(node_.network().p2p.prefix, msg);
    if (!bytes) {
        spdlog::error("{}: cannot encode {}: {}", label_, p2p::command_of(msg),
                      bytes.error().to_string());
        return;
    }
    out_bytes_ += bytes->size();
    out_.push_back(std::move(*bytes));
    if (out_bytes_ > kMaxQueuedBytes) {
        close("send queue over 64 MiB (peer not reading)");
        return;
    }
    if (!writing_) write_next();
}

void Peer::write_next() {
    if (out_.empty() || closed_) {
        writing_ = false;
        return;
    }
    writing_ = true;
    boost::asio::async_write(
        socket_, boost::asio::buffer(out_.front()),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            if (self->closed_) return;
            if (ec) {
                self->close("write failed: " + ec.message());
                return;
            }
            self->out_bytes_ -= self->out_.front().size();
            self->out_.pop_front();
            self->write_next();
        });
}

void Peer::close(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    spdlog::info("{}: disconnected: {}", label_, why);
    boost::system::error_code ec;
    timer_.cancel();
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    node_.on_peer_closed(shared_from_this());
}

}  // namespace sharemsg::node
