// Finding other miners through the relays this node uses (docs/relay.md, "The node side"). A
// thread of its own:
// - every --relay-lookup-interval seconds (and as soon as the first window arrives) looks up
//   the miners paid in the best chain's window (their masters' HASH160s, from the chain
//   thread) that the directory does not hold, at most `per_round` a round, and hands the
//   endpoints of every miner it knows to `dial` (the node dials them as P2P peers);
// - answers the API's lookups of one identity or miner (request()), from the directory when
//   it holds an answer, else by asking the relays.
// A lookup asks the usable relays in turn (the shared circuit breaker, node/relay_targets.hpp)
// until one answers with a registration that checks: it decodes strictly, names this network,
// its signature and delegation verify, it is of the identity or miner asked for, and it is
// not older than a relay may hold it. An answer is kept in the directory for a time-to-live
// drawn between 5 and 10 minutes; "not found" is remembered for a minute, or until the next
// round when rounds are more frequent.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "node/peer_directory.hpp"
#include "node/relay_targets.hpp"
#include "relay/codec.hpp"
#include "relay/rate_limiter.hpp"

namespace sharemsg::node {

class Metrics;

struct RelayLookupOptions {
    relay::NetworkId network{};
    double interval = 60;                 // seconds between rounds over the window's miners
    std::size_t per_round = 32;           // relay lookups a round at most
    double ttl_min = 300, ttl_max = 600;  // an answer's life in the directory
    double miss_ttl = 60;           // how long "no relay knows it" is believed (at most `interval`)
    double max_age = 900;           // an answer whose registration is older than this is refused
    std::size_t max_requests = 64;  // API lookups waiting; beyond, they are answered "busy"
    // API lookups that go to the relays (not answered from the directory) a minute: anyone who
    // reaches the API must not spend the node's own budget at its relays.
    unsigned requests_per_minute = 30;
    std::chrono::milliseconds timeout{5000};  // per relay request
};

class RelayLookup {
  public:
    using Clock = std::function<double()>;
    using Dial = std::function<void(std::vector<relay::Endpoint>)>;
    enum class Outcome { found, not_found, no_relay, busy, rate_limited };
    struct Answer {
        Outcome outcome = Outcome::not_found;
        std::optional<KnownPeer> peer;
        std::string detail;        // what the relays said, when nothing was found
        unsigned retry_after = 0;  // seconds, when rate_limited
    };
    using Done = std::function<void(Answer)>;

    // `own`: this node's master hash, never looked up or dialled.
    static std::unique_ptr<RelayLookup> start(RelayLookupOptions o,
                                              std::shared_ptr<RelayTargets> relays,
                                              std::optional<relay::MasterHash> own, Clock clock,
                                              Metrics& metrics, Dial dial);
    ~RelayLookup();
    void stop();

    // Chain thread: the payouts of the best chain's window.
    void set_window(std::set<relay::MasterHash> payouts);
    // Any thread: looks `q` up; `done` is called once, from the caller's thread when the
    // directory holds the answer, the queue is full or the minute's requests are spent, else
    // from the lookup thread.
    void request(const PeerQuery& q, Done done);
    const PeerDirectory& directory() const { return directory_; }

  private:
    RelayLookup(RelayLookupOptions o, std::shared_ptr<RelayTargets> relays,
                std::optional<relay::MasterHash> own, Clock clock, Metrics& metrics, Dial dial);
    void run();
    void round();
    // Looks up each query and answers it.
    void serve(std::deque<std::pair<PeerQuery, Done>>& asked);
    // Asks the relays; the directory learns the answer or the miss.
    Answer look_up(const PeerQuery& q);
    // One relay's answer: the checked registration, or why not (`answered`: the relay
    // answered well, even if it knew nothing).
    std::optional<relay::Entry> ask(std::size_t relay, const PeerQuery& q, std::string& why,
                                    bool& answered);
    std::optional<std::string> check(const relay::Entry& e, const PeerQuery& q) const;

    RelayLookupOptions o_;
    std::shared_ptr<RelayTargets> relays_;
    std::optional<relay::MasterHash> own_;
    Clock clock_;
    Metrics& metrics_;
    Dial dial_;
    PeerDirectory directory_;
    relay::RateLimiter api_budget_;
    std::mt19937_64 rng_{std::random_device{}()};  // lookup thread

    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool window_known_ = false;
    std::set<relay::MasterHash> window_;
    std::deque<std::pair<PeerQuery, Done>> requests_;
    std::thread thread_;
};

}  // namespace sharemsg::node
