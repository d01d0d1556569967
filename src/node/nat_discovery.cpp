#include "node/nat_discovery.hpp"

#include <atomic>
#include <charconv>
#include <string>

#include <boost/asio/post.hpp>

namespace sharemsg::node {

namespace {

nlohmann::ordered_json endpoint_json(const std::optional<udp::endpoint>& e) {
    if (!e) return nullptr;
    return to_stun_endpoint(*e).to_string();
}

bool same(const std::optional<udp::endpoint>& a, const std::optional<udp::endpoint>& b) {
    return a && b && to_stun_endpoint(*a) == to_stun_endpoint(*b);
}

relay::NatType classify(const NatReport& r) {
    using relay::NatType;
    if (!r.mapped) return NatType::unknown;
    if (same(r.mapped, r.local)) return NatType::open;
    switch (r.mapping) {
        case Behaviour::address_dependent:
        case Behaviour::address_and_port_dependent:
            return NatType::symmetric;
        case Behaviour::endpoint_independent:
            break;
        case Behaviour::unknown:
            return NatType::unknown;
    }
    switch (r.filtering) {
        case Behaviour::endpoint_independent:
            return NatType::full_cone;
        case Behaviour::address_dependent:
            return NatType::restricted;
        case Behaviour::address_and_port_dependent:
            return NatType::port_restricted;
        case Behaviour::unknown:
            break;
    }
    return NatType::unknown;
}

}  // namespace

const char* behaviour_name(Behaviour b) noexcept {
    switch (b) {
        case Behaviour::endpoint_independent:
            return "endpoint_independent";
        case Behaviour::address_dependent:
            return "address_dependent";
        case Behaviour::address_and_port_dependent:
            return "address_and_port_dependent";
        case Behaviour::unknown:
            break;
    }
    return "unknown";
}

nlohmann::ordered_json NatReport::json() const {
    nlohmann::ordered_json j;
    j["nat"] = relay::nat_name(nat);
    j["mapping"] = behaviour_name(mapping);
    j["filtering"] = behaviour_name(filtering);
    j["server"] = endpoint_json(server);
    j["local"] = endpoint_json(local);
    j["mapped"] = endpoint_json(mapped);
    j["other_address"] = endpoint_json(other_address);
    j["change_request_ignored"] = change_request_ignored;
    j["counters"] = {{"sent", counters.sent},
                     {"retransmits", counters.retransmits},
                     {"answers", counters.answers},
                     {"malformed", counters.malformed},
                     {"wrong_transaction", counters.wrong_transaction},
                     {"wrong_source", counters.wrong_source}};
    return j;
}

std::shared_ptr<NatDiscovery> NatDiscovery::start(StunStrand strand,
                                                  std::vector<udp::endpoint> servers,
                                                  udp::endpoint local_bind, StunTiming timing,
                                                  Done done) {
    std::shared_ptr<NatDiscovery> d(new NatDiscovery(strand, std::move(done)));
    boost::asio::post(strand, [d, servers = std::move(servers), local_bind, timing]() mutable {
        d->begin(std::move(servers), local_bind, timing);
    });
    return d;
}

void NatDiscovery::cancel() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        if (self->client_)
            self->client_->close();  // the pending test ends cancelled, and so do we
        else
            self->finish();
    });
}

void NatDiscovery::begin(std::vector<udp::endpoint> servers, udp::endpoint local_bind,
                         StunTiming timing) {
    if (finished_) return;
    boost::system::error_code ec;
    client_ = StunClient::open(strand_, local_bind, timing, ec);
    if (!client_ || servers.empty()) return finish();
    std::vector<StunAsk> asks;
    for (const auto& s : servers)
        asks.push_back(StunAsk{s, std::nullopt, s});
    // The client keeps its callbacks, and we keep the client: the callbacks hold us weakly, so
    // that a discovery its owner drops (a node stopping mid-test) is freed, not kept by a cycle.
    client_->binding(std::move(asks), [w = weak_from_this()](const StunAnswer& a) {
        if (auto self = w.lock()) self->on_first(a);
    });
}

udp::endpoint NatDiscovery::local_address_towards(const udp::endpoint& server) const {
    udp::endpoint local = client_->local_endpoint();
    if (!local.address().is_unspecified()) return local;
    // Bound to any address: the one the kernel routes towards the server (a connected UDP
    // socket sends nothing).
    udp::socket probe(strand_);
    boost::system::error_code ec;
    probe.open(server.protocol(), ec);
    if (!ec) probe.connect(server, ec);
    if (!ec) {
        const auto routed = probe.local_endpoint(ec);
        if (!ec) local.address(routed.address());
    }
    return local;
}

void NatDiscovery::on_first(const StunAnswer& a) {
    if (a.status != StunAnswer::Status::answered) return finish();
    const auto mapped = a.response.mapped();
    if (!mapped) return finish();
    report_.server = a.from;
    report_.mapped = to_udp_endpoint(*mapped);
    report_.local = local_address_towards(a.from);
    if (same(report_.mapped, report_.local)) report_.mapping = Behaviour::endpoint_independent;
    const auto& other = a.response.other_address;
    if (!other || other->v6 != mapped->v6) return finish();
    report_.other_address = to_udp_endpoint(*other);
    filtering(true);
}

// RFC 5780 §4.4: test II asks for an answer from the other IP and port, test III from the
// other port only.
void NatDiscovery::filtering(bool change_ip) {
    const udp::endpoint expect =
        change_ip ? *report_.other_address
                  : udp::endpoint(report_.server->address(), report_.other_address->port());
    const StunAsk ask{*report_.server, net::stun::ChangeRequest{change_ip, true}, expect};
    client_->binding({ask}, [w = weak_from_this(), change_ip](const StunAnswer& a) {
        auto self = w.lock();
        if (!self) return;
        using S = StunAnswer::Status;
        auto& r = self->report_;
        if (a.status == S::cancelled) return self->finish();
        if (a.status == S::answered) {
            r.filtering =
                change_ip ? Behaviour::endpoint_independent : Behaviour::address_dependent;
        } else if (a.unexpected_source) {
            r.change_request_ignored = true;  // undecided: filtering stays unknown
        } else if (a.status == S::timed_out && change_ip) {
            return self->filtering(false);
        } else if (a.status == S::timed_out) {
            r.filtering = Behaviour::address_and_port_dependent;
        }
        self->mapping(false);
    });
}

// RFC 5780 §4.3: test II to (other IP, primary port), test III to (other IP, other port).
void NatDiscovery::mapping(bool other_port) {
    const auto& other = *report_.other_address;
    const udp::endpoint to(other.address(), other_port ? other.port() : report_.server->port());
    client_->binding(
        {StunAsk{to, std::nullopt, to}}, [w = weak_from_this(), other_port](const StunAnswer& a) {
            auto self = w.lock();
            if (!self) return;
            auto& r = self->report_;
            const bool open = same(r.mapped, r.local);
            std::optional<udp::endpoint> m;
            if (a.status == StunAnswer::Status::answered && a.response.mapped())
                m = to_udp_endpoint(*a.response.mapped());
            if (!m) {
                if (!open) r.mapping = Behaviour::unknown;
                return self->finish();
            }
            if (!other_port) {
                if (same(m, r.mapped)) {
                    r.mapping = Behaviour::endpoint_independent;
                    return self->finish();
                }
                self->mapped_other_ip_ = m;
                return self->mapping(true);
            }
            r.mapping = same(m, self->mapped_other_ip_) ? Behaviour::address_dependent
                                                        : Behaviour::address_and_port_dependent;
            self->finish();
        });
}

void NatDiscovery::finish() {
    if (finished_) return;
    finished_ = true;
    report_.nat = classify(report_);
    if (client_) {
        report_.counters = client_->counters();
        client_->close();
    }
    auto done = std::move(done_);
    if (done) done(report_);
}

NatReport discover_nat(boost::asio::io_context& io, const std::vector<udp::endpoint>& servers,
                       const udp::endpoint& local_bind, StunTiming timing) {
    NatReport out;
    std::atomic<bool> done{false};
    auto d = NatDiscovery::start(boost::asio::make_strand(io), servers, local_bind, timing,
                                 [&](const NatReport& r) {
                                     out = r;
                                     done = true;
                                 });
    while (!done) {
        if (io.stopped()) io.restart();
        io.run_one_for(std::chrono::milliseconds(50));
    }
    // Let the client's close run, so that its socket is released before we return.
    for (int i = 0; i < 16; ++i) {
        if (io.stopped()) io.restart();
        if (io.poll_one() == 0) break;
    }
    return out;
}

std::optional<udp::endpoint> resolve_stun_server(boost::asio::io_context& io,
                                                 std::string_view text) {
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (host.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
        value > 65535)
        return std::nullopt;
    udp::resolver resolver(io);
    boost::system::error_code rec;
    const auto results = resolver.resolve(std::string(host), std::string(port), rec);
    if (rec || results.empty()) return std::nullopt;
    return results.begin()->endpoint();
}

}  // namespace sharemsg::node
