// The node's side of the relays it names (--relay-url, repeatable; docs/relay.md, "The node
// side"): a thread of its own registers the node's endpoints with each relay every
// --relay-interval seconds (120, ±10% jitter), signed with the node's signing key and carrying
// its delegation. A round tries a relay at most 3 times, 1 s then 2 s apart, while the relay
// fails (no answer, 429, 5xx); a refusal (this node is not authorized yet, a replay) ends the
// round. The relay's circuit breaker (node/relay_targets.hpp, shared with lookups) skips a
// relay whose circuit is open.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "node/relay_targets.hpp"
#include "proto/open_envelope.hpp"
#include "proto/signing_key.hpp"
#include "relay/codec.hpp"

namespace sharemsg::node {

class Metrics;

struct RegistrarOptions {
    std::vector<relay::Endpoint> endpoints;  // where this node is reached
    relay::NatType nat = relay::NatType::unknown;
    relay::NetworkId network{};
    double interval = 120;     // seconds between rounds
    double jitter = 0.1;       // each wait drawn from interval * (1 ± jitter)
    unsigned tries = 3;        // per relay per round
    double first_backoff = 1;  // seconds before the second try; doubled, at most 30
};

// What a registration is signed with: the signing key and its bound announcement.
struct RegistrarIdentity {
    proto::DerivedSigningKey key;
    proto::open::BoundAnnouncement announcement;
};

class RelayRegistrar {
  public:
    using Identity = std::function<std::optional<RegistrarIdentity>()>;
    using Clock = std::function<double()>;

    static std::unique_ptr<RelayRegistrar> start(RegistrarOptions o,
                                                 std::shared_ptr<RelayTargets> relays,
                                                 Identity identity, Clock clock, Metrics& metrics);
    ~RelayRegistrar();
    void stop();
    // The NAT type later registrations carry (what STUN found). Any thread.
    void set_nat(relay::NatType nat) { nat_.store(nat); }

  private:
    RelayRegistrar(RegistrarOptions o, std::shared_ptr<RelayTargets> relays, Identity identity,
                   Clock clock, Metrics& metrics);
    void run();
    // One round with relay i: up to `tries` tries; false when the registrar is stopping.
    bool round(std::size_t i);
    // One try.
    RelayReply try_once(const RelayTargets::Address& a);
    // Waits `seconds` unless stopped; false when stopped.
    bool wait(double seconds);
    double jittered();

    RegistrarOptions o_;
    std::atomic<relay::NatType> nat_;  // o_.nat, then what set_nat says
    std::shared_ptr<RelayTargets> relays_;
    Identity identity_;
    Clock clock_;
    Metrics& metrics_;
    std::vector<bool> registered_;  // per relay: the last round registered (the thread's)
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sharemsg::node
