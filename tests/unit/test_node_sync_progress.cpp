// SyncProgress: the catch-up figures a node shows (/health "sync", the log, the gauges).
#include <gtest/gtest.h>

#include <string>

#include "node/sync_progress.hpp"

using sharemsg::node::SyncProgress;

TEST(SyncProgress, CatchingUpUntilTheVerifiedChainSpansTheWindow) {
    SyncProgress p(400, 800);
    EXPECT_EQ(p.snapshot().state(), std::string("catching_up"));
    // Known is capped at what is needed; verified at the window.
    p.update(5000, 10, false, 100, 0);
    auto s = p.snapshot();
    EXPECT_EQ(s.known, 800u);
    EXPECT_EQ(s.needed, 800u);
    EXPECT_EQ(s.verified, 10u);
    EXPECT_FALSE(s.caught_up);
    p.update(800, 399, false, 100, 1);
    EXPECT_FALSE(p.snapshot().caught_up);
    const std::string line = p.update(800, 400, false, 1, 2);
    EXPECT_TRUE(p.snapshot().caught_up);
    EXPECT_EQ(p.snapshot().state(), std::string("following"));
    EXPECT_NE(line.find("caught up: 400 shares verified of a 400-share window"), std::string::npos)
        << line;
    // A node that caught up stays so (a reorganisation is followed live), and says it once.
    EXPECT_EQ(p.update(800, 3, false, 1, 3), "");
    EXPECT_TRUE(p.snapshot().caught_up);
}

TEST(SyncProgress, AChainFromItsFirstShareIsCaughtUpAtOnce) {
    SyncProgress p(400, 800);
    p.update(0, 0, true, 0, 0);
    EXPECT_FALSE(p.snapshot().caught_up) << "nothing verified yet";
    p.update(3, 3, true, 3, 1);
    EXPECT_TRUE(p.snapshot().caught_up);
}

TEST(SyncProgress, LogsAtMostEveryIntervalWhileCatchingUp) {
    SyncProgress p(400, 800);
    const std::string first = p.update(100, 0, false, 100, 0, 10);
    EXPECT_NE(first.find("catching up: 100/800 shares known, 0 verified"), std::string::npos)
        << first;
    EXPECT_EQ(p.update(200, 0, false, 100, 5, 10), "");
    EXPECT_NE(p.update(300, 0, false, 100, 10, 10), "");
    // No line for a batch that brought nothing.
    EXPECT_EQ(p.update(300, 0, false, 0, 30, 10), "");
}

TEST(SyncProgress, RateIsSharesAcceptedPerSecondOverTheInterval) {
    SyncProgress p(400, 800);
    p.update(100, 0, false, 100, 0);
    EXPECT_EQ(p.snapshot().rate, 0);  // not measured until an interval has passed
    p.update(400, 0, false, 300, 5);
    EXPECT_DOUBLE_EQ(p.snapshot().rate, 400.0 / 5);
    EXPECT_EQ(p.snapshot().to_json()["shares_per_second"], 80.0);
    EXPECT_EQ(p.snapshot().to_json()["state"], "catching_up");
}

TEST(SyncProgress, RateFallsWhileNothingArrives) {
    SyncProgress p(400, 800);
    p.update(100, 0, false, 100, 0);
    p.update(400, 0, false, 300, 5);
    EXPECT_DOUBLE_EQ(p.snapshot(6).rate, 80.0);  // within the next interval: the last rate
    EXPECT_DOUBLE_EQ(p.snapshot(15).rate, 0.0);  // 10 s without a share
    EXPECT_DOUBLE_EQ(p.snapshot().rate, 80.0);   // without a time: as of the last batch
    p.update(500, 0, false, 100, 16);            // closes the interval begun at 5
    EXPECT_DOUBLE_EQ(p.snapshot(20).rate, 100.0 / 11);
    EXPECT_DOUBLE_EQ(p.snapshot(26).rate, 0.0);
}
