#include <utility>  // Boost 1.74's Asio needs it before itself under g++ 12

#include "node/peer.hpp"

#include <spdlog/spdlog.h>

#include "chain/pack.hpp"
#include "node/peer_manager.hpp"
#include "node/share_reply.hpp"

namespace sharemsg::node {

namespace {
// An address as IPV6AddressType carries it: IPv4 as ::ffff:a.b.c.d.
ByteArray<16> wire_address(const boost::asio::ip::address& a) {
    const auto v6 = a.is_v4()
                        ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4())
                        : a.to_v6();
    const auto b = v6.to_bytes();
    ByteArray<16> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

// The length of the share list of a `shares` or `sharereply` payload, read before the payload
// is decoded, so that an oversized list is refused without being built. Nothing when the
// payload is too short to say (decoding will report it).
std::optional<std::uint64_t> share_list_count(std::string_view command, ByteView payload) {
    ByteReader r(payload);
    if (command == p2p::ShareReply::command) {
        if (!r.bytes(32, "id") || !chain::read_var_int(r, "result")) return std::nullopt;
    } else if (command != p2p::Shares::command) {
        return std::nullopt;
    }
    auto n = chain::read_var_int(r, "shares");
    if (!n) return std::nullopt;
    return *n;
}

}  // namespace

WorkTicket& WorkTicket::operator=(WorkTicket&& o) noexcept {
    if (this != &o) {
        release();
        peer_ = std::move(o.peer_);
        bytes_ = o.bytes_;
    }
    return *this;
}

void WorkTicket::release() {
    if (!peer_) return;
    auto peer = std::move(peer_);
    peer_.reset();
    const std::size_t n = bytes_;
    // On the I/O thread at once; from another thread (the chain thread) by posting.
    if (peer->manager_io_.running_in_this_thread()) {
        peer->work_done(n);
    } else {
        boost::asio::post(peer->manager_io_, [peer, n] { peer->work_done(n); });
    }
}

Peer::Peer(PeerManager& manager, boost::asio::ip::tcp::socket socket, std::uint64_t id,
           bool outbound, std::string target)
    : manager_(manager),
      manager_io_(manager.executor()),
      socket_(std::move(socket)),
      id_(id),
      outbound_(outbound),
      target_(std::move(target)),
      decoder_(manager.network().prefix, manager.limits().max_frame_payload),
      timer_(socket_.get_executor()),
      ping_timer_(socket_.get_executor()) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    remote_ip_ = ec ? "?" : ep.address().to_string();
    remote_port_ = ec ? 0 : ep.port();
    label_ = "peer " + std::to_string(id_) + " (" +
             (ec ? std::string("?") : remote_ip_ + ":" + std::to_string(ep.port())) +
             (outbound_ ? ", outbound)" : ", inbound)");
}

void Peer::start() {
    p2p::Version v;
    v.version = p2p::PROTOCOL_VERSION;
    v.services = 0;
    // As the reference fills them: the peer's address as we see it, and ours on this
    // connection with the port we listen on (informational: no node acts on them).
    boost::system::error_code remote_ec, local_ec;
    const auto remote = socket_.remote_endpoint(remote_ec);
    if (!remote_ec) {
        v.addr_to.address = wire_address(remote.address());
        v.addr_to.port = remote.port();
    }
    const auto local = socket_.local_endpoint(local_ec);
    v.addr_from.address =
        wire_address(local_ec ? boost::asio::ip::address_v4::loopback() : local.address());
    v.addr_from.port = manager_.advertised_port();
    v.nonce = manager_.nonce();
    const std::string sub = "sharemsgd/0.1";
    v.sub_version.assign(sub.begin(), sub.end());
    v.mode = p2p::VERSION_MODE;
    if (auto best = manager_.best_share()) {
        chain::Uint256 b{};
        std::copy(best->begin(), best->end(), b.begin());
        v.best_share_hash = b;
    }
    send(v);
    timer_.expires_after(manager_.limits().handshake_timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec && !self->handshaken()) self->close("no version message in time");
    });
    read();
}

void Peer::read() {
    reading_ = true;
    socket_.async_read_some(
        boost::asio::buffer(buf_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
            self->reading_ = false;
            if (self->closed_) return;
            if (ec) {
                self->close(ec == boost::asio::error::eof ? "closed by peer" : ec.message());
                return;
            }
            self->buf_pos_ = 0;
            self->buf_len_ = n;
            self->consume();
        });
}

bool Peer::paused() const {
    const auto& l = manager_.limits();
    return in_flight_ >= l.max_in_flight || in_flight_bytes_ >= l.max_frame_payload;
}

void Peer::consume() {
    if (consuming_) return;  // a ticket released while a frame is handed on: the loop goes on
    consuming_ = true;
    auto self = shared_from_this();
    const auto sink = [&](p2p::FrameEvent&& ev) {
        if (doomed()) return;
        if (auto* f = std::get_if<p2p::Frame>(&ev)) {
            on_frame(std::move(*f));
            return;
        }
        const auto& err = std::get<p2p::FrameError>(ev);
        if (err.code == p2p::FrameErrc::bad_checksum) {
            manager_.penalize(self, Rule::bad_checksum, err.reason);
        } else {
            manager_.metrics().inc(
                "sharemsg_p2p_frames_skipped_total",
                std::string("reason=\"") + p2p::frame_errc_name(err.code) + "\"");
            spdlog::debug("{}: {}: {}", label_, p2p::frame_errc_name(err.code), err.reason);
        }
    };
    while (buf_pos_ < buf_len_ && !doomed() && !paused())
        buf_pos_ +=
            decoder_.feed_frame(ByteView(buf_.data() + buf_pos_, buf_len_ - buf_pos_), sink);
    consuming_ = false;
    if (closed_) return;
    update_held();  // may close this peer (the budget of all peers)
    if (!closed_ && buf_pos_ == buf_len_ && !reading_) read();
}

void Peer::work_done(std::size_t bytes) {
    --in_flight_;
    in_flight_bytes_ -= bytes;
    if (closed_) return;
    update_held();
    if (!reading_ && !paused()) consume();
}

void Peer::on_frame(p2p::Frame&& f) {
    auto self = shared_from_this();
    if (auto n = share_list_count(f.command, f.payload); n && *n > MAX_SHARES_PER_MESSAGE) {
        manager_.penalize(self, Rule::too_many_shares,
                          f.command + " lists " + std::to_string(*n) + " shares; at most " +
                              std::to_string(MAX_SHARES_PER_MESSAGE) + " in one message");
        return;
    }
    auto msg = p2p::decode_message(f.command, f.payload);
    if (!msg) {
        if (msg.error().code == Errc::not_found) {  // unknown command: ignored, as the reference
            spdlog::debug("{}: ignoring unknown command '{}'", label_, f.command);
            return;
        }
        manager_.penalize(self, Rule::malformed_message,
                          f.command + ": " + msg.error().to_string());
        return;
    }
    if (!remote_version_) {
        auto* v = std::get_if<p2p::Version>(&*msg);
        if (!v) {
            manager_.penalize(self, Rule::protocol,
                              "first message was '" + f.command + "', not version");
            return;
        }
        if (v->version < manager_.network().minimum_protocol_version) {
            manager_.penalize(self, Rule::peer_too_old,
                              "protocol version " + std::to_string(v->version));
            return;
        }
        if (v->nonce == manager_.nonce()) {
            was_self_ = true;
            close("connected to ourselves");
            return;
        }
        remote_version_ = *v;
        arm_idle_timer();
        schedule_ping();
        manager_.on_handshake(self);
        if (closed_) return;  // a duplicate connection, closed by the manager
    } else {
        arm_idle_timer();
        if (std::holds_alternative<p2p::Version>(*msg)) {
            manager_.penalize(self, Rule::protocol, "second version message");
            return;
        }
    }
    ++in_flight_;
    in_flight_bytes_ += f.payload.size();
    manager_.deliver(self, std::move(*msg), WorkTicket(self, f.payload.size()));
}

void Peer::arm_idle_timer() {
    timer_.expires_after(manager_.limits().idle_timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec)
            self->close("nothing received for " +
                        std::to_string(self->manager_.limits().idle_timeout.count()) + " ms");
    });
}

void Peer::schedule_ping() {
    // A quarter of the idle timeout: the peer hears from us well before its own timer (the
    // reference's is 100 s) ends, even when no share flows.
    ping_timer_.expires_after(manager_.limits().idle_timeout / 4);
    ping_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->closed_) return;
        self->send(p2p::Ping{});
        self->manager_.metrics().inc("sharemsg_p2p_pings_sent_total");
        self->schedule_ping();
    });
}

void Peer::send(const p2p::Message& msg) {
    if (closed_) return;
    auto bytes = p2p::encode_message(manager_.network().prefix, msg);
    if (!bytes) {
        spdlog::error("{}: cannot encode {}: {}", label_, p2p::command_of(msg),
                      bytes.error().to_string());
        return;
    }
    const std::size_t limit = manager_.limits().max_send_queue;
    if (out_bytes_ + bytes->size() > limit) {
        close("send queue over " + std::to_string(limit) + " bytes (peer not reading)");
        return;
    }
    out_bytes_ += bytes->size();
    out_.push_back(std::move(*bytes));
    update_held();
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
            self->update_held();
            self->write_next();
        });
}

void Peer::update_held() {
    const std::size_t now =
        closed_ ? 0 : decoder_.memory() + in_flight_bytes_ + out_bytes_ + buf_.size();
    const std::size_t before = held_;
    held_ = now;
    if (before != now) manager_.on_held(before, now);
}

void Peer::close(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    spdlog::info("{}: disconnected: {}", label_, why);
    boost::system::error_code ec;
    timer_.cancel();
    ping_timer_.cancel();
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    // Free the buffers now (the object may live on while queued work holds it); a write
    // under way keeps the buffer it writes from until it completes.
    decoder_.reset();
    while (out_.size() > (writing_ ? 1u : 0u))
        out_.pop_back();
    out_bytes_ = 0;
    update_held();
    manager_.on_closed(shared_from_this());
}

}  // namespace sharemsg::node
