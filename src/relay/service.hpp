// The relay role (docs/relay.md): checks registrations, keeps them in a RelayStore, answers
// lookups, and keeps the admin's allow list.
//
// Threads: the HTTP handlers call in from the node's I/O thread; the per-source rate limit
// and the queue bound are applied there, and everything else (decoding, signature checks,
// the store) runs on the relay's own worker thread, which owns the store's connection and
// also sweeps expired registrations. Answers go back through the callback, from the worker.
// The payouts of the current sharechain window (PayoutWindow) are replaced by the node's
// chain thread and read by the worker under its lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "relay/codec.hpp"
#include "relay/rate_limiter.hpp"
#include "relay/signal_box.hpp"
#include "relay/store.hpp"
#include "relay/worker.hpp"

namespace sharemsg::relay {

// The payout pubkey hashes of the shares in the window the relay follows. A master key is
// authorized when HASH160 of it is one of them.
class PayoutWindow {
  public:
    void replace(std::set<MasterHash> payouts);
    bool contains(const MasterHash& h) const;
    std::size_t size() const;

  private:
    mutable std::mutex mu_;
    std::shared_ptr<const std::set<MasterHash>> set_ = std::make_shared<std::set<MasterHash>>();
};

struct ServiceOptions {
    NetworkId network{};             // the one network this relay serves
    std::uint64_t ttl = 300;         // seconds a registration lives without a refresh
    std::uint64_t skew = 300;        // freshness window: |timestamp - now| at most this
    unsigned rate_per_minute = 100;  // per source address, and per identity
    // The allow list's admin key; without one the allow list cannot change (it is still read).
    std::optional<crypto::CompressedPubKey> admin_pubkey;
    std::size_t max_queue = 1024;  // requests waiting for the worker; beyond: 503 busy
    double sweep_interval = 30;    // seconds between sweeps
    SignalLimits signals;          // ICE signaling: the in-memory box's TTL and bounds
};

struct Answer {
    unsigned status = 200;
    std::string body;          // JSON
    unsigned retry_after = 0;  // seconds, for a 429 (the Retry-After header)
};
using AnswerFn = std::function<void(Answer)>;

// {"error": name, "detail": detail} with the problem's status.
Answer problem_answer(const Failure& f, unsigned retry_after = 0);

class Service {
  public:
    using Clock = std::function<double()>;  // unix seconds
    Service(ServiceOptions opts, std::unique_ptr<RelayStore> store, Clock clock);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // Starts the worker (and its sweeps); stop() ends it after the request in hand.
    void start();
    void stop();

    PayoutWindow& window() { return window_; }
    const ServiceOptions& options() const { return opts_; }

    // POST /relay/register. `source` names the client (its address) for the rate limit.
    void post_register(std::string body, const std::string& source, AnswerFn done);
    // What a lookup names: an identity (GET /relay/lookup/<network>/<id>, `id` a signing id of
    // 40 hex digits or a signing pubkey of 66), or a miner (GET /relay/miner/<network>/<id>,
    // `id` the HASH160 of a master pubkey, the payout in its shares: the answer is the
    // registration of the master's current key).
    enum class LookupBy { identity, miner };
    void lookup(LookupBy by, std::string network, std::string id, const std::string& source,
                AnswerFn done);
    // POST /relay/admin/allow, signed by the admin key.
    void post_allow(std::string body, const std::string& source, AnswerFn done);
    // GET /relay/admin/allow: the allowed master hashes.
    void allow_list(const std::string& source, AnswerFn done);
    // GET /relay/health.
    void health(AnswerFn done);
    // POST /relay/signal: a signed offer or answer for another identity (relay/signal.hpp).
    void post_signal(std::string body, const std::string& source, AnswerFn done);
    // POST /relay/signal/poll: a signed poll; answers the poller's pending signals and removes
    // them.
    void post_poll(std::string body, const std::string& source, AnswerFn done);

    // Prometheus text of the relay's counters and gauges (appended to /metrics).
    std::string metrics_text() const;
    std::size_t queue_depth() const;

  private:
    using Job = std::function<void()>;
    // Applies the per-source limit and the queue bound (caller's thread), then runs `job` on
    // the worker.
    void submit(const char* endpoint, const std::string& source, const AnswerFn& done, Job job);
    void sweep();
    Answer do_register(const std::string& body);
    Answer do_lookup(LookupBy by, const std::string& network, const std::string& id);
    Answer do_allow(const std::string& body);
    Answer do_signal(const std::string& body);  // service_signal.cpp
    Answer do_poll(const std::string& body);    // service_signal.cpp
    // Whether the master key paid a share in the window or is on the allow list; a failure
    // (unauthorized, storage) when not.
    std::optional<Failure> authorize(const MasterHash& master);
    // The per-identity budget; a rate_limited failure (and its retry) when spent.
    std::optional<Failure> take_identity(const SigningId& id, double now, unsigned& retry,
                                         const char* what);
    void gauge_signals();
    Answer refuse(const char* endpoint, const Failure& f, unsigned retry_after = 0);
    void count(const std::string& series, double by = 1);
    void gauge(const std::string& series, double value);

    ServiceOptions opts_;
    std::unique_ptr<RelayStore> store_;  // worker thread only (after start())
    Clock clock_;
    PayoutWindow window_;
    RateLimiter by_source_, by_identity_;
    SignalBox signals_;  // worker thread only

    Worker worker_{opts_.max_queue, opts_.sweep_interval, [this] { sweep(); }};

    mutable std::mutex metrics_mu_;
    std::map<std::string, double> counters_, gauges_;
};

}  // namespace sharemsg::relay
