// Message store logic: deduplication, expiry, history cap, sharechain pruning, authority
// retention, queries and stats. Pure: time comes in as `now` (seconds since the epoch),
// and nothing is written anywhere; persistence is the node's concern.
//
// Ordering: newest first by timestamp; equal timestamps keep arrival order.
// Expiry: a message older than max_age is not added and is pruned, except authority
// transition signals, which never expire by age. The history cap evicts the oldest
// message that is not an authority transition signal (the reference may evict those too;
// see ReferenceQuirks::cap_evicts_transition_signals).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/authority.hpp"
#include "proto/banlist.hpp"
#include "proto/compat.hpp"
#include "proto/message.hpp"
#include "proto/registry.hpp"

namespace sharemsg::proto {

struct StoreOptions {
    std::size_t max_messages = MAX_MESSAGE_HISTORY;
    double max_age = MAX_MESSAGE_AGE;
    ReferenceQuirks quirks{};
};

struct MessageQuery {
    std::optional<std::uint8_t> msg_type;
    std::optional<std::string> sender;
    std::optional<double> since;  // timestamp >= since
    bool verified_only = false;
    std::size_t limit = 50;
    bool apply_bans = true;
    bool authority_only = false;
};

class MessageStore {
  public:
    using Ptr = std::shared_ptr<const ShareMessage>;

    MessageStore(StoreOptions options, AuthoritySet authorities);

    // Processes a share's message_data: registers its announcement (under the share's payout
    // address), verifies signed messages against the registry, and stores new messages.
    // Returns how many were added. Fails only under ReferenceQuirks::process_share_aborts.
    Result<std::size_t> process_share(const ShareHash& share_hash,
                                      const std::string& sender_address, ByteView message_data,
                                      double now);

    // Adds messages a share-level rule has already verified (the V36 rule: authority-signed,
    // authority flag earned), as the reference node does for each verified share: each is
    // attributed to the share and its payout address. Returns how many were new.
    std::size_t add_verified_share_messages(const ShareHash& share_hash,
                                            const std::string& sender_address,
                                            std::vector<ShareMessage> messages, double now);

    // Adds a message that did not come from a share (a local NODE_STATUS, say).
    bool add_local_message(ShareMessage m, double now);

    // Removes messages whose carrying share is not in `active` (authority messages stay).
    // An empty set is ignored, as in the reference.
    void prune_by_sharechain(const std::set<ShareHash>& active);

    // Applies expiry by age and the history cap at time `now` (also done on every add).
    void expire(double now) { prune(now); }

    // Loads a hex-encoded v1 blob (from --transition-message or bootstrap_messages/); each
    // message is checked against the authority key that decrypted it. Returns messages added.
    std::size_t load_blob_hex(std::string_view hex, double now);

    std::vector<Ptr> query(const MessageQuery& q) const;
    nlohmann::ordered_json to_json(const MessageQuery& q, double now) const;
    nlohmann::ordered_json stats() const;

    bool contains(const crypto::Hash256& message_hash) const {
        return hashes_.count(message_hash) > 0;
    }
    std::size_t size() const { return messages_.size(); }
    // Kept as messages come and go, so that stats cost nothing per message.
    std::size_t count_of_type(std::uint8_t type) const { return by_type_[type]; }
    std::size_t count_of_signer(const SigningId& id) const {
        auto it = by_signer_.find(id);
        return it == by_signer_.end() ? 0 : it->second;
    }
    // Messages with timestamp >= t (binary search: the store is ordered by timestamp).
    std::size_t count_since(double t) const;
    // Oldest and newest timestamps; nullopt when empty.
    std::optional<std::uint32_t> oldest_timestamp() const {
        return messages_.empty() ? std::nullopt : std::optional(messages_.front()->timestamp);
    }
    std::optional<std::uint32_t> newest_timestamp() const {
        return messages_.empty() ? std::nullopt : std::optional(messages_.back()->timestamp);
    }
    // Calls f(message) for messages with timestamp in [from, to), oldest first, no copies.
    template <class F>
    void for_each_between(double from, double to, F&& f) const {
        auto it = std::lower_bound(messages_.begin(), messages_.end(), from,
                                   [](const Ptr& e, double t) { return e->timestamp < t; });
        for (; it != messages_.end() && (*it)->timestamp < to; ++it)
            f(**it);
    }
    std::vector<Ptr> messages() const {
        return {messages_.rbegin(), messages_.rend()};
    }  // newest first (a copy)
    const std::vector<Ptr>& authority_messages() const { return authority_; }
    std::vector<ShareHash> tracked_shares() const;

    SigningKeyRegistry& registry() { return registry_; }
    const SigningKeyRegistry& registry() const { return registry_; }
    BanList& bans() { return bans_; }
    const BanList& bans() const { return bans_; }
    void set_bans(BanList b) { bans_ = std::move(b); }
    const AuthoritySet& authorities() const { return authorities_; }

    // Called for every message added (true) and removed (false: expiry, history cap,
    // sharechain pruning), in the order it happens, so that a caller can mirror the store
    // (the node's database does). The message is still valid during the call.
    using Observer = std::function<void(const ShareMessage&, bool added)>;
    void set_observer(Observer o) { observer_ = std::move(o); }

  private:
    struct HashOf {
        std::size_t operator()(const crypto::Hash256& h) const noexcept;
    };
    bool add(ShareMessage m, double now);
    void prune(double now);
    void erase_message(const ShareMessage* m);
    static bool is_transition_authority(const ShareMessage& m);
    void removed(const Ptr& m);  // bookkeeping of every removal (hash set, observer)

    StoreOptions opt_;
    Observer observer_;
    AuthoritySet authorities_;
    SigningKeyRegistry registry_;
    BanList bans_;
    // Oldest first, so that new messages append and expiry and the cap work from the front;
    // among equal timestamps, later arrivals sit *before* earlier ones, which reads back
    // newest-first in arrival order, as the reference orders them.
    std::deque<Ptr> messages_;
    std::unordered_set<crypto::Hash256, HashOf> hashes_;
    std::array<std::size_t, 256> by_type_{};
    struct IdHash {
        std::size_t operator()(const SigningId& id) const noexcept;
    };
    std::unordered_map<SigningId, std::size_t, IdHash> by_signer_;
    std::map<ShareHash, std::vector<Ptr>> by_share_;
    std::vector<Ptr> authority_;
};

}  // namespace sharemsg::proto
