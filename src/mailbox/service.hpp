// The mailbox role (docs/mailbox.md, "The mailbox server"): takes registrations of identities
// authorized by the sharechain window, keeps the sealed messages deposited for them, and hands them
// to their receivers (get, ack, and a stream of new ids).
//
// Threads, as relay::Service: the HTTP handlers call in from the node's I/O thread, where the
// per-source rate limit and the queue bound are applied; decoding, signature checks and the
// store run on the mailbox's own worker thread, which owns the store's connection and sweeps
// (expired nonces, registrations and messages) every sweep_interval. Answers go back through
// the callbacks, from the worker. The challenges live in memory (Challenges: bounded,
// single use), and the payouts of the window (relay::PayoutWindow) are replaced by the node's
// chain thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "mailbox/codec.hpp"
#include "mailbox/store.hpp"
#include "relay/rate_limiter.hpp"
#include "relay/service.hpp"
#include "relay/worker.hpp"

namespace sharemsg::mailbox {

using relay::Answer;
using relay::AnswerFn;

struct ServiceOptions {
    NetworkId network{};                 // the one network this mailbox serves
    Quota quota;                         // per receiver
    std::uint64_t message_ttl = 604800;  // seconds an unfetched message is kept
    std::uint64_t registration_ttl = 604800;
    std::uint64_t skew = 300;            // send, subscribe, get, ack: |timestamp - now|
    unsigned rate_per_minute = 120;      // per source address, and per identity
    std::size_t max_queue = 1024;        // requests waiting for the worker; beyond: 503 busy
    double sweep_interval = 30;          // seconds between sweeps
    std::size_t max_challenges = 10000;  // outstanding; beyond, the oldest is dropped
    std::uint64_t challenge_ttl = 300;   // seconds a challenge may be used
};

// The challenges handed out by GET /mailbox/challenge: each used once, before it expires; at
// most `max` outstanding (the oldest goes first). Thread-safe.
class Challenges {
  public:
    Challenges(std::size_t max, std::uint64_t ttl) : max_(max), ttl_(ttl) {}
    // A new challenge and when it expires.
    std::pair<Challenge, std::uint64_t> issue(std::uint64_t now);
    // Whether `c` was handed out and is unexpired; it cannot be used again either way.
    bool consume(const Challenge& c, std::uint64_t now);
    void sweep(std::uint64_t now);
    std::size_t size() const;

  private:
    mutable std::mutex mu_;
    std::map<Challenge, std::uint64_t> live_;  // challenge -> expires
    std::deque<Challenge> order_;              // oldest first (may name consumed ones)
    std::size_t max_;
    std::uint64_t ttl_;
};

// A subscription the worker accepted: whose mailbox, and its state when it was read. The
// stream's new ids come through the listener (Service::Listener) from then on.
struct Subscribed {
    IdentityId receiver{};
    BoxState state;
};
using SubscribeFn = std::function<void(std::variant<Answer, Subscribed>)>;

class Service {
  public:
    using Clock = std::function<double()>;  // unix seconds
    // Called on the worker after a message is committed: its receiver and id.
    using Listener = std::function<void(const IdentityId& receiver, std::uint64_t id)>;

    Service(ServiceOptions opts, std::unique_ptr<MailboxStore> store, Clock clock);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // Before start().
    void set_listener(Listener l) { listener_ = std::move(l); }
    void start();
    void stop();

    relay::PayoutWindow& window() { return window_; }
    const ServiceOptions& options() const { return opts_; }
    const char* backend() const { return backend_; }

    // GET /mailbox/challenge (answered on the caller's thread).
    void challenge(const std::string& source, AnswerFn done);
    // POST /mailbox/{register,send,get,ack}: `source` names the client for the rate limit.
    void post_register(std::string body, const std::string& source, AnswerFn done);
    void post_send(std::string body, const std::string& source, AnswerFn done);
    void post_get(std::string body, const std::string& source, AnswerFn done);
    void post_ack(std::string body, const std::string& source, AnswerFn done);
    // POST /mailbox/subscribe: a refusal, or the subscription to open a stream for.
    void post_subscribe(std::string body, const std::string& source, SubscribeFn done);
    // GET /mailbox/health: answered on the worker once the totals are fresh (so it counts
    // against the source's rate limit and waits in the queue like any request).
    void health(const std::string& source, AnswerFn done);

    // Prometheus text (appended to /metrics); `subscribers` is the streams open now.
    std::string metrics_text(std::size_t subscribers) const;
    std::size_t queue_depth() const;

  private:
    using Job = std::function<void()>;
    void submit(const char* endpoint, const std::string& source, const AnswerFn& done, Job job);
    void sweep();
    Answer health_answer();  // worker thread
    void refresh_totals(bool now_please);

    // A signed request read and checked as far as every endpoint checks it: decoded, of
    // `op`, for this network, hash and signature, fresh, within the identity's budget; for
    // the requests on one's own mailbox, the receiver is the sender and it is registered.
    Checked<Request> admit(const char* endpoint, const std::string& body, Op op, unsigned& retry);
    // The nonce taken (nonce_replayed, storage).
    std::optional<Failure> take_nonce(const Header& h, std::uint64_t skew);
    // What get, ack and subscribe (requests on one's own mailbox) need after admit(): the
    // sender registered here (not_registered, storage), and its nonce taken.
    std::optional<Failure> own_mailbox(const Header& h);

    Answer do_register(const std::string& body);
    Answer do_send(const std::string& body);
    Answer do_get(const std::string& body);
    Answer do_ack(const std::string& body);
    std::variant<Answer, Subscribed> do_subscribe(const std::string& body);

    Answer refuse(const char* endpoint, const Failure& f, unsigned retry_after = 0);
    Answer ok(const char* endpoint, const char* result, unsigned status, std::string body);
    void count(const std::string& series, double by = 1);
    void gauge(const std::string& series, double value);

    ServiceOptions opts_;
    std::unique_ptr<MailboxStore> store_;  // worker thread only (after start())
    const char* backend_;
    Clock clock_;
    relay::PayoutWindow window_;
    relay::RateLimiter by_source_, by_identity_;
    Challenges challenges_;
    Listener listener_;
    double totals_at_ = -1e18;  // worker: when the gauges were last read from the store

    relay::Worker worker_{opts_.max_queue, opts_.sweep_interval, [this] { sweep(); }};

    mutable std::mutex metrics_mu_;
    std::map<std::string, double> counters_, gauges_;
};

}  // namespace sharemsg::mailbox
