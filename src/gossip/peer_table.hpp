// The gossip peer table (docs/gossip.md): the latest signed announce of each identity (a
// signing key), the state of each of its endpoints (score, sources, last seen), and a change
// counter for answering pulls. Pure and single-threaded: its owner serializes the calls and
// passes the clock in (`now`, unix seconds); no sockets, no files.
//
// Accepting an announce is two steps so that the signatures can be checked on another
// thread: `check` (stateless: network, clock skew, authorization, delegation, signature) and
// `apply` (the table: version, key rotation, limits). `accept` does both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "gossip/codec.hpp"

namespace sharemsg::gossip {

enum class Verdict {
    accepted,
    wrong_network,   // signed for another network
    clock_skew,      // |timestamp - now| > max_skew (300 s)
    unauthorized,    // the authorizer refuses the master hash and the signing id
    bad_delegation,  // the master key's delegation of the signing key does not verify
    bad_signature,   // the signing key's signature does not verify
    stale_version,   // version <= the one held for this signing key
    key_superseded,  // the table holds a higher key index of the same master key
};
const char* verdict_name(Verdict v) noexcept;

// Where an endpoint was learnt (a bit each; an endpoint may have several).
enum class Source : std::uint8_t { gossip = 1, relay = 2, cache = 4, direct = 8 };
using SourceMask = std::uint8_t;
inline SourceMask bit(Source s) {
    return static_cast<SourceMask>(s);
}

// Scores (docs/gossip.md, "Scoring"): a new endpoint starts at the score of the best source
// it came from; a success adds SCORE_SUCCESS (up to SCORE_MAX) and marks it `direct`; a
// failure halves it. Time is not in the score: an endpoint no announce refreshes goes with
// its identity at the hard TTL.
inline constexpr std::int32_t SCORE_MAX = 1000;
inline constexpr std::int32_t SCORE_SUCCESS = 100;
inline constexpr std::int32_t SCORE_DIRECT = 400;
inline constexpr std::int32_t SCORE_GOSSIP = 200;
inline constexpr std::int32_t SCORE_RELAY = 150;
inline constexpr std::int32_t SCORE_CACHE = 100;
std::int32_t initial_score(SourceMask sources) noexcept;

struct Limits {
    std::size_t max_identities = 100;
    std::size_t max_entries = 1000;             // endpoints over all identities
    std::size_t max_endpoints = MAX_ENDPOINTS;  // per identity
    std::uint64_t soft_ttl = 300;  // s: still served, but listed by stale() to refresh first
    std::uint64_t hard_ttl = 600;  // s: dropped by expire()
    std::uint64_t max_skew = 300;  // s: |announce timestamp - now|
};

struct EndpointState {
    Endpoint endpoint;
    std::int32_t score = 0;
    SourceMask sources = 0;
    std::uint64_t last_seen = 0;  // announced, or a connection succeeded
    std::uint32_t failures = 0;   // consecutive
    bool operator==(const EndpointState&) const = default;
};

struct Peer {
    Announce announce;                     // the latest accepted, as signed
    std::vector<EndpointState> endpoints;  // its endpoints, and ones seen working directly
    std::uint64_t updated = 0;             // when that announce was accepted (TTL, LRU)
    std::uint64_t change = 0;              // the table's change counter then (deltas)
};

// Whether a master key (HASH160 = a payout in the window) or a signing id may take part. An
// empty function authorizes no one.
using Authorizer = std::function<bool(const MasterHash&, const SigningId&)>;

// The stateless checks, cheapest first: network, skew, authorization, delegation, signature.
Verdict check(const Announce& a, const NetworkId& network, std::uint64_t now,
              const Authorizer& authorized, std::uint64_t max_skew = Limits{}.max_skew);

// One page of the answer to a pull.
struct DeltaPage {
    std::vector<Announce> announces;  // changed after the cursor asked for, oldest change first
    std::uint64_t cursor = 0;         // the asker's `since` for its next pull of this table
    bool more = false;                // changes after `cursor` remain: pull again right away
};

class PeerTable {
  public:
    // `now` seeds the change counter (now << 20), so that a restarted table counts on from
    // above any cursor its earlier life gave out (unless the clock went back).
    PeerTable(const NetworkId& network, std::uint64_t now, Limits limits = {});

    Verdict accept(const Announce& a, std::uint64_t now, const Authorizer& authorized);
    // The table's part, for an announce `check` accepted: stale_version, key_superseded or
    // accepted (then stored, evicting the least recently updated identities over the limits).
    Verdict apply(const Announce& a, std::uint64_t now, Source source = Source::gossip);
    // A cached entry (its announce already verified): stored as `apply` would, with the
    // endpoint states given (marked `cache`) and its original update time.
    Verdict restore(const Announce& a, std::vector<EndpointState> endpoints, std::uint64_t updated);

    // A connection attempt to one endpoint of an identity: a success promotes it (and adds
    // an endpoint not known yet, as `direct`); a failure demotes it. False if the identity is
    // unknown, or the endpoint is unknown and the attempt failed.
    bool record_result(const SigningId& id, const Endpoint& e, bool success, std::uint64_t now);
    // Up to n endpoints, by score, then the most recently seen, then announce order.
    std::vector<EndpointState> best_endpoints(const SigningId& id, std::size_t n) const;

    // Drops identities past the hard TTL; returns how many.
    std::size_t expire(std::uint64_t now);
    // Identities past the soft TTL (still served), the oldest first: refresh these first.
    std::vector<SigningId> stale(std::uint64_t now) const;
    bool is_stale(const SigningId& id, std::uint64_t now) const;

    // Announces changed in this table after `cursor` (the cursor of an earlier page, or 0),
    // as many whole ones as fit in max_bytes (at least one: raised to MAX_ANNOUNCE_SIZE). A
    // cursor above the counter is from an earlier life of the table: the answer starts over.
    DeltaPage deltas_since(std::uint64_t cursor, std::size_t max_bytes = DELTA_CAPACITY) const;

    const Peer* find(const SigningId& id) const;
    const std::map<SigningId, Peer>& peers() const { return peers_; }
    std::size_t identities() const { return peers_.size(); }
    std::size_t entries() const { return entries_; }
    std::uint64_t counter() const { return counter_; }
    const NetworkId& network() const { return network_; }
    const Limits& limits() const { return limits_; }

  private:
    Verdict admit(const Announce& a);
    void store(const Announce& a, std::vector<EndpointState> endpoints, std::uint64_t updated);
    void make_room(const SigningId& keep, std::size_t identities, std::size_t entries);
    void erase(std::map<SigningId, Peer>::iterator it);

    NetworkId network_;
    Limits limits_;
    std::map<SigningId, Peer> peers_;
    std::size_t entries_ = 0;
    std::uint64_t counter_ = 0;
};

}  // namespace sharemsg::gossip
