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
    for (const auto& m : j["messages"]) {
        auto payload = nlohmann::json::parse(m.value("payload", std::string()), nullptr, false);
        if (payload.is_object() && payload.value("msg", "") == needle &&
            m.value("protocol_authority", false) && m.value("verified", false) &&
            m.value("type_name", "") == "TRANSITION_SIGNAL")
            return true;
    }
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
    ASSERT_TRUE(
        a.start({"--share-period", "0.3", "--transition-message", test_authority_blob(text)}))
        << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << b.log();
    ASSERT_TRUE(c.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(b.p2p_port)}))
        << c.log();

    ASSERT_TRUE(wait_until([&] { return has_message(c, text); }, std::chrono::seconds(60)))
        << "C never stored the message\nA:\n"
        << a.log() << "\nB:\n"
        << b.log() << "\nC:\n"
        << c.log();
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

TEST(DevnetApi, ReadEndpointsShapesAndErrors) {
    const auto dir = test_dir("devnet-api");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    ASSERT_TRUE(
        a.start({"--share-period", "0.3", "--transition-message", test_authority_blob("api test")}))
        << a.log();
    ASSERT_TRUE(wait_until([&] { return message_count(a) > 0; }, std::chrono::seconds(30)))
        << a.log();

    auto recent = a.get("/msg/recent?limit=1").json();
    ASSERT_EQ(recent["messages"].size(), 1u);
    const auto& m = recent["messages"][0];
    for (const char* f :
         {"msg_type", "type_name", "flags", "timestamp", "payload", "signing_id", "has_signature",
          "verified", "sender_address", "share_hash", "age", "message_hash"})
        EXPECT_TRUE(m.contains(f)) << f;
    EXPECT_EQ(recent["stats"]["total_by_type"]["TRANSITION_SIGNAL"], 1);
    const auto ts = m["timestamp"].get<long long>();
    EXPECT_EQ(a.get("/msg/recent?since=" + std::to_string(ts)).json()["messages"].size(), 0u);
    EXPECT_EQ(a.get("/msg/recent?since=" + std::to_string(ts - 1)).json()["messages"].size(), 1u);
    EXPECT_TRUE(a.get("/msg/alerts").json().contains("alerts"));
    EXPECT_TRUE(a.get("/msg/status").json().contains("statuses"));
    EXPECT_TRUE(a.get("/msg/chat").json().contains("messages"));
    EXPECT_TRUE(a.get("/msg/keys").json().contains("keys"));
    EXPECT_TRUE(a.get("/msg/bans").json()["bans"].contains("words"));
    EXPECT_EQ(a.get("/msg/stats").json()["total_messages"], 1);
    EXPECT_FALSE(a.get("/msg/identity").json()["messaging_enabled"].get<bool>());

    for (const char* bad : {"/msg/recent?limit=0", "/msg/recent?limit=201", "/msg/recent?limit=x",
                            "/msg/recent?since=-5"}) {
        auto r = a.get(bad);
        EXPECT_EQ(r.status, 400) << bad;
        EXPECT_TRUE(r.json().contains("error") && r.json().contains("detail")) << r.body;
    }
    EXPECT_EQ(a.get("/nope").status, 404);
    EXPECT_EQ(http_request(a.web_port, "POST", "/msg/recent", "{}").status, 405);
    // An oversize body is refused without hurting the server.
    EXPECT_EQ(http_request(a.web_port, "POST", "/msg/send", std::string(70 * 1024, 'x')).status,
              413);
    EXPECT_EQ(a.get("/health").status, 200);
}

// A node that has mined well past its window forgets old shares and rewrites its share log
// to what it keeps; restarted, it loads the shorter log and goes on, and its peer follows.
TEST(Devnet, OldSharesArePrunedAndTheShareLogCompacted) {
    const auto dir = test_dir("devnet-prune");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    const std::vector<std::string> fa{"--share-period", "0.05", "--status-interval", "0"};
    ASSERT_TRUE(a.start(fa)) << a.log();
    ASSERT_TRUE(b.start({"--mine", "false", "--peer", "127.0.0.1:" + std::to_string(a.p2p_port)}))
        << b.log();
    // The devnet window is 400 shares; a node keeps 800 and prunes once it holds 1,200.
    ASSERT_TRUE(wait_until([&] { return a.metric("sharemsg_share_log_compactions_total") >= 1; },
                           std::chrono::seconds(180)))
        << a.get("/health").body;
    EXPECT_GE(a.metric("sharemsg_shares_pruned_total"), 400);
    EXPECT_LE(a.get("/health").json().value("shares", 0), 1200);
    ASSERT_TRUE(wait_until([&] { return b.metric("sharemsg_shares_pruned_total") >= 400; },
                           std::chrono::seconds(60)))
        << b.get("/health").body;

    const double mined = a.metric("sharemsg_shares_mined_total");
    ASSERT_EQ(a.stop(), 0);
    EXPECT_FALSE(fs::exists(a.datadir() / "shares.log.tmp"));
    ASSERT_TRUE(a.start(fa)) << a.log();
    // It loaded only what it kept (far fewer than it mined) and mines on from there.
    const std::string log = a.log();
    const auto at = log.rfind("loaded ");
    ASSERT_NE(at, std::string::npos) << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
    const double loaded = std::stod(log.substr(at + 7));
    EXPECT_LT(loaded, mined);
    EXPECT_LE(loaded, 1200);
    ASSERT_TRUE(wait_until(
        [&] {
            auto ha = a.get("/health").json(), hb = b.get("/health").json();
            return ha.is_object() && hb.is_object() && ha["best_share"] == hb["best_share"] &&
                   a.metric("sharemsg_shares_mined_total") > 20;
        },
        std::chrono::seconds(60)))
        << "B does not follow A after its restart\nB:\n"
        << b.log().substr(0, 100000);
}

// Two miners started at the same instant with the same share period: their chains join. With
// a fixed mining beat they mined in lockstep, every share of one tying with one of the other,
// and each node kept its own chain for good (first seen wins a tie): half the shares on each
// side, and no message of one ever reached the other.
TEST(Devnet, MinersStartedTogetherShareOneChain) {
    const auto dir = test_dir("devnet-together");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    const auto flags = [](const Daemon& peer) {
        return std::vector<std::string>{"--share-period",
                                        "0.3",
                                        "--status-interval",
                                        "0",
                                        "--peer",
                                        "127.0.0.1:" + std::to_string(peer.p2p_port)};
    };
    ASSERT_TRUE(a.spawn(flags(b)));
    ASSERT_TRUE(b.spawn(flags(a)));
    ASSERT_TRUE(a.ready()) << a.log();
    ASSERT_TRUE(b.ready()) << b.log();
    ASSERT_TRUE(wait_until(
        [&] {
            return a.metric("sharemsg_shares_mined_total") >= 40 &&
                   b.metric("sharemsg_shares_mined_total") >= 40;
        },
        std::chrono::seconds(120)));
    // Each best chain holds most of the shares both mined (a tie orphans one now and then),
    // and the two nodes name the same best share once the last one has travelled.
    for (Daemon* d : {&a, &b}) {
        const auto h = d->get("/health").json();
        ASSERT_TRUE(h.is_object());
        const double shares = h.value("shares", 0.0);
        EXPECT_GE(d->metric("sharemsg_best_height"), 0.75 * shares)
            << "best chain " << d->metric("sharemsg_best_height") << " of " << shares << " shares";
    }
    EXPECT_TRUE(wait_until(
        [&] {
            auto ha = a.get("/health").json(), hb = b.get("/health").json();
            return ha.is_object() && hb.is_object() && ha["best_share"] == hb["best_share"];
        },
        std::chrono::seconds(30)))
        << "A: " << a.get("/health").body << "\nB: " << b.get("/health").body;
}
