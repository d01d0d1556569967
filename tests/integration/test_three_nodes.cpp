// Three devnet nodes in a line (A - B - C), all mining and sending, split in two while B is
// down (A and C mine competing branches), then joined again: one branch is orphaned, its
// messages are sent again, and every node ends with the same messages and keys for the same
// best chain — also after a restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "harness.hpp"

using namespace itest;
using namespace std::chrono_literals;

namespace {

// The open-profile chat messages a node stores from shares: (message hash, share hash).
std::set<std::pair<std::string, std::string>> chats_in_shares(Daemon& d) {
    std::set<std::pair<std::string, std::string>> out;
    auto j = d.get("/msg/chat?limit=200").json();
    if (!j.is_object()) return out;
    for (const auto& m : j["messages"])
        if (m["share_hash"].is_string() && m["signing_id"].is_string())
            out.emplace(m["message_hash"].get<std::string>(), m["share_hash"].get<std::string>());
    return out;
}

std::set<std::string> chat_texts(Daemon& d) {
    std::set<std::string> out;
    auto j = d.get("/msg/chat?limit=200").json();
    if (!j.is_object()) return out;
    for (const auto& m : j["messages"])
        if (m["share_hash"].is_string()) out.insert(m.value("payload", ""));
    return out;
}

// The bound keys a node's ledger knows: signing id -> the share that first announced it.
std::map<std::string, std::string> keys_of(Daemon& d) {
    std::map<std::string, std::string> out;
    auto j = d.get("/msg/keys").json();
    if (!j.is_object()) return out;
    for (const auto& k : j["keys"])
        if (k.value("bound", false))
            out[k.value("signing_id", "")] = k.value("first_seen_share", "");
    return out;
}

// A counter of /metrics (0 until first counted).
double counter(Daemon& d, const std::string& name) {
    return std::max(0.0, d.metric(name));
}

std::string best_of(Daemon& d) {
    auto h = d.get("/health").json();
    return h.is_object() && h["best_share"].is_string() ? h["best_share"].get<std::string>() : "";
}

// A miner's flags: its key, a share every 0.5 s on average, no status messages, no address
// discovery (a line of nodes stays a line: A and C must not find each other through B), and
// `more`.
std::vector<std::string> flags(const TestKey& k, std::vector<std::string> more = {}) {
    auto f = key_flags(k);
    f.insert(f.end(), {"--share-period", "0.5", "--status-interval", "0", "--discover", "false"});
    f.insert(f.end(), more.begin(), more.end());
    return f;
}

}  // namespace

TEST(ThreeNodes, ReorgsLeaveEveryNodeWithTheSameVerdict) {
    const auto dir = test_dir("three-nodes");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b"), c(SHAREMSGD_PATH, dir / "c");
    const TestKey ka = test_signing_key(41), kb = test_signing_key(42), kc = test_signing_key(43);
    const std::string peer_a = "127.0.0.1:" + std::to_string(a.p2p_port);
    const std::string peer_b = "127.0.0.1:" + std::to_string(b.p2p_port);
    ASSERT_TRUE(a.start(flags(ka, {}))) << a.log();
    ASSERT_TRUE(b.start(flags(kb, {"--peer", peer_a}))) << b.log();
    ASSERT_TRUE(c.start(flags(kc, {"--peer", peer_b}))) << c.log();
    Daemon* nodes[] = {&a, &b, &c};

    // Joined: every node knows every key.
    ASSERT_TRUE(wait_until(
        [&] {
            for (Daemon* d : nodes)
                if (keys_of(*d).size() < 3) return false;
            return true;
        },
        120s))
        << c.get("/msg/keys").body;

    std::vector<std::string> sent;
    auto send = [&](Daemon& d, const std::string& text) {
        auto r = d.call("POST", "/msg/send", R"({"type":"chat","text":")" + text + "\"}");
        ASSERT_EQ(r.status, 200) << r.body;
        sent.push_back(text);
    };
    send(a, "before the split, from A");
    send(c, "before the split, from C");

    // The split: B goes down; A and C mine branches of their own and send on them.
    ASSERT_EQ(b.stop(), 0);
    std::this_thread::sleep_for(2s);
    send(a, "during the split, from A");
    send(c, "during the split, from C");
    ASSERT_TRUE(wait_until(
        [&] {
            return a.call("GET", "/msg/outbox").json().value("queued", 1) == 0 &&
                   c.call("GET", "/msg/outbox").json().value("queued", 1) == 0;
        },
        60s));
    std::this_thread::sleep_for(5s);  // both branches grow past the messages
    EXPECT_NE(best_of(a), best_of(c));

    // Joined again: one branch is orphaned; what it carried goes out again.
    ASSERT_TRUE(b.start(flags(kb, {"--peer", peer_a}))) << b.log();
    send(b, "after the split, from B");
    ASSERT_TRUE(wait_until(
        [&] {
            for (Daemon* d : nodes) {
                const auto texts = chat_texts(*d);
                for (const auto& t : sent)
                    if (!texts.count(t)) return false;
            }
            return true;
        },
        180s))
        << "A: " << a.get("/msg/chat?limit=50").body << "\nC: " << c.get("/msg/chat?limit=50").body
        << "\nA outbox: " << a.call("GET", "/msg/outbox").body
        << "\nC outbox: " << c.call("GET", "/msg/outbox").body;
    const double requeued =
        counter(a, "sharemsg_outbox_requeued_total") + counter(c, "sharemsg_outbox_requeued_total");
    std::printf("[ reorg    ] messages queued again after their share left the best chain: %.0f\n",
                requeued);
    EXPECT_GT(requeued, 0) << "no message was orphaned: the split did not make a reorg";

    // Stopped and started again without mining, the three agree on the best share; each shows
    // the same messages from the same shares, and the same keys. Two nodes may have stopped on
    // tips of equal work, each keeping the one it saw first; B alone mines a few shares first,
    // so that one tip has the most work.
    for (Daemon* d : nodes)
        ASSERT_EQ(d->stop(), 0);
    ASSERT_TRUE(b.start(flags(kb, {}))) << b.log();
    const double b0 = b.metric("sharemsg_best_height");
    ASSERT_TRUE(wait_until([&] { return b.metric("sharemsg_best_height") >= b0 + 5; }, 60s));
    ASSERT_EQ(b.stop(), 0);
    ASSERT_TRUE(a.start(flags(ka, {"--mine", "false"}))) << a.log();
    ASSERT_TRUE(b.start(flags(kb, {"--mine", "false", "--peer", peer_a}))) << b.log();
    ASSERT_TRUE(c.start(flags(kc, {"--mine", "false", "--peer", peer_b}))) << c.log();
    ASSERT_TRUE(wait_until(
        [&] {
            const auto best = best_of(a);
            return !best.empty() && best_of(b) == best && best_of(c) == best;
        },
        60s))
        << best_of(a) << " " << best_of(b) << " " << best_of(c);
    ASSERT_TRUE(wait_until(
        [&] {
            return chats_in_shares(a) == chats_in_shares(b) &&
                   chats_in_shares(b) == chats_in_shares(c);
        },
        30s));
    const auto chats = chats_in_shares(a);
    EXPECT_GE(chats.size(), sent.size());
    EXPECT_EQ(keys_of(a), keys_of(b));
    EXPECT_EQ(keys_of(b), keys_of(c));
    for (Daemon* d : nodes)
        EXPECT_EQ(counter(*d, "sharemsg_open_ignored_total{reason=\"over_budget\"}"), 0)
            << d->get("/metrics").body;
    std::printf("[ reorg    ] %zu chat messages in shares, the same on the three nodes\n",
                chats.size());
}

// A node restarted while its messages are in shares of the window keeps them embedded: it
// does not send them again (a private one would be encrypted anew and spend budget twice).
TEST(ThreeNodes, RestartDoesNotSendEmbeddedMessagesAgain) {
    const auto dir = test_dir("outbox-restart");
    Daemon a(SHAREMSGD_PATH, dir / "a"), b(SHAREMSGD_PATH, dir / "b");
    const TestKey ka = test_signing_key(44), kb = test_signing_key(45);
    const std::string peer_a = "127.0.0.1:" + std::to_string(a.p2p_port);
    ASSERT_TRUE(a.start(flags(ka, {}))) << a.log();
    ASSERT_TRUE(b.start(flags(kb, {"--peer", peer_a}))) << b.log();
    ASSERT_TRUE(wait_until([&] { return keys_of(a).count(kb.signing_id) > 0; }, 60s))
        << a.get("/msg/keys").body;

    std::vector<std::string> hashes;
    const std::vector<std::string> bodies{
        R"({"type":"chat","text":"public, before the restart"})",
        R"({"type":"chat","text":"private, before the restart","to":")" + kb.signing_id + "\"}"};
    for (const auto& body : bodies) {
        auto r = a.call("POST", "/msg/send", body);
        ASSERT_EQ(r.status, 200) << r.body;
        hashes.push_back(r.json()["message_hash"]);
    }
    auto states = [&] {
        std::map<std::string, std::string> out;
        auto j = a.call("GET", "/msg/outbox").json();
        if (!j.is_object()) return out;
        for (const auto& e : j["entries"])
            out[e.value("message_hash", "")] = e.value("state", "");
        return out;
    };
    auto all_embedded = [&] {
        const auto s = states();
        return std::all_of(hashes.begin(), hashes.end(), [&](const std::string& h) {
            auto it = s.find(h);
            return it != s.end() && it->second == "embedded";
        });
    };
    ASSERT_TRUE(wait_until(all_embedded, 60s)) << a.call("GET", "/msg/outbox").body;
    ASSERT_TRUE(wait_until([&] { return chat_texts(b).size() >= 2; }, 60s))
        << b.get("/msg/chat").body;

    ASSERT_EQ(a.stop(), 0);
    ASSERT_TRUE(a.start(flags(ka, {}))) << a.log();
    const auto height = [&] { return a.metric("sharemsg_best_height"); };
    const double h0 = height();
    ASSERT_TRUE(wait_until([&] { return height() >= h0 + 10; }, 60s));
    EXPECT_TRUE(all_embedded()) << a.call("GET", "/msg/outbox").body;
    EXPECT_EQ(counter(a, "sharemsg_outbox_requeued_total"), 0) << a.call("GET", "/msg/outbox").body;
    EXPECT_EQ(counter(a, "sharemsg_messages_sent_total"), 0) << "sent again after the restart";
}

// queue_position counts the queued entries only (an embedded one is watched until it is below
// the window, and does not stand in the queue); the same message sent again is answered with
// the first one's place.
TEST(ThreeNodes, QueuePositionCountsQueuedEntriesOnly) {
    const auto dir = test_dir("queue-position");
    Daemon a(SHAREMSGD_PATH, dir / "a");
    const TestKey ka = test_signing_key(46);
    ASSERT_TRUE(a.start(flags(ka))) << a.log();
    auto send = [&](const std::string& text) {
        return a.call("POST", "/msg/send", R"({"type":"chat","text":")" + text + "\"}");
    };
    for (const std::string text : {"first", "second"}) {
        auto r = send(text);
        ASSERT_EQ(r.status, 200) << r.body;
        const std::string hash = r.json()["message_hash"];
        ASSERT_TRUE(wait_until(
            [&] {
                const auto j = a.call("GET", "/msg/outbox").json();
                for (const auto& e : j["entries"])
                    if (e.value("message_hash", "") == hash)
                        return e.value("state", "") == "embedded";
                return false;
            },
            60s))
            << a.call("GET", "/msg/outbox").body;
    }
    auto third = send("third");
    ASSERT_EQ(third.status, 200) << third.body;
    EXPECT_EQ(third.json()["queue_position"], 1) << third.body;  // not behind the two embedded
    auto again = send("third");
    ASSERT_EQ(again.status, 200) << again.body;
    const auto pos = again.json()["queue_position"].get<int>();
    const auto eta = again.json()["estimated_share_time"].get<double>();
    if (pos == 1)
        EXPECT_GT(eta, 0) << again.body;  // still queued: its estimate, not 0
    else
        EXPECT_TRUE(pos == 0 && eta == 0) << again.body;  // embedded in the meantime
    EXPECT_EQ(again.json()["message_hash"], third.json()["message_hash"]);
}
