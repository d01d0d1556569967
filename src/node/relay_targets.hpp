// The relays this node uses (--relay-url) and what it knows of each: the circuit breaker that
// registration (RelayRegistrar) and lookup (RelayLookup) share, and the counters /net/relays
// shows. A request fails when the relay does not answer, answers 429 or 5xx, or answers
// something that does not check; after `breaker_after` consecutive failed requests of either
// kind the relay's circuit opens and the relay is left alone for `breaker_cooldown` seconds;
// then one request is let through (half-open): its success closes the circuit, its failure
// opens it again. A refusal (another 4xx: this node is not authorized yet, a replay) shows a
// working relay: it is counted apart and does not move the breaker.
//
// Any thread: every method takes the object's lock.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/http_client.hpp"
#include "util/breaker.hpp"
#include "util/result.hpp"

namespace sharemsg::node {

// A relay's answer to one request, as the breaker sees it.
struct RelayReply {
    enum class Kind { ok, refused, failed } kind = Kind::failed;
    std::string error;  // the JSON refusal's "error" name, if any
    std::string why;    // "HTTP 403 unauthorized", or why there was no answer
};
// No answer, 429 and 5xx fail; another status outside 2xx refuses.
RelayReply classify_reply(const Result<HttpResponse>& res);

class RelayTargets {
  public:
    struct Options {
        unsigned breaker_after = 5;     // consecutive failed requests that open a circuit
        double breaker_cooldown = 300;  // seconds an open circuit stays open
    };
    struct Address {
        std::string url, host;
        std::uint16_t port = 0;
    };
    enum class Use { registration, lookup };

    // Errc::invalid_argument naming a URL that is not http://HOST:PORT (a trailing / is
    // allowed).
    static Result<std::shared_ptr<RelayTargets>> parse(const std::vector<std::string>& urls,
                                                       Options o);

    std::size_t size() const { return addresses_.size(); }
    const Address& address(std::size_t i) const { return addresses_.at(i); }

    // Whether relay i may be asked at `now`: its circuit is closed, or its cooldown is over.
    bool usable(std::size_t i, double now) const;
    // Counts a success; true when the relay was not answering well before (new or failing).
    bool succeeded(std::size_t i, Use use, double now);
    // Counts a failure; true when this one opened the circuit.
    bool failed(std::size_t i, Use use, const std::string& why, double now);
    // Counts a refusal: the relay works, and said no.
    void refused(std::size_t i, Use use, const std::string& why);
    // When the registrar will register with relay i next (unix seconds; shown as `next`).
    void set_next_registration(std::size_t i, double when);

    // One object per relay: url, state (new, ok, refused, failing, open), failures
    // (consecutive), registrations, lookups (answered), lookup_failures (failed or refused),
    // last_ok, last_error, next (unix seconds of the next registration, or when an open
    // circuit may be tried again).
    nlohmann::ordered_json state() const;

  private:
    struct Health {
        util::CircuitBreaker breaker;
        std::uint64_t registrations = 0, lookups = 0, lookup_failures = 0;
        double next = 0;
        std::string last_error;
    };
    RelayTargets(std::vector<Address> a, Options o)
        : addresses_(std::move(a)),
          health_(
              addresses_.size(),
              Health{util::CircuitBreaker({o.breaker_after, o.breaker_cooldown}), 0, 0, 0, 0, {}}) {
    }

    const std::vector<Address> addresses_;
    mutable std::mutex mu_;
    std::vector<Health> health_;  // guarded by mu_
};

}  // namespace sharemsg::node
