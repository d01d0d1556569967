// The node's gossip service (gossip_service.hpp): its options from the configuration.
#include <filesystem>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>

#include "node/gossip_service.hpp"
#include "node/node.hpp"

namespace sharemsg::node {

namespace {

using boost::asio::ip::udp;

// HOST:PORT or [IPv6]:PORT, resolved (the first address).
std::optional<udp::endpoint> resolve_peer(boost::asio::io_context& io, const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    std::string host = text.substr(0, colon);
    const std::string port = text.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    udp::resolver resolver(io);
    boost::system::error_code ec;
    const auto found = resolver.resolve(host, port, udp::resolver::numeric_service, ec);
    if (ec || found.empty()) return std::nullopt;
    const auto e = found.begin()->endpoint();
    if (e.port() == 0) return std::nullopt;
    return e;
}

}  // namespace

Status Node::start_gossip() {
    if (cfg_.gossip_port == 0) return Ok{};
    GossipOptions o;
    o.network = net_.network_id();
    const std::string bind = cfg_.gossip_bind.empty() ? cfg_.p2p_bind : cfg_.gossip_bind;
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address(bind, ec);
    if (ec) return make_error(Errc::invalid_argument, "--gossip-bind " + bind + ": not an IP");
    o.bind = udp::endpoint(addr, cfg_.gossip_port);
    for (const auto& p : cfg_.gossip_peers) {
        auto e = resolve_peer(io_, p);
        if (!e)
            return make_error(Errc::invalid_argument, "--gossip-peer " + p +
                                                          ": not HOST:PORT, or the host does not "
                                                          "resolve");
        o.seeds.push_back(*e);
    }
    if (cfg_.gossip_endpoints.size() > relay::MAX_ENDPOINTS)
        return make_error(Errc::invalid_argument, "--gossip-endpoint: at most 6");
    for (const auto& text : cfg_.gossip_endpoints) {
        auto e = relay::parse_endpoint(text);
        if (!e)
            return make_error(Errc::invalid_argument, "--gossip-endpoint " + e.failure().detail);
        o.endpoints.push_back(*e);
    }
    // The default: the bind address itself, unless it is a wildcard (then only what --stun
    // finds is announced).
    if (o.endpoints.empty() && !addr.is_unspecified()) {
        const bool v6 = addr.is_v6();
        auto e = relay::parse_endpoint((v6 ? "[" + bind + "]" : bind) + ":" +
                                       std::to_string(cfg_.gossip_port));
        if (e) o.endpoints.push_back(*e);
    }
    o.cache_path = (std::filesystem::path(cfg_.datadir) / "gossip.db").string();
    o.push_interval =
        std::chrono::milliseconds(static_cast<std::int64_t>(cfg_.gossip_push_interval * 1000));
    o.pull_interval =
        std::chrono::milliseconds(static_cast<std::int64_t>(cfg_.gossip_pull_interval * 1000));
    const auto network = o.network;
    auto identity = [this, network]() -> std::optional<GossipService::Identity> {
        auto key = keys_.key();
        auto ann = keys_.announcement();
        if (!key || !ann || ann->signing_pubkey != key->pubkey()) return std::nullopt;
        gossip::Announce a;
        a.network = network;
        a.signing_pubkey = ann->signing_pubkey;
        a.key_index = ann->key_index;
        a.delegation = ann->delegation();
        return GossipService::Identity{*key, std::move(a)};
    };
    auto clock = [this] { return static_cast<std::uint64_t>(now()); };
    auto g = GossipService::start(std::move(o), std::move(identity), std::move(clock), metrics_);
    if (!g) return g.error();
    gossip_ = std::move(*g);
    if (!keys_.announcement())
        spdlog::info(
            "gossip: no signing key with its delegation: listening and pulling, "
            "announcing nothing");
    return Ok{};
}

}  // namespace sharemsg::node
