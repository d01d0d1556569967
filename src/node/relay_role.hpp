// The node's relay role (--relay; docs/relay.md): opens the relay's store, runs its service,
// and hands it the payouts of the best chain's window. Node holds one when --relay is given;
// the HTTP routes reach the service through Node::relay().
#pragma once

#include <memory>
#include <set>
#include <string>

#include "node/config.hpp"
#include "node/network.hpp"
#include "relay/service.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

class RelayRole {
  public:
    // Opens the store (SQLite in the data directory, or --relay-db) and starts the service.
    static Result<std::unique_ptr<RelayRole>> start(const Config& cfg, const Network& net,
                                                    relay::Service::Clock clock);
    ~RelayRole();

    relay::Service& service() { return *service_; }
    // Chain thread: the payout pubkey hashes of the best chain's window.
    void set_window(std::set<relay::MasterHash> payouts) {
        service_->window().replace(std::move(payouts));
    }
    void stop() { service_->stop(); }

  private:
    explicit RelayRole(std::unique_ptr<relay::Service> s) : service_(std::move(s)) {}
    std::unique_ptr<relay::Service> service_;
};

}  // namespace sharemsg::node
