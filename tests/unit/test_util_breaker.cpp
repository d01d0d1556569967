// util::CircuitBreaker and util::backoff_delay (util/breaker.hpp).
#include <gtest/gtest.h>

#include "util/breaker.hpp"

namespace sharemsg::util {
namespace {

using State = CircuitBreaker::State;

TEST(Backoff, DoublesFromTheFirstDelayUpToTheMaximum) {
    EXPECT_DOUBLE_EQ(backoff_delay(1, 30, 0), 1);
    EXPECT_DOUBLE_EQ(backoff_delay(1, 30, 1), 2);
    EXPECT_DOUBLE_EQ(backoff_delay(1, 30, 4), 16);
    EXPECT_DOUBLE_EQ(backoff_delay(1, 30, 5), 30);
    EXPECT_DOUBLE_EQ(backoff_delay(1, 30, 1000), 30);  // no overflow for a huge attempt count
}

TEST(CircuitBreaker, OpensAfterTheConfiguredFailuresInARow) {
    CircuitBreaker b({3, 60});
    EXPECT_EQ(b.state(), State::fresh);
    EXPECT_FALSE(b.failed(10));
    EXPECT_FALSE(b.failed(11));
    EXPECT_EQ(b.state(), State::failing);
    EXPECT_TRUE(b.usable(11));
    EXPECT_TRUE(b.failed(12));  // the third opens it
    EXPECT_EQ(b.state(), State::open);
    EXPECT_FALSE(b.usable(12));
    EXPECT_FALSE(b.usable(71.9));
    EXPECT_TRUE(b.usable(72));  // half-open after the cooldown
    EXPECT_DOUBLE_EQ(b.open_until(), 72);
}

TEST(CircuitBreaker, AHalfOpenTryDecidesAlone) {
    CircuitBreaker b({2, 60});
    b.failed(0);
    ASSERT_TRUE(b.failed(0));
    EXPECT_FALSE(b.failed(1));  // still open: not "opened" again within the cooldown
    EXPECT_TRUE(b.failed(61));  // the half-open try failed: open again, for another cooldown
    EXPECT_FALSE(b.usable(100));
    EXPECT_TRUE(b.usable(121));
    EXPECT_TRUE(b.succeeded(121));  // recovered
    EXPECT_EQ(b.state(), State::ok);
    EXPECT_EQ(b.failures(), 0u);
    EXPECT_DOUBLE_EQ(b.last_ok(), 121);
    EXPECT_FALSE(b.succeeded(122));  // already working
}

TEST(CircuitBreaker, ARefusalResetsTheCount) {
    CircuitBreaker b({2, 60});
    b.failed(0);
    b.refused();
    EXPECT_EQ(b.state(), State::refused);
    EXPECT_FALSE(b.failed(1));  // one failure in a row again, not two
    EXPECT_TRUE(b.usable(1));
}

}  // namespace
}  // namespace sharemsg::util
