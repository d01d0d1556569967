// Share tracker: shares indexed by hash with parent links, and the most-work chain.
//
// Bookkeeping over hashes and work; it neither parses shares nor checks their proof of work
// (callers add only shares that passed verify_share_pow). Cumulative work of a share is its
// own work plus its parent's cumulative work; a share whose parent is unknown starts a chain
// of its own until the parent arrives (then every descendant's cumulative work is updated).
// The best share is the *checked* share with the most cumulative work; ties go to the share
// seen first.
//
// Difficulty (chain/target_rules.hpp). A share added with its target fields is either
// checked (it passed check_share_target against this tracker) or pending: it could not be
// checked yet, because fewer than CHAIN_LENGTH of its ancestors are known and its known
// chain does not reach the chain's first share. A pending share is held (its parents are
// asked for, it links up) but is never the best share, as the reference's OkayTracker keeps
// unverified shares out of the best chain. When parents arrive, every pending descendant that
// can now be checked is checked, parents first: it becomes checked, or it is removed with all
// its descendants (a chain through a share that breaks the rule is not a valid chain) and
// reported by take_rejected(). Shares added without target fields count as checked. Once a
// pending share's difficulty passes, the owner's further check (set_further_check: the node's
// generated-transaction rule) decides it the same way.
//
// Not thread-safe: one owner (the node's chain thread) calls it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chain/pplns.hpp"
#include "chain/target_rules.hpp"
#include "crypto/hash.hpp"

namespace sharemsg::chain {

using ShareId = crypto::Hash256;  // share hash as raw bytes
using Work = unsigned __int128;

struct ShareIdHash {
    std::size_t operator()(const ShareId& h) const noexcept;
};

// A pending share that failed a rule once its ancestors arrived.
struct RejectedShare {
    ShareId hash{};
    Rule rule = Rule::none;        // the difficulty rule's, or the further check's
    std::string reason;            // starts with the rule's name
    std::vector<ShareId> removed;  // it and its descendants, all removed from the tracker
};

// What the owner's further check (ShareTracker::set_further_check) says of a pending share
// whose difficulty has just passed: ok, not yet (deferred), or a broken rule.
struct FurtherVerdict {
    bool deferred = false;
    Rule rule = Rule::none;  // Rule::none: ok (when not deferred)
    std::string reason;
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
        TargetFields target{};
        bool rooted = false;  // the known chain below ends at a share with no previous share
        bool checked = true;  // passed the difficulty rule (or added without it); false: pending
        // What the payouts of the shares above read of this one (chain/pplns.hpp); null for a
        // share added without it.
        std::shared_ptr<const GentxAncestor> payout;
    };

    // Adds a checked share with no target fields. Returns false (and changes nothing) if it
    // is already known.
    bool add(const ShareId& hash, const std::optional<ShareId>& prev, Work work);
    // Adds a share under the difficulty rule `rules`: `checked` says whether it passed
    // check_target() just now (false: deferred, it is pending). Pending descendants it lets
    // be checked are checked; those that fail are removed (see take_rejected()). Returns
    // false (and changes nothing) if it is already known.
    bool add(const ShareId& hash, const std::optional<ShareId>& prev, Work work,
             const TargetFields& target, bool checked, const TargetParams& rules,
             std::shared_ptr<const GentxAncestor> payout = nullptr);
    // A check run on a pending share once its difficulty passes (the node's: the share's
    // generated transaction against the chain below it). Without one, passing the difficulty
    // rule is enough.
    void set_further_check(std::function<FurtherVerdict(const ShareId&)> check) {
        further_ = std::move(check);
    }
    // The pending shares found invalid since the last call (and forgets them).
    std::vector<RejectedShare> take_rejected();

    bool contains(const ShareId& hash) const { return items_.count(hash) > 0; }
    const Entry* get(const ShareId& hash) const;
    std::size_t size() const { return items_.size(); }
    std::size_t pending() const { return pending_; }

    // The chain below a share whose parent is `prev`, as this tracker knows it, with at most
    // `window` ancestors' fields (the difficulty rule reads target_lookbehind of them).
    AncestorView ancestors(const std::optional<ShareId>& prev, std::size_t window) const;
    // The chain below a share whose parent is `prev`, as the generated-transaction rule reads
    // it: at most `window` ancestors (parent first), stopping at one added without payout data.
    GentxChain gentx_chain(const std::optional<ShareId>& prev, std::size_t window) const;
    // check_share_target for a share with parent `prev` and these fields, on this tracker.
    TargetVerdict check_target(const std::optional<ShareId>& prev, const TargetFields& share,
                               const TargetParams& rules,
                               std::optional<std::uint64_t> now = std::nullopt) const;

    // The tip of the most-work checked chain, if any share is checked.
    std::optional<ShareId> best() const { return best_; }
    // Hashes from `tip` back through known parents, at most `max` of them (tip first).
    std::vector<ShareId> chain(const ShareId& tip, std::size_t max) const;
    // The share with the most cumulative work, checked or not (the tip of a chain still being
    // synced, whose shares are pending), if any share is known. Linear in the shares held.
    std::optional<ShareId> most_work() const;
    // Checked shares from `tip` back, up to the first pending one; at most `max`.
    std::size_t checked_run(const ShareId& tip, std::size_t max) const;
    // Number of known shares from `hash` back to the oldest known ancestor (hash included),
    // kept as it was when prune() forgets old ancestors, so heights never go down; 0 for an
    // unknown share. Constant time.
    std::size_t height(const ShareId& hash) const;
    // Parents referenced by known shares but not themselves known (what to request).
    std::vector<ShareId> missing_parents() const;
    // The parent that the most-work chain's newest `window` shares lack: when the chain from
    // the share with the most cumulative work (the best share, or a pending share with more
    // work: a chain still syncing) is shorter than `window` and its oldest share names a
    // parent that is neither known nor forgotten on purpose (what a node restarted mid-sync
    // asks its peers for).
    std::optional<ShareId> window_gap(std::size_t window) const;

    // Bounds memory; returns how many shares were dropped. Keeps the best tip's newest `keep`
    // shares (the window) and drops:
    //   - shares off that window with no more cumulative work than its oldest share (stale
    //     forks below the window, and orphans with less work than the chain has);
    //   - side branches, eaten from their heads back to where they fork, as the reference's
    //     clean_tracker eats heads: every head (a share with no children) off the window
    //     except the SIDE_HEADS_KEPT with the most work and those among the last keep / 2
    //     arrivals -- a competing tip and a chain still syncing stay;
    //   - then, while more than 2 * keep shares remain, the kept side heads too, least work
    //     first: a flood of side branches never holds more than that.
    std::size_t prune(std::size_t keep);
    static constexpr std::size_t SIDE_HEADS_KEPT = 4;  // with the best tip, the reference's 5

  private:
    // Links the new entry `hash` into its descendants (work, heights, rootedness) and checks
    // pending descendants that can now be checked (when rules is set).
    void update_descendants(const ShareId& root, const TargetParams* rules);
    void consider_best(const Entry& e);
    void recompute_best();
    // Removes `hash` and every known descendant; returns them.
    std::vector<ShareId> remove_subtree(const ShareId& hash);
    // Removes one share (no descendants left, or they are removed too), unlinking it.
    void erase_one(const ShareId& hash);
    bool add_entry(const ShareId& hash, const std::optional<ShareId>& prev, Work work,
                   const TargetFields& target, bool checked, const TargetParams* rules,
                   std::shared_ptr<const GentxAncestor> payout);

    std::unordered_map<ShareId, Entry, ShareIdHash> items_;
    std::unordered_map<ShareId, std::vector<ShareId>, ShareIdHash> children_;
    std::unordered_set<ShareId, ShareIdHash> forgotten_;  // pruned on purpose
    std::vector<RejectedShare> rejected_;
    std::function<FurtherVerdict(const ShareId&)> further_;
    std::optional<ShareId> best_;
    std::uint64_t next_seq_ = 0;
    std::size_t pending_ = 0;
};

}  // namespace sharemsg::chain
