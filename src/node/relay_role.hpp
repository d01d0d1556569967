// The node's relay parts (docs/relay.md): the relay server (--relay: opens the relay's store,
// runs its service, and is handed the payouts of the best chain's window) and the registrar
// (--relay-url: registers this node with the relays it names). Node holds one when either is
// configured; the HTTP routes reach them through Node::relay() and Node::relay_role().
#pragma once

#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "node/config.hpp"
#include "node/network.hpp"
#include "node/relay_registrar.hpp"
#include "node/signing_keys.hpp"
#include "relay/service.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

class Metrics;

class RelayRole {
  public:
    // Starts what the configuration asks for; nullptr when it asks for neither. `keys` must
    // outlive the role (the registrar reads the current key from its thread).
    static Result<std::unique_ptr<RelayRole>> start(const Config& cfg, const Network& net,
                                                    const SigningKeys& keys,
                                                    relay::Service::Clock clock, Metrics& metrics);
    ~RelayRole();

    relay::Service* service() { return service_.get(); }
    // The registrar's relays and their state (an empty array without --relay-url).
    nlohmann::ordered_json registrar_state() const;
    // Chain thread: the payout pubkey hashes of the best chain's window.
    void set_window(std::set<relay::MasterHash> payouts) {
        if (service_) service_->window().replace(std::move(payouts));
    }

  private:
    RelayRole() = default;
    std::unique_ptr<relay::Service> service_;
    std::unique_ptr<RelayRegistrar> registrar_;
};

}  // namespace sharemsg::node
