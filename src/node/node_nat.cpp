// The node's view of its own address (nat_monitor.hpp): --stun, GET /net/self.
#include <spdlog/spdlog.h>

#include "node/gossip_service.hpp"
#include "node/node.hpp"
#include "node/relay_role.hpp"

namespace sharemsg::node {

Status Node::start_nat_monitor() {
    if (cfg_.stun_servers.empty()) return Ok{};
    NatMonitorOptions o;
    for (const auto& name : cfg_.stun_servers) {
        auto e = resolve_stun_server(io_, name);
        if (!e) {
            spdlog::warn("--stun {}: not HOST:PORT, or the host does not resolve; not used", name);
            continue;
        }
        o.server_names.push_back(name);
        o.servers.push_back(*e);
    }
    if (o.servers.empty())
        return make_error(Errc::invalid_argument,
                          "--stun: none of the servers is HOST:PORT with a host that resolves");
    boost::system::error_code ec;
    const auto bind = boost::asio::ip::make_address(cfg_.p2p_bind, ec);
    if (ec) return make_error(Errc::invalid_argument, "--p2p-bind " + cfg_.p2p_bind);
    o.local_bind = udp::endpoint(bind, 0);
    o.interval = std::chrono::milliseconds(static_cast<std::int64_t>(cfg_.stun_interval * 1000));
    nat_monitor_ = NatMonitor::start(
        io_, std::move(o), [this] { return now(); },
        [this](const NatReport& r) {
            if (relay_) relay_->discovered_nat(r.nat);
            if (gossip_ && r.mapped) gossip_->set_public_address(r.mapped->address());
        });
    return Ok{};
}

nlohmann::ordered_json Node::self_json() const {
    return NatMonitor::snapshot_of(nat_monitor_.get());
}

}  // namespace sharemsg::node
