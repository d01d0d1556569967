// GET /net/self on 127.0.0.1: a node without --stun says it knows nothing; one whose only
// STUN server never answers says so after the transaction's 5 s (retransmissions counted);
// --stun with nothing usable stops the node at start. Real NATs are in test_natlab.cpp.
#include <gtest/gtest.h>

#include <boost/asio/ip/udp.hpp>

#include "harness.hpp"

using namespace itest;
using namespace std::chrono_literals;

TEST(NetSelf, WithoutStunNothingIsKnown) {
    Daemon d(SHAREMSGD_PATH, test_dir("net-self-none"));
    ASSERT_TRUE(d.start({"--mine", "false"})) << d.log();
    const auto j = d.get("/net/self").json();
    EXPECT_EQ(j["stun_servers"], nlohmann::json::array());
    EXPECT_EQ(j["nat"], "unknown");
    EXPECT_TRUE(j["public_endpoint"].is_null());
    EXPECT_TRUE(j["refreshed"].is_null());
    EXPECT_EQ(j["refreshes"], 0);
    EXPECT_TRUE(j["report"].is_null());
}

TEST(NetSelf, ASilentServerLeavesTheNatUnknown) {
    // A bound UDP socket nobody reads: the requests are delivered and never answered.
    boost::asio::io_context io;
    boost::asio::ip::udp::socket silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const std::string server = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    Daemon d(SHAREMSGD_PATH, test_dir("net-self-silent"));
    ASSERT_TRUE(d.start({"--mine", "false", "--stun", server, "--stun", "no-port-here"}))
        << d.log();
    EXPECT_NE(d.log().find("--stun no-port-here"), std::string::npos) << d.log();
    nlohmann::json j;
    ASSERT_TRUE(wait_until(
        [&] {
            j = d.get("/net/self").json();
            return j.value("refreshes", 0) >= 1;
        },
        30s))
        << j.dump();
    EXPECT_EQ(j["stun_servers"], nlohmann::json::array({server}));
    EXPECT_EQ(j["nat"], "unknown");
    EXPECT_TRUE(j["public_endpoint"].is_null());
    EXPECT_TRUE(j["refreshed"].is_number());
    EXPECT_EQ(j["/report/counters/sent"_json_pointer], 4) << j.dump();
    EXPECT_EQ(j["/report/counters/retransmits"_json_pointer], 3) << j.dump();
    EXPECT_EQ(j["/report/counters/answers"_json_pointer], 0) << j.dump();
}

TEST(NetSelf, StunWithNothingUsableStopsTheNodeAtStart) {
    Daemon d(SHAREMSGD_PATH, test_dir("net-self-bad"));
    ASSERT_TRUE(d.spawn({"--mine", "false", "--stun", "nonsense"}));
    EXPECT_TRUE(d.wait_exit(20s).has_value());
    EXPECT_NE(d.log().find("--stun: none of the servers"), std::string::npos) << d.log();
}
