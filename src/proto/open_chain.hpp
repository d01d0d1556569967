// The open profile's verdicts as a function of the chain (docs/protocol.md §8).
//
// The verdict on the items of a share S (which messages it delivers, which key it registers,
// what it ignores and why) is what a fresh Ledger gives S after it has been fed the
// `window - 1` shares before S, oldest first; fewer only when S's chain starts less than
// `window - 1` shares below it. Nothing older counts. A verdict therefore depends on S and its
// ancestors alone: every node that holds those shares reaches the same verdict, whatever
// order the shares arrived in and whatever reorgs and restarts it went through. A share's
// ancestry never changes, so each verdict is computed once and kept until the share is
// forgotten.
//
// The same rule tells a sender what to put in its next share: tip() is the ledger fed the
// newest `window - 1` shares of the best chain, which is the state a share built on that tip
// will be judged against (keys, budgets, fragments being reassembled).
//
// Pure: no clock, no I/O. Not thread-safe: one owner (the node's chain thread).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "proto/open_ledger.hpp"

namespace sharemsg::proto::open {

// One share of a chain as the ledger needs it.
struct ChainLink {
    ShareContext share;
    const Envelope* envelope = nullptr;  // null: the share carries no open-profile envelope
};

class ChainLedger {
  public:
    // `window` (>= 2): the shares a verdict looks at, the judged one included.
    ChainLedger(LedgerConfig config, std::size_t window);

    struct Followed {
        std::vector<ShareHash> judged;  // shares judged by this call, oldest first
        std::size_t waiting = 0;        // shown shares whose window is not all known yet
    };

    // Brings the ledger up to the best chain. `chain` is that chain, newest first, as far back
    // as it is known; `rooted` says that chain.back() is the first share of its chain (it names
    // no parent), so that every share of `chain` has its whole window. Judges, oldest first,
    // each of the newest `show` shares that has no verdict yet and whose window is in `chain`;
    // then makes tip() the state after the newest `window - 1` shares.
    Followed follow(std::span<const ChainLink> chain, bool rooted, std::size_t show);

    // The verdict on a share, once judged (the pointer stays valid until the share is forgotten).
    const ApplyResult* verdict(const ShareHash& share) const;
    // Forgets the verdicts of shares that `keep` rejects (the node prunes old shares).
    template <class Keep>
    void retain(Keep&& keep) {
        std::erase_if(verdicts_, [&](const auto& kv) { return !keep(kv.first); });
    }
    std::size_t verdicts() const { return verdicts_.size(); }

    // The state a share built on the tip of the last followed chain is judged against.
    const Ledger& tip() const { return tip_; }
    // The tip of the last followed chain, and how many shares tip() was fed.
    const std::optional<ShareHash>& tip_share() const { return tip_share_; }
    std::size_t tip_shares() const { return tip_fed_; }

    std::size_t window() const { return window_; }
    // Shares fed to ledgers so far, replays included (a measure of the work done).
    std::uint64_t shares_fed() const { return fed_; }

  private:
    // The verdict on chain[i], from chain[i + 1 ..] (its window, known to be there).
    ApplyResult judge(std::span<const ChainLink> chain, std::size_t i);
    // Resets `ledger` and feeds it chain[from] down to chain[to] (from >= to), oldest first.
    void replay(Ledger& ledger, std::span<const ChainLink> chain, std::size_t from, std::size_t to);

    std::size_t window_;
    std::shared_ptr<SignatureCache> cache_;
    Ledger scratch_;  // replays for verdicts
    Ledger tip_;
    std::optional<ShareHash> tip_share_;
    std::size_t tip_fed_ = 0;
    bool tip_dirty_ = false;  // tip_ was used to judge a share: fed one more than it says
    std::map<ShareHash, ApplyResult> verdicts_;
    std::uint64_t fed_ = 0;
};

}  // namespace sharemsg::proto::open
