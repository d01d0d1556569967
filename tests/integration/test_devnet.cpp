// Three real sharemsgd --devnet processes on 127.0.0.1 in a line (A - B - C).
#include <gtest/gtest.h>

#include "harness.hpp"
#include "proto/builders.hpp"
#include "proto/envelope.hpp"

using namespace itest;
using namespace sharemsg;

namespace {


bool has_message(Daemon& d, const std::string& needle) {
    auto r = d.get("/msg/recent?limit=200");
    if (r.status != 200) return false;
    auto j = r.json();
    if (!j.is_object()) return false;
    for (const auto& m : j["messages"])
        if (m.contains("data") && m["data"].is_object() && m["data"].value("msg", "") == needle &&
            m.value("protocol_authority", false) && m.value("verified", false))
            return true;
    return false;
}

std::size_t message_count(Daemon& d) {
    auto j = d.get("/msg/recent?limit=200").json();
    return j.is_object() ? j["messages"].size() : 0;
}

}  // namespace

TEST(Devnet, MessageCrossesThreeNodesAndSurvivesRestart) {
    const auto dir = test_dir("devnet-line");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b"), c(SHAREMSGD_PATH, dir / "c");
    const std::string text = "devnet line test " + std::to_string(::getpid());
    ASSERT_TRUE(a.start({"--share-period", "0.3", "--transition-message", test_authority_blob(text)})) << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)})) << b.log();
    ASSERT_TRUE(c.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(b.p2p_port)})) << c.log();

    ASSERT_TRUE(wait_until([&] { return has_message(c, text); }, std::chrono::seconds(60)))
        << "C never stored the message\nA:\n" << a.log() << "\nB:\n" << b.log() << "\nC:\n" << c.log();
    EXPECT_TRUE(has_message(b, text));

    // C restarted alone, with its datadir: the store is rebuilt from its shares.
    const auto before = message_count(c);
    EXPECT_EQ(c.stop(), 0) << c.log();
    ASSERT_TRUE(c.start({"--mine", "false"})) << c.log();
    EXPECT_TRUE(has_message(c, text)) << c.log();
    EXPECT_EQ(message_count(c), before);
    auto health = c.get("/health").json();
    EXPECT_GT(health.value("shares", 0), 0);
}
