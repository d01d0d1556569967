#include "node/stun_client.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "crypto/hash.hpp"

namespace sharemsg::node {

namespace stun = net::stun;

namespace {

// When send k (0-based) of a transaction goes out, after its start: 0, rto, 3 rto, 7 rto...
std::chrono::milliseconds send_offset(StunTiming t, unsigned k) {
    return t.first_rto * ((1LL << k) - 1);
}

}  // namespace

stun::Endpoint to_stun_endpoint(const udp::endpoint& e) {
    stun::Endpoint out;
    const auto a = e.address();
    if (a.is_v4() || (a.is_v6() && a.to_v6().is_v4_mapped())) {
        const auto b = a.is_v4()
                           ? a.to_v4().to_bytes()
                           : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6())
                                 .to_bytes();
        std::copy(b.begin(), b.end(), out.addr.begin());
    } else {
        out.v6 = true;
        const auto b = a.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), out.addr.begin());
    }
    out.port = e.port();
    return out;
}

udp::endpoint to_udp_endpoint(const stun::Endpoint& e) {
    if (e.v6) {
        boost::asio::ip::address_v6::bytes_type b{};
        std::copy(e.addr.begin(), e.addr.end(), b.begin());
        return {boost::asio::ip::address_v6(b), e.port};
    }
    boost::asio::ip::address_v4::bytes_type b{};
    std::copy(e.addr.begin(), e.addr.begin() + 4, b.begin());
    return {boost::asio::ip::address_v4(b), e.port};
}

unsigned StunClient::sends_per_transaction(StunTiming timing) {
    unsigned n = 1;
    while (n < 30 && send_offset(timing, n) < timing.total)
        ++n;
    return n;
}

StunClient::StunClient(StunStrand strand, StunTiming timing)
    : strand_(strand), socket_(strand), timer_(strand), timing_(timing) {}

std::shared_ptr<StunClient> StunClient::open(StunStrand strand, const udp::endpoint& local,
                                             StunTiming timing, boost::system::error_code& ec) {
    std::shared_ptr<StunClient> c(new StunClient(strand, timing));
    c->socket_.open(local.protocol(), ec);
    if (!ec) c->socket_.bind(local, ec);
    if (!ec) c->local_ = c->socket_.local_endpoint(ec);
    if (ec) return nullptr;
    return c;
}

void StunClient::binding(std::vector<StunAsk> asks, Callback done) {
    if (closed_ || !pending_.empty()) {
        StunAnswer a;
        a.status = StunAnswer::Status::cancelled;
        boost::asio::post(strand_, [done = std::move(done), a] { done(a); });
        return;
    }
    done_ = std::move(done);
    ++generation_;
    unexpected_source_ = false;
    for (auto& ask : asks) {
        Pending p;
        p.ask = std::move(ask);
        p.index = pending_.size();
        const Bytes id = crypto::random_bytes(p.id.size());
        std::copy(id.begin(), id.end(), p.id.begin());
        p.wire = stun::encode(stun::binding_request(p.id, p.ask.change));
        pending_.push_back(std::move(p));
    }
    started_ = std::chrono::steady_clock::now();
    sends_ = 0;
    if (!receiving_) receive();
    send_all();
    arm(sends_);
}

void StunClient::send_all() {
    for (const auto& p : pending_) {
        boost::system::error_code ec;
        // A send that fails (no route yet) counts like one that is lost.
        socket_.send_to(boost::asio::buffer(p.wire), p.ask.to, 0, ec);
        ++counters_.sent;
        if (sends_ > 0) ++counters_.retransmits;
    }
    ++sends_;
}

// Waits for the next send, or for the end of the transaction after the last one. The
// schedule is fixed from the start, so a timer that fires late does not lose a send.
void StunClient::arm(unsigned sends_done) {
    const bool last = sends_done >= sends_per_transaction(timing_);
    timer_.expires_at(started_ + (last ? timing_.total : send_offset(timing_, sends_done)));
    timer_.async_wait(
        [self = shared_from_this(), generation = generation_, last](boost::system::error_code ec) {
            if (ec || self->closed_ || self->pending_.empty() || self->generation_ != generation)
                return;
            if (last) {
                StunAnswer a;
                a.status = StunAnswer::Status::timed_out;
                self->finish(std::move(a));
                return;
            }
            self->send_all();
            self->arm(self->sends_);
        });
}

void StunClient::receive() {
    receiving_ = true;
    socket_.async_receive_from(
        boost::asio::buffer(buf_), from_,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
            if (self->closed_) return;
            // ICMP errors (connection refused) surface here on Linux:
            // a lost request, so keep listening.
            if (!ec) self->on_datagram(n);
            if (ec == boost::asio::error::operation_aborted) {
                self->receiving_ = false;
                return;
            }
            self->receive();
        });
}

void StunClient::on_datagram(std::size_t n) {
    auto d = stun::decode(ByteView(buf_.data(), n));
    if (!d || (d->cls != stun::Class::success && d->cls != stun::Class::error) ||
        d->method != stun::METHOD_BINDING) {
        ++counters_.malformed;
        return;
    }
    const auto it = std::find_if(pending_.begin(), pending_.end(),
                                 [&](const Pending& p) { return p.id == d->transaction; });
    if (it == pending_.end()) {
        ++counters_.wrong_transaction;
        return;
    }
    if (from_ != it->ask.expect_from) {
        ++counters_.wrong_source;
        unexpected_source_ = true;
        return;
    }
    if (!d->unknown_required().empty()) {
        ++counters_.malformed;
        return;
    }
    ++counters_.answers;
    if (d->cls == stun::Class::error && pending_.size() > 1) {
        pending_.erase(it);  // one server refused; the others may still answer
        return;
    }
    StunAnswer a;
    a.status = d->cls == stun::Class::success ? StunAnswer::Status::answered
                                              : StunAnswer::Status::error_response;
    a.index = it->index;
    a.from = from_;
    a.response = std::move(d.value());
    finish(std::move(a));
}

void StunClient::finish(StunAnswer answer) {
    answer.unexpected_source = unexpected_source_;
    pending_.clear();
    timer_.cancel();
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(answer);
}

void StunClient::close() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        if (self->closed_) return;
        self->closed_ = true;
        boost::system::error_code ec;
        self->timer_.cancel();
        self->socket_.close(ec);
        if (!self->pending_.empty()) {
            StunAnswer a;
            a.status = StunAnswer::Status::cancelled;
            self->finish(std::move(a));
        }
    });
}

}  // namespace sharemsg::node
