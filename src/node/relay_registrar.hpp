// The node's side of the relays it names (--relay-url, repeatable; docs/relay.md, "The node
// side"): a thread of its own registers the node's endpoints with each relay every
// --relay-interval seconds (120, ±10% jitter), signed with the node's signing key and carrying
// its delegation. A round tries a relay at most 3 times, 1 s then 2 s apart; after 5
// consecutive failed tries the relay's circuit opens and it is left alone for 5 minutes, then
// tried once again (half-open). Its state per relay is what /net/relays shows.
#pragma once

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

#include <nlohmann/json.hpp>

#include "proto/open_envelope.hpp"
#include "proto/signing_key.hpp"
#include "relay/codec.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

class Metrics;

struct RegistrarOptions {
    std::vector<std::string> urls;           // http://HOST:PORT
    std::vector<relay::Endpoint> endpoints;  // where this node is reached
    relay::NatType nat = relay::NatType::unknown;
    relay::NetworkId network{};
    double interval = 120;          // seconds between rounds
    double jitter = 0.1;            // each wait drawn from interval * (1 ± jitter)
    unsigned tries = 3;             // per relay per round
    double first_backoff = 1;       // seconds before the second try; doubled, at most 30
    unsigned breaker_after = 5;     // consecutive failed tries that open a relay's circuit
    double breaker_cooldown = 300;  // seconds an open circuit stays open
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

    // Checks the URLs (Errc::invalid_argument naming one that is not http://HOST:PORT).
    static Result<std::unique_ptr<RelayRegistrar>> start(RegistrarOptions o, Identity identity,
                                                         Clock clock, Metrics& metrics);
    ~RelayRegistrar();
    void stop();

    // One object per relay: url, state (new, ok, failing, open), failures (consecutive),
    // registrations, last_ok, last_error, next (unix seconds of the next try).
    nlohmann::ordered_json state() const;

  private:
    struct Target {
        std::string url, host;
        std::uint16_t port = 0;
        enum class State { fresh, ok, failing, open } state = State::fresh;
        unsigned failures = 0;
        std::uint64_t registrations = 0;
        double last_ok = 0, open_until = 0, next = 0;
        std::string last_error;
    };
    RelayRegistrar(RegistrarOptions o, Identity identity, Clock clock, Metrics& metrics,
                   std::vector<Target> targets);
    void run();
    // One round with one relay: up to `tries` tries; false when the registrar is stopping.
    bool round(Target& t);
    // One try: nothing on success, the reason otherwise.
    std::optional<std::string> try_once(const Target& t);
    // Waits `seconds` unless stopped; false when stopped.
    bool wait(double seconds);
    double jittered();

    RegistrarOptions o_;
    Identity identity_;
    Clock clock_;
    Metrics& metrics_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::vector<Target> targets_;  // guarded by mu_ for state(); changed by the thread only
    std::thread thread_;
};

}  // namespace sharemsg::node
