// What this node knows of other identities' endpoints (docs/relay.md, "The node side"): the
// registrations its relays answered, checked (signature, delegation, network), each kept for a
// time-to-live drawn between 5 and 10 minutes; and the recent lookups that found nothing, so
// that a missing identity is not asked for again on every round. Bounded: at most `max`
// identities (the soonest to expire go first). /net/peers shows it.
//
// Any thread: every method takes the object's lock.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "relay/codec.hpp"

namespace sharemsg::node {

struct KnownPeer {
    relay::Registration registration;  // as a relay answered it, checked
    std::string source;                // the relay's URL
    double fetched = 0;                // unix seconds
    double expires = 0;                // unix seconds: not answered from here after it
};

// What a lookup names: an identity (its signing id) or a miner (its master's HASH160).
struct PeerQuery {
    enum class By { identity, miner } by = By::identity;
    crypto::Hash160 id{};
    bool operator<(const PeerQuery& o) const { return std::pair(by, id) < std::pair(o.by, o.id); }
    bool operator==(const PeerQuery&) const = default;
};

class PeerDirectory {
  public:
    explicit PeerDirectory(std::size_t max = 4096) : max_(max) {}

    // Keeps `p` (replacing what is known of its identity, and of its miner when it is the
    // newer registration); forgets a miss of either.
    void put(KnownPeer p);
    std::optional<KnownPeer> find(const PeerQuery& q, double now) const;
    // No relay knew `q`: find() answers nothing and missed() says so until `until`.
    void miss(const PeerQuery& q, double until);
    bool missed(const PeerQuery& q, double now) const;
    // The identities not expired by `now`, by signing id.
    std::vector<KnownPeer> live(double now) const;
    std::size_t size() const;

    // {"signing_id", "signing_pubkey", "master_hash", "key_index", "endpoints", "nat",
    //  "last_seen" (the registration's timestamp), "source", "fetched", "expires"}
    static nlohmann::ordered_json to_json(const KnownPeer& p);

  private:
    void sweep(double now);  // caller holds mu_

    const std::size_t max_;
    mutable std::mutex mu_;
    std::map<relay::SigningId, KnownPeer> peers_;
    std::map<relay::MasterHash, relay::SigningId> by_master_;
    std::map<PeerQuery, double> misses_;
};

}  // namespace sharemsg::node
