#include <gtest/gtest.h>

#include "chain/tracker.hpp"

using namespace sharemsg::chain;

namespace {
ShareId id(int n) {
    ShareId h{};
    h[0] = static_cast<std::uint8_t>(n);
    h[1] = static_cast<std::uint8_t>(n >> 8);
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
