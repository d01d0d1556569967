// Share tracker: shares indexed by hash with parent links, and the most-work chain.
//
// Pure bookkeeping over hashes and work; it neither parses nor verifies shares (callers add
// only shares that passed verification). Cumulative work of a share is its own work plus its
// parent's cumulative work; a share whose parent is unknown starts a chain of its own until
// the parent arrives (then every descendant's cumulative work is updated). The best share is
// the one with the most cumulative work; ties go to the share seen first.
//
// Not thread-safe: one owner (the node's chain thread) calls it.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crypto/hash.hpp"

namespace sharemsg::chain {

using ShareId = crypto::Hash256;  // share hash as raw bytes
using Work = unsigned __int128;

struct ShareIdHash {
    std::size_t operator()(const ShareId& h) const noexcept;
};

class ShareTracker {
  public:
    struct Entry {
        ShareId hash{};
        std::optional<ShareId> prev;
        Work work = 0;
        Work cumulative = 0;
        std::uint64_t seq = 0;     // arrival order (tie break)
        std::uint64_t height = 1;  // 1 + the parent's height (1 when the parent is unknown)
    };

    // Adds a share. Returns false (and changes nothing) if it is already known.
    bool add(const ShareId& hash, const std::optional<ShareId>& prev, Work work);
    bool contains(const ShareId& hash) const { return items_.count(hash) > 0; }
    const Entry* get(const ShareId& hash) const;
    std::size_t size() const { return items_.size(); }

    // The tip of the most-work chain, if any share is known.
    std::optional<ShareId> best() const { return best_; }
    // Hashes from `tip` back through known parents, at most `max` of them (tip first).
    std::vector<ShareId> chain(const ShareId& tip, std::size_t max) const;
    // Number of known shares from `hash` back to the oldest known ancestor (hash included),
    // kept as it was when prune() forgets old ancestors, so heights never go down; 0 for an
    // unknown share. Constant time.
    std::size_t height(const ShareId& hash) const;
    // Parents referenced by known shares but not themselves known (what to request).
    std::vector<ShareId> missing_parents() const;
    // The parent that the best chain's newest `window` shares lack: when the chain from the
    // best tip is shorter than `window` and its oldest share names a parent that is neither
    // known nor forgotten on purpose (what a node restarted mid-sync asks its peers for).
    std::optional<ShareId> window_gap(std::size_t window) const;
    // Forgets shares that are not within `keep` of the best tip's chain and have no
    // descendant on it (bounds memory). Returns how many were dropped.
    std::size_t prune(std::size_t keep);

  private:
    void update_descendants(const ShareId& root);
    void consider_best(const Entry& e);

    std::unordered_map<ShareId, Entry, ShareIdHash> items_;
    std::unordered_map<ShareId, std::vector<ShareId>, ShareIdHash> children_;
    std::unordered_set<ShareId, ShareIdHash> forgotten_;  // pruned on purpose
    std::optional<ShareId> best_;
    std::uint64_t next_seq_ = 0;
};

}  // namespace sharemsg::chain
