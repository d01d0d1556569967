// The node's relay parts (docs/relay.md): the relay server (--relay: opens the relay's store,
// runs its service, and is handed the payouts of the best chain's window), and the client of
// the relays the node names (--relay-url): the registrar, which registers this node with them,
// and the lookup, which finds the window's miners and other identities through them. Node
// holds one when either is configured; the HTTP routes reach them through Node::relay() and
// Node::relay_role().
#pragma once

#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "node/config.hpp"
#include "node/network.hpp"
#include "node/relay_lookup.hpp"
#include "node/relay_registrar.hpp"
#include "node/relay_signaler.hpp"
#include "node/signing_keys.hpp"
#include "relay/service.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

class Metrics;

class RelayRole {
  public:
    // Starts what the configuration asks for; nullptr when it asks for neither. `keys` must
    // outlive the role (the registrar and the signaler read the current key from their
    // threads). `dial` is handed the endpoints of the miners found (from the lookup's thread),
    // `deliver` the checked signals addressed to this node (from the signaler's thread).
    static Result<std::unique_ptr<RelayRole>> start(const Config& cfg, const Network& net,
                                                    const SigningKeys& keys,
                                                    relay::Service::Clock clock, Metrics& metrics,
                                                    RelayLookup::Dial dial,
                                                    RelaySignaler::Deliver deliver);
    ~RelayRole();

    relay::Service* service() { return service_.get(); }
    // The relays this node uses and their state (an empty array without --relay-url).
    nlohmann::ordered_json relays_state() const;
    // The lookup through them, or nullptr without --relay-url.
    RelayLookup* lookup() const { return lookup_.get(); }
    // The ICE signaling through them, or nullptr without --relay-url.
    RelaySignaler* signaler() const { return signaler_.get(); }
    // Chain thread: the payout pubkey hashes of the best chain's window.
    void set_window(const std::set<relay::MasterHash>& payouts) {
        if (service_) service_->window().replace(payouts);
        if (lookup_) lookup_->set_window(payouts);
        window_.replace(payouts);
    }
    // Whether a master key (its HASH160) is paid in the best chain's window: who may signal
    // to this node and open a direct link with it. Any thread.
    bool authorized(const relay::MasterHash& master) const { return window_.contains(master); }

    // What STUN found (nat_monitor.hpp): registered from now on, unless --relay-nat names a
    // type. Any thread.
    void discovered_nat(relay::NatType nat) {
        if (registrar_ && nat_from_stun_) registrar_->set_nat(nat);
    }

  private:
    RelayRole() = default;
    bool nat_from_stun_ = false;  // --relay-nat unknown (the default)
    std::unique_ptr<relay::Service> service_;
    std::shared_ptr<RelayTargets> relays_;
    std::unique_ptr<RelayRegistrar> registrar_;
    std::unique_ptr<RelayLookup> lookup_;
    std::unique_ptr<RelaySignaler> signaler_;
    relay::PayoutWindow window_;  // the client side's copy (the service keeps its own)
};

}  // namespace sharemsg::node
