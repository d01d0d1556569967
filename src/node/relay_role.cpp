#include "node/relay_role.hpp"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "node/metrics.hpp"

namespace sharemsg::node {

namespace {

Result<std::unique_ptr<relay::Service>> start_service(const Config& cfg, const Network& net,
                                                      relay::Service::Clock clock) {
    relay::ServiceOptions o;
    o.network = net.network_id();
    o.ttl = static_cast<std::uint64_t>(cfg.relay_ttl);
    o.rate_per_minute = cfg.relay_rate_limit;
    o.signals.ttl = cfg.relay_signal_ttl;
    o.sweep_interval = std::min({30.0, std::max(1.0, cfg.relay_ttl / 4), o.signals.ttl});
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
    return service;
}

Result<RegistrarOptions> registrar_options(const Config& cfg, const Network& net) {
    RegistrarOptions o;
    o.network = net.network_id();
    o.interval = cfg.relay_interval;
    auto nat = relay::parse_nat(cfg.relay_nat);
    if (!nat)
        return make_error(Errc::invalid_argument,
                          "--relay-nat: unknown, open, full_cone, restricted, port_restricted or "
                          "symmetric");
    o.nat = *nat;
    std::vector<std::string> eps = cfg.relay_endpoints;
    if (eps.empty()) {
        if (cfg.p2p_bind == "0.0.0.0" || cfg.p2p_bind == "::")
            return make_error(Errc::invalid_argument,
                              "--relay-url needs --relay-endpoint IP:PORT when --p2p-bind is a "
                              "wildcard address");
        const bool v6 = cfg.p2p_bind.find(':') != std::string::npos;
        eps.push_back((v6 ? "[" + cfg.p2p_bind + "]" : cfg.p2p_bind) + ":" +
                      std::to_string(cfg.p2p_port));
    }
    if (eps.size() > relay::MAX_ENDPOINTS)
        return make_error(Errc::invalid_argument, "--relay-endpoint: at most 6");
    for (const auto& e : eps) {
        auto ep = relay::parse_endpoint(e);
        if (!ep)
            return make_error(Errc::invalid_argument, "--relay-endpoint " + ep.failure().detail);
        o.endpoints.push_back(*ep);
    }
    return o;
}

}  // namespace

Result<std::unique_ptr<RelayRole>> RelayRole::start(const Config& cfg, const Network& net,
                                                    const SigningKeys& keys,
                                                    relay::Service::Clock clock, Metrics& metrics,
                                                    RelayLookup::Dial dial,
                                                    RelaySignaler::Deliver deliver) {
    if (!cfg.relay && cfg.relay_urls.empty()) return std::unique_ptr<RelayRole>();
    auto role = std::unique_ptr<RelayRole>(new RelayRole);
    if (cfg.relay) {
        auto s = start_service(cfg, net, clock);
        if (!s) return s.error();
        role->service_ = std::move(*s);
    }
    if (!cfg.relay_urls.empty()) {
        if (!keys.announcement())
            return make_error(Errc::invalid_argument,
                              "--relay-url needs a signing key with its delegation "
                              "(--signing-key-file and --signing-key-delegation)");
        auto o = registrar_options(cfg, net);
        if (!o) return o.error();
        role->nat_from_stun_ = o->nat == relay::NatType::unknown;
        auto relays = RelayTargets::parse(cfg.relay_urls, {});
        if (!relays) return relays.error();
        role->relays_ = std::move(*relays);
        auto identity = [&keys]() -> std::optional<RegistrarIdentity> {
            auto key = keys.key();
            auto ann = keys.announcement();
            if (!key || !ann || ann->signing_pubkey != key->pubkey()) return std::nullopt;
            return RegistrarIdentity{*key, *ann};
        };
        role->registrar_ =
            RelayRegistrar::start(std::move(*o), role->relays_, identity, clock, metrics);
        RelayLookupOptions lo;
        lo.network = net.network_id();
        lo.interval = cfg.relay_lookup_interval;
        lo.miss_ttl = std::min(lo.miss_ttl, lo.interval);  // believed until the next round
        const auto own = crypto::hash160(keys.announcement()->delegation().master_pubkey);
        role->lookup_ = RelayLookup::start(lo, role->relays_, own, clock, metrics, std::move(dial));
        SignalerOptions so;
        so.network = net.network_id();
        const RelayRole* self = role.get();
        role->signaler_ = RelaySignaler::start(
            so, role->relays_, identity,
            [self](const relay::MasterHash& m) { return self->authorized(m); }, std::move(clock),
            metrics, std::move(deliver));
    }
    return role;
}

RelayRole::~RelayRole() {
    if (signaler_) signaler_->stop();
    if (lookup_) lookup_->stop();
    if (registrar_) registrar_->stop();
    if (service_) service_->stop();
}

nlohmann::ordered_json RelayRole::relays_state() const {
    return relays_ ? relays_->state() : nlohmann::ordered_json::array();
}

}  // namespace sharemsg::node
