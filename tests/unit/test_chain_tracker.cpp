#include <gtest/gtest.h>

#include <algorithm>

#include "chain/tracker.hpp"

using namespace sharemsg::chain;

namespace {
ShareId id(int n) {
    ShareId h{};
    h[0] = static_cast<std::uint8_t>(n);
    h[1] = static_cast<std::uint8_t>(n >> 8);
    h[2] = static_cast<std::uint8_t>(n >> 16);
    h[31] = 0xaa;
    return h;
}
}  // namespace

TEST(ChainTracker, FollowsMostWorkAndReorgs) {
    ShareTracker t;
    EXPECT_FALSE(t.best());
    ASSERT_TRUE(t.add(id(1), std::nullopt, 10));
    ASSERT_TRUE(t.add(id(2), id(1), 10));
    ASSERT_TRUE(t.add(id(3), id(2), 10));
    EXPECT_FALSE(t.add(id(3), id(2), 10));  // duplicate
    EXPECT_EQ(*t.best(), id(3));
    EXPECT_EQ(t.height(id(3)), 3u);
    // A competing branch from 1 with more work takes over.
    ASSERT_TRUE(t.add(id(12), id(1), 15));
    EXPECT_EQ(*t.best(), id(3));  // 30 vs 25
    ASSERT_TRUE(t.add(id(13), id(12), 15));
    EXPECT_EQ(*t.best(), id(13));  // 40 vs 30
    EXPECT_EQ(t.chain(id(13), 10), (std::vector<ShareId>{id(13), id(12), id(1)}));
}

TEST(ChainTracker, TiesGoToFirstSeen) {
    ShareTracker t;
    t.add(id(1), std::nullopt, 10);
    t.add(id(2), id(1), 10);
    t.add(id(3), id(1), 10);
    EXPECT_EQ(*t.best(), id(2));
}

TEST(ChainTracker, OutOfOrderParentsLinkUp) {
    ShareTracker t;
    t.add(id(3), id(2), 10);
    EXPECT_EQ(t.missing_parents(), std::vector<ShareId>{id(2)});
    t.add(id(2), id(1), 10);
    EXPECT_EQ(t.get(id(3))->cumulative, 20u);
    t.add(id(1), std::nullopt, 10);
    EXPECT_EQ(t.get(id(3))->cumulative, 30u);
    EXPECT_TRUE(t.missing_parents().empty());
    EXPECT_EQ(*t.best(), id(3));
    EXPECT_EQ(t.height(id(3)), 3u);
}

TEST(ChainTracker, PruneKeepsWindowAndForgetsOnPurpose) {
    ShareTracker t;
    t.add(id(0), std::nullopt, 1);
    for (int i = 1; i < 100; ++i)
        t.add(id(i), id(i - 1), 1);
    t.add(id(500), id(2), 1);  // stale side branch deep below the window
    EXPECT_EQ(t.prune(10), 91u);
    EXPECT_EQ(t.size(), 10u);
    EXPECT_EQ(*t.best(), id(99));
    EXPECT_TRUE(t.missing_parents().empty());
    // Heights stay as they were (they never go down: revocation heights and settle depths are
    // compared against them), and the chain goes on from there.
    EXPECT_EQ(t.height(id(99)), 100u);
    EXPECT_EQ(t.height(id(90)), 91u);
    EXPECT_EQ(t.height(id(5)), 0u);  // forgotten
    EXPECT_EQ(t.chain(id(99), 1000).size(), 10u);
    t.add(id(100), id(99), 1);
    EXPECT_EQ(t.height(id(100)), 101u);
    EXPECT_EQ(*t.best(), id(100));
}

TEST(ChainTracker, HeightsFollowALateParent) {
    ShareTracker t;
    t.add(id(12), id(11), 1);
    t.add(id(13), id(12), 1);
    EXPECT_EQ(t.height(id(13)), 2u);  // its chain starts at 12 for now
    t.add(id(11), id(10), 1);
    EXPECT_EQ(t.height(id(11)), 1u);
    EXPECT_EQ(t.height(id(12)), 2u);
    EXPECT_EQ(t.height(id(13)), 3u);
    EXPECT_EQ(t.height(id(13)), t.chain(id(13), 100).size());
}

TEST(ChainTracker, WindowGapNamesWhatTheWindowLacks) {
    ShareTracker t;
    EXPECT_FALSE(t.window_gap(5));
    // A tip whose parent is unknown: the window of 5 lacks it.
    t.add(id(20), id(19), 1);
    t.add(id(21), id(20), 1);
    EXPECT_EQ(t.window_gap(5), id(19));
    EXPECT_FALSE(t.window_gap(2));  // two shares are all a window of 2 needs
    // Parents arrive: the gap moves back, then closes once the window is full.
    t.add(id(19), id(18), 1);
    t.add(id(18), id(17), 1);
    EXPECT_EQ(t.window_gap(5), id(17));
    t.add(id(17), id(16), 1);
    EXPECT_FALSE(t.window_gap(5));
    // A chain that starts at its first share (no parent) lacks nothing.
    ShareTracker u;
    u.add(id(1), std::nullopt, 1);
    u.add(id(2), id(1), 1);
    EXPECT_FALSE(u.window_gap(5));
    // Nor does one whose oldest parents were pruned on purpose.
    ShareTracker p;
    p.add(id(0), std::nullopt, 1);
    for (int i = 1; i < 30; ++i)
        p.add(id(i), id(i - 1), 1);
    ASSERT_EQ(p.prune(10), 20u);
    EXPECT_FALSE(p.window_gap(20));
}

// ---- difficulty: pending shares ------------------------------------------------------------

namespace {

// CHAIN_LENGTH 5, TARGET_LOOKBEHIND 3, the devnet's targets and share period. Shares 10 s
// apart at MAX_TARGET keep demanding MAX_TARGET (the pool's rate rounds down to nothing).
TargetParams rules() {
    TargetParams p;
    p.share_period_s = 10;
    p.chain_length = 5;
    p.target_lookbehind = 3;
    p.max_target =
        from_int_hex<32>("0fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
            .value();
    return p;
}
constexpr std::uint32_t kMaxBits = 0x200fffff;  // from MAX_TARGET 2^252 - 1

TargetFields honest(int n) {
    return TargetFields{1000 + 10 * static_cast<std::uint32_t>(n), kMaxBits, kMaxBits};
}

// Adds share n (parent n - 1, none for 0) as the node does: checked when it can be.
void add_share(ShareTracker& t, int n, TargetFields f, std::optional<int> parent) {
    const std::optional<ShareId> prev = parent ? std::optional(id(*parent)) : std::nullopt;
    const auto v = t.check_target(prev, f, rules());
    ASSERT_TRUE(v.ok() || v.rule == TargetRule::deferred) << v.reason;
    ASSERT_TRUE(t.add(id(n), prev, 16, f, v.ok(), rules()));
}

}  // namespace

TEST(ChainTracker, PendingSharesWaitForTheirAncestors) {
    ShareTracker t;
    // The newest first, as a syncing node hears of them: neither can be checked yet.
    add_share(t, 2, honest(2), 1);
    add_share(t, 1, honest(1), 0);
    EXPECT_EQ(t.pending(), 2u);
    EXPECT_FALSE(t.get(id(2))->checked);
    EXPECT_FALSE(t.best());  // a pending share is never the best
    EXPECT_EQ(t.missing_parents(), std::vector<ShareId>{id(0)});
    // The chain's first share arrives: both are checked, parents first, and 2 is best.
    add_share(t, 0, honest(0), std::nullopt);
    EXPECT_EQ(t.pending(), 0u);
    EXPECT_TRUE(t.get(id(1))->checked);
    EXPECT_TRUE(t.get(id(2))->checked);
    EXPECT_EQ(*t.best(), id(2));
    EXPECT_TRUE(t.take_rejected().empty());
}

TEST(ChainTracker, AChainNotReachingItsFirstShareNeedsChainLengthAncestors) {
    ShareTracker t;
    // Shares 10.. whose parent 9 never arrives: share k has k - 10 known ancestors.
    for (int n = 10; n <= 16; ++n)
        add_share(t, n, honest(n), n - 1);
    for (int n = 10; n <= 14; ++n)
        EXPECT_FALSE(t.get(id(n))->checked) << n;  // fewer than CHAIN_LENGTH (5) below it
    EXPECT_TRUE(t.get(id(15))->checked);
    EXPECT_TRUE(t.get(id(16))->checked);
    EXPECT_EQ(*t.best(), id(16));
    EXPECT_EQ(t.pending(), 5u);
}

TEST(ChainTracker, PendingShareThatFailsGoesWithItsDescendants) {
    ShareTracker t;
    add_share(t, 0, honest(0), std::nullopt);
    // 2 claims an easier max_bits than the chain allows; 3 builds on it. Both wait for 1.
    TargetFields easy = honest(2);
    easy.max_bits = 0x2010ffff;
    easy.bits = 0x2010ffff;
    add_share(t, 2, easy, 1);
    add_share(t, 3, honest(3), 2);
    add_share(t, 1, honest(1), 0);
    EXPECT_EQ(*t.best(), id(1));
    EXPECT_FALSE(t.contains(id(2)));
    EXPECT_FALSE(t.contains(id(3)));
    EXPECT_EQ(t.pending(), 0u);
    const auto rejected = t.take_rejected();
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].hash, id(2));
    EXPECT_EQ(rejected[0].rule, sharemsg::Rule::share_max_bits) << rejected[0].reason;
    EXPECT_EQ(rejected[0].removed, (std::vector<ShareId>{id(2), id(3)}));
    EXPECT_TRUE(t.take_rejected().empty());
}

TEST(ChainTracker, TheBestShareGoesWhenAnAncestorFailsLater) {
    ShareTracker t;
    // 10..16 above an unknown 9: 15 and 16 are checked and 16 is best; 10 is too easy but
    // cannot be checked until its ancestors are known.
    TargetFields easy = honest(10);
    easy.max_bits = easy.bits = 0x2010ffff;
    add_share(t, 10, easy, 9);
    for (int n = 11; n <= 16; ++n)
        add_share(t, n, honest(n), n - 1);
    ASSERT_EQ(*t.best(), id(16));
    // The chain below arrives down to its first share: 10 fails, and with it 11..16.
    for (int n = 9; n >= 1; --n)
        add_share(t, n, honest(n), n - 1);
    add_share(t, 0, honest(0), std::nullopt);
    EXPECT_EQ(*t.best(), id(9));
    EXPECT_EQ(t.size(), 10u);
    const auto rejected = t.take_rejected();
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].removed.size(), 7u);
}

// ---- retention -------------------------------------------------------------------------------

TEST(ChainTracker, FloodOfSideBranchesStaysBounded) {
    // A peer forks a new side share off the window after every share of the best chain, 20
    // at a time, each with less work than the tip. The node prunes as it does (at 1.5 x keep):
    // the tracker never holds more than 2 x keep, the window stays whole, and the strongest
    // competitor (one share behind the tip) survives.
    constexpr std::size_t keep = 100;
    ShareTracker t;
    std::size_t largest = 0;
    int next_side = 100000;
    t.add(id(0), std::nullopt, 10);
    for (int i = 1; i < 2000; ++i) {
        t.add(id(i), id(i - 1), 10);
        for (int k = 0; k < 20; ++k) {
            const int fork = std::max(0, i - 1 - (k * 7 + i) % 90);
            t.add(id(next_side++), id(fork), 1);  // less work than the main chain's share
        }
        largest = std::max(largest, t.size());
        if (t.size() >= keep + keep / 2) t.prune(keep);
        ASSERT_LE(t.size(), 2 * keep + 21) << i;
        ASSERT_EQ(*t.best(), id(i));
    }
    // A competitor one share behind the tip, forked 50 shares back: it is kept by a prune.
    const int tip = 1999;
    ShareId prev = id(tip - 50);
    for (int k = 0; k < 49; ++k) {
        t.add(id(200000 + k), prev, 10);
        prev = id(200000 + k);
    }
    for (int k = 0; k < 100; ++k)
        t.add(id(300000 + k), id(tip - 1 - k % 40), 1);  // chaff that arrived after it
    t.prune(keep);
    EXPECT_LE(t.size(), 2 * keep);
    EXPECT_TRUE(t.contains(prev));
    EXPECT_EQ(t.chain(*t.best(), keep).size(), keep);
    EXPECT_LE(largest, 2 * keep + 21);
}

TEST(ChainTracker, OrphansWithoutABestChainAreBoundedToo) {
    // Pending shares whose parents never come (no best chain at all): still at most 2 x keep
    // after a prune, the ones with most work kept.
    constexpr std::size_t keep = 50;
    ShareTracker t;
    for (int i = 0; i < 1000; ++i) {
        add_share(t, 1000 + i, honest(i), 5000 + i);
        if (t.size() >= keep + keep / 2) t.prune(keep);
        ASSERT_LE(t.size(), 2 * keep);
    }
    EXPECT_FALSE(t.best());
    EXPECT_EQ(t.pending(), t.size());
}

TEST(ChainTracker, WindowGapFollowsAPendingChain) {
    // A node that holds only a tip it cannot check yet (no best share) asks for its parent;
    // once the best chain exists, a pending chain with more work is still the one followed.
    ShareTracker t;
    add_share(t, 40, honest(40), 39);
    ASSERT_FALSE(t.best());
    EXPECT_EQ(t.window_gap(5), id(39));
    add_share(t, 39, honest(39), 38);
    EXPECT_EQ(t.window_gap(5), id(38));
    ShareTracker u;
    add_share(u, 0, honest(0), std::nullopt);
    add_share(u, 50, honest(50), 49);
    add_share(u, 51, honest(51), 50);  // 32 of work against the best's 16
    ASSERT_EQ(*u.best(), id(0));
    EXPECT_EQ(u.window_gap(5), id(49));
}
