// The signals a relay holds for their recipients (docs/relay.md, "Signaling"): in memory only,
// each for `ttl` seconds from its arrival, handed over (and removed) when its recipient polls.
// Bounds, each refusing the new signal rather than dropping an older one (a flood cannot push
// out what others left): `per_recipient` pending for one recipient, `per_sender` of those from
// one sender, `max_total` signals and `max_bytes` (their JSON sizes) in all. A signal that
// repeats the (sender, session, kind) of a pending one replaces it without counting again.
//
// It also remembers the digests of the polls it answered and of the signals it delivered, until
// their timestamps leave the freshness window, so that neither can be replayed: at most
// `max_seen` at once.
//
// Not thread-safe: the relay's worker thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <utility>
#include <vector>

#include "relay/signal.hpp"

namespace sharemsg::relay {

struct SignalLimits {
    double ttl = 60;                   // seconds a signal waits for its recipient
    std::size_t per_recipient = 32;    // pending for one recipient
    std::size_t per_sender = 8;        // of those, from one sender
    std::size_t max_total = 10'000;    // pending in all
    std::size_t max_bytes = 16 << 20;  // JSON bytes pending in all
    std::size_t max_seen = 200'000;    // digests of answered polls and delivered signals
};

class SignalBox {
  public:
    explicit SignalBox(SignalLimits l) : l_(l) {}

    enum class Put { stored, replaced, recipient_full, sender_full, full, replayed };
    // `size`: the signal's JSON length (what it costs to hold and to answer).
    Put put(const Signal& s, std::size_t size, double now);
    // The recipient's pending signals, oldest first, removed; their digests are remembered
    // until `forget_at` (the end of their freshness window).
    std::vector<Signal> take(const SigningId& recipient, double now, double skew);
    // Remembers a digest (of a poll) until `until`; replayed when it is already known; full
    // when max_seen digests are held.
    enum class Seen { fresh, replayed, full };
    Seen remember(const crypto::Hash256& digest, double until);
    // Drops expired signals and forgotten digests; the number of signals dropped.
    std::size_t sweep(double now);
    // The signals dropped as expired (by sweep(), put() or take()) since the last call.
    std::size_t expired_since_asked() { return std::exchange(expired_unasked_, 0); }
    // Seconds until the recipient's oldest pending signal expires (at least 1).
    unsigned retry_after(const SigningId& recipient, double now) const;

    std::size_t pending() const { return total_; }
    std::size_t bytes() const { return bytes_; }
    std::size_t seen() const { return seen_.size(); }
    const SignalLimits& limits() const { return l_; }

  private:
    struct Held {
        Signal signal;
        crypto::Hash256 digest;
        std::size_t size = 0;
        double expires = 0;
    };
    void drop_expired(std::deque<Held>& q, double now);

    SignalLimits l_;
    std::map<SigningId, std::deque<Held>> by_recipient_;
    std::map<crypto::Hash256, double> seen_;  // digest -> forget at
    std::size_t total_ = 0, bytes_ = 0, expired_ = 0, expired_unasked_ = 0;
};

}  // namespace sharemsg::relay
