// The node's side of ICE signaling through its relays (--relay-url; docs/relay.md,
// "Signaling"). A thread of its own:
// - sends the offers and answers handed to send(): it fills in the sender (this node's signing
//   key, key index and delegation), the network and the timestamp, signs, and posts the signal
//   to every usable relay (the recipient may poll any of them; it drops repeats);
// - polls every usable relay for the signals addressed to this node, with a signed poll and a
//   fresh random nonce each time: every kPollArmed seconds while armed (a session of ours
//   waits for an answer), every kPollIdle seconds otherwise;
// - checks each signal received as if the relay were hostile: it decodes strictly, names this
//   network and this node as recipient, is fresh, its signature and delegation verify, and its
//   master key is authorized (the `authorized` callback: the window's payouts or the allow
//   list); a signal seen before (by digest) is dropped. Only then is it handed to `deliver`
//   (from this thread).
// It skips relays whose circuit is open (node/relay_targets.hpp) and leaves the breaker's
// counts to registration and lookup. stop() ends the thread after the request in hand; sends
// still queued are answered as not sent.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "node/relay_registrar.hpp"
#include "node/relay_targets.hpp"
#include "relay/signal.hpp"

namespace sharemsg::node {

class Metrics;

inline constexpr double kPollArmed = 1;  // seconds between polls while a session is pending
inline constexpr double kPollIdle = 5;   // seconds between polls otherwise

struct SignalerOptions {
    relay::NetworkId network{};
    double poll_armed = kPollArmed;
    double poll_idle = kPollIdle;
    double skew = 300;           // a signal's timestamp at most this far from our clock
    double remember = 900;       // seconds a received signal's digest is kept against repeats
    std::size_t max_sends = 64;  // sends waiting; beyond, they are answered as not sent
    std::chrono::milliseconds timeout{5000};  // per relay request
};

class RelaySignaler {
  public:
    using Identity = RelayRegistrar::Identity;
    using Clock = std::function<double()>;
    using Authorized = std::function<bool(const relay::MasterHash&)>;
    using Deliver = std::function<void(relay::Signal)>;
    struct Sent {
        std::size_t stored = 0;  // relays that took it
        std::string detail;      // per relay: what it said, when it did not take it
    };
    using SentFn = std::function<void(Sent)>;

    static std::unique_ptr<RelaySignaler> start(SignalerOptions o,
                                                std::shared_ptr<RelayTargets> relays,
                                                Identity identity, Authorized authorized,
                                                Clock clock, Metrics& metrics, Deliver deliver);
    ~RelaySignaler();
    void stop();

    // Any thread: queues `s` for the relays. Its kind, session, recipient, force_relay, ufrag,
    // pwd and candidates are the caller's; the rest is filled in and signed here. `done`
    // (optional) is called once, from the signaler's thread (or the caller's, when the queue
    // is full or the signaler is stopping).
    void send(relay::Signal s, SentFn done = {});
    // Any thread: poll every kPollArmed seconds (true) or kPollIdle (false). Arming polls at
    // once.
    void set_armed(bool armed);

  private:
    RelaySignaler(SignalerOptions o, std::shared_ptr<RelayTargets> relays, Identity identity,
                  Authorized authorized, Clock clock, Metrics& metrics, Deliver deliver);
    void run();
    Sent post(relay::Signal s);
    void poll();
    void poll_one(std::size_t relay, const RegistrarIdentity& id);
    void receive(const relay::Signal& s, const relay::SigningId& own);
    bool stopping();

    SignalerOptions o_;
    std::shared_ptr<RelayTargets> relays_;
    Identity identity_;
    Authorized authorized_;
    Clock clock_;
    Metrics& metrics_;
    Deliver deliver_;
    std::map<crypto::Hash256, double> seen_;  // digest -> forget at (the thread's)

    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool armed_ = false;
    bool poll_now_ = true;
    std::deque<std::pair<relay::Signal, SentFn>> sends_;
    std::thread thread_;
};

}  // namespace sharemsg::node
