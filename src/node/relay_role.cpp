#include "node/relay_role.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

namespace sharemsg::node {

Result<std::unique_ptr<RelayRole>> RelayRole::start(const Config& cfg, const Network& net,
                                                    relay::Service::Clock clock) {
    relay::ServiceOptions o;
    o.network = net.network_id();
    o.ttl = static_cast<std::uint64_t>(cfg.relay_ttl);
    o.rate_per_minute = cfg.relay_rate_limit;
    o.sweep_interval = std::min(30.0, std::max(1.0, cfg.relay_ttl / 4));
    if (!cfg.relay_admin_pubkey.empty()) {
        auto k = from_hex_fixed<33>(cfg.relay_admin_pubkey);
        if (!k || !crypto::parse_pubkey(*k))
            return make_error(Errc::invalid_argument,
                              "--relay-admin-pubkey: need a compressed public key (66 hex digits)");
        o.admin_pubkey = *k;
    }
    const std::string path = (std::filesystem::path(cfg.datadir) / "relay.db").string();
    auto store = relay::open_relay_store(cfg.relay_db, path);
    if (!store) return make_error(store.error().code, "relay: " + store.error().reason);
    const char* backend = (*store)->backend();
    auto service = std::make_unique<relay::Service>(o, std::move(*store), std::move(clock));
    service->start();
    spdlog::info("relay: serving network {} from {} (ttl {} s, {} requests a minute{})",
                 to_hex(o.network), backend, o.ttl, o.rate_per_minute,
                 o.admin_pubkey ? ", allow list by the admin key" : "");
    return std::unique_ptr<RelayRole>(new RelayRole(std::move(service)));
}

RelayRole::~RelayRole() {
    service_->stop();
}

}  // namespace sharemsg::node
